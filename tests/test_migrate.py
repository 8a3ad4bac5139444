"""Moving a team from one machine to many (issue 20): `python -m lib.cli migrate` copies the data folder's
SQLite history into a real PostgreSQL, started on a free loopback port, and the result reads the same."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.batches import plan_batch
from lib.batches.store import Batches
from lib.cli.main import main
from lib.config import APP_DIR, Settings, load_settings
from lib.files.storage import storage_for
from lib.jobs import GalleryQuery, JobStatus, JobStore
from lib.library import Library, LibraryKind
from lib.novita import Orientation
from lib.novita.rules import DEFAULT_MODEL
from tests.jobs_support import a_job
from tests.make_media import make_image, make_video
from tests.postgres_support import fresh_database
from tests.s3_support import s3_settings

JOBS = 50


@pytest.fixture
def team_history(settings: Settings, character_png: Path, motion_mp4: Path, tmp_path: Path) -> Settings:
    """A data folder as a team leaves it: 50 jobs, a 2 x 2 batch and two library items."""
    store = JobStore(settings.db_path)
    for n in range(JOBS):
        status = JobStatus.SUCCEEDED if n % 5 else JobStatus.FAILED
        finished = f"2026-12-0{1 + n % 3}T10:00:00+00:00"
        store.add(a_job(f"inputs {n}", status=status, prompt=f"take {n} on a rooftop", finished_at=finished))
    library = Library(settings.db_path)
    library.add(LibraryKind.CHARACTER, character_png, "Ana", tags=("dancer",))
    library.add(LibraryKind.MOTION, motion_mp4, "Spin")
    images = [make_image(tmp_path / "ben.png", 640, 480), character_png]
    videos = [make_video(tmp_path / "wave.mp4", 480, 360, seconds=3.0), motion_mp4]
    Batches(settings.db_path).create(plan_batch(images, videos, Orientation.IMAGE, DEFAULT_MODEL, 0.14))
    return settings


@pytest.fixture
def postgres_url(postgres: str) -> str:
    """An empty PostgreSQL database to move to; not DATABASE_URL, so the app reads the data folder until told."""
    return fresh_database(postgres)


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file of the history (with its WAL and shared memory) by its content."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("motion_studio.db*")}


def moved(capsys: pytest.CaptureFixture[str], url: str) -> tuple[int, dict]:
    code = main(["migrate", "--to-database", url, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_history_moves_to_postgresql_once_with_matching_counts_and_the_same_gallery(
    team_history: Settings, postgres_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = team_history
    before = fingerprint(source.data_dir)

    code, first = moved(capsys, postgres_url)

    assert code == 0 and first["same"] is True, first
    counts = {count["name"]: count for count in first["counts"]}
    assert counts["jobs"] == {"name": "jobs", "source": JOBS, "target": JOBS, "copied": JOBS}
    assert counts["batches"]["copied"] == 1 and counts["batch_cells"]["copied"] == 4
    assert counts["library_items"]["copied"] == 2
    assert "secret" not in first["target"], "the printout names the database's password"
    assert fingerprint(source.data_dir) == before, "the move changed the source"

    code, second = moved(capsys, postgres_url)
    assert code == 0 and second["same"] is True
    assert [count["copied"] for count in second["counts"]] == [0] * len(second["counts"]), "a row was copied twice"

    for query in (GalleryQuery(), GalleryQuery(page=1), GalleryQuery(statuses=(JobStatus.FAILED,), search="take")):
        assert JobStore(postgres_url).gallery(query) == JobStore(source.db_path).gallery(query)
    assert Library(postgres_url, source.data_dir / "library").items() == Library(source.db_path).items()

    # The app on the moved history shows the same History page as on the data folder's.
    pages = []
    for database in (None, postgres_url):
        if database:
            monkeypatch.setenv("DATABASE_URL", database)
        app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page("pages/3_History.py")
        app.run()
        assert not app.exception
        pages.append([m.value for m in app.markdown] + [c.value for c in app.caption])
    assert pages[0] == pages[1] and any(f"{JOBS} jobs" in text for text in pages[1])


def test_counts_that_differ_exit_1_and_say_which(
    team_history: Settings, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    JobStore(postgres_url).add(a_job("made on the new set-up already", status=JobStatus.SUCCEEDED))

    code = main(["migrate", "--to-database", postgres_url])

    words = capsys.readouterr().out
    assert code == 1
    jobs_line = next(line for line in words.splitlines() if line.startswith("jobs "))
    assert jobs_line.split()[1:4] == [str(JOBS), str(JOBS + 1), str(JOBS)] and "differs" in jobs_line
    assert "Some counts differ" in words


def test_the_files_move_to_the_bucket_once_and_a_machine_with_an_empty_folder_reads_them(
    team_history: Settings,
    postgres_url: str,
    moto_url: str,
    bucket: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    given = s3_settings(moto_url, bucket)
    s3 = {
        "S3_ENDPOINT_URL": moto_url,
        "S3_REGION": given.region,
        "S3_ACCESS_KEY_ID": given.access_key_id or "",
        "S3_SECRET_ACCESS_KEY": given.secret_access_key or "",
    }
    for name, value in s3.items():
        monkeypatch.setenv(name, value)
    before = fingerprint(team_history.data_dir)

    code = main(["migrate", "--to-database", postgres_url, "--to-bucket", bucket, "--json"])
    files = next(c for c in json.loads(capsys.readouterr().out)["counts"] if c["name"] == "files")
    assert code == 0 and files["source"] == files["target"] == files["copied"] >= 4, files  # two items, two stills
    assert fingerprint(team_history.data_dir) == before, "the move changed the source"

    code = main(["migrate", "--to-database", postgres_url, "--to-bucket", bucket, "--json"])
    again = next(c for c in json.loads(capsys.readouterr().out)["counts"] if c["name"] == "files")
    assert code == 0 and again["copied"] == 0, "a file was sent twice"

    # Another machine: an empty data folder, the shared database and bucket; the library reads the same files.
    other = load_settings(
        {**s3, "MOTION_STUDIO_DATA": str(tmp_path / "other"), "MEDIA_BUCKET": bucket, "DATABASE_URL": postgres_url}
    )
    here = {item.name: item for item in Library(team_history.db_path).items()}
    for item in Library(postgres_url, other.data_dir / "library").items():
        assert not Path(item.path).is_absolute(), f"{item.name} is still named by this machine's path"
        copy = storage_for(other).local_path(item.path)
        assert copy.is_relative_to(other.data_dir) and copy.read_bytes() == Path(here[item.name].path).read_bytes()
