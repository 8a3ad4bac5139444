"""The history store on SQLite and on PostgreSQL: its whole schema, migrations from older SQLite files,
and safety across threads and processes, compare-and-set races included."""

from __future__ import annotations

import multiprocessing
import shutil
import threading
from pathlib import Path

import pytest
import sqlite_utils
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Float, create_engine, event, inspect, text

from lib.errors import DatabaseUnreachable
from lib.jobs import GalleryQuery, JobStatus, JobStore
from lib.jobs.models import new_job_id, now_iso
from lib.store import legacy
from lib.store.engine import POOL_SIZE, database_url, open_store
from lib.store.migrations import alembic_config
from lib.store.tables import metadata
from tests.browser_support import free_port
from tests.jobs_support import a_job

LEGACY_MIGRATIONS = [
    "0001_enable_wal",
    "0002_create_jobs",
    "0003_gallery",
    "0004_engine",
    "0005_models",
    "0006_drafts",
    "0007_library",
    "0008_fix_choices",
    "0009_batches",
    "0011_durable_batches",
    "0012_billed_and_video_link",
    "0013_job_sends_and_hiding",
]


@pytest.fixture
def store(database) -> JobStore:
    return JobStore(database)


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def differences(where: Path | str) -> list:
    """What Alembic finds between the database and tables.py: nothing, when they agree.

    Two differences of a SQLite file made by sqlite-utils mean nothing: its `TEXT PRIMARY KEY` allows
    null only by an old SQLite quirk (nothing writes one), and its `REAL` is the very type `Float` makes
    there. Its own record of the frozen migrations stays, and is no table of the app's."""
    with create_engine(database_url(where)).connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, kind, _parent: name != legacy.migrations.migrations_table}
        )
        found = compare_metadata(context, metadata)
    return [
        difference for difference in found if not (isinstance(difference, list) and _sqlite_equivalent(difference[0]))
    ]


def _sqlite_equivalent(change: tuple) -> bool:
    kind, _schema, table, column, _existing, before, after = change
    if kind == "modify_nullable":
        return metadata.tables[table].c[column].primary_key and (before, after) == (True, False)
    return kind == "modify_type" and str(before) == "REAL" and isinstance(after, Float)


def test_a_fresh_database_has_exactly_the_schema_tables_py_describes(database) -> None:
    engine = JobStore(database).engine
    assert set(inspect(engine).get_table_names()) == set(metadata.tables) | {"alembic_version"}
    assert differences(database) == []
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalars().all() == [head_revision()]
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("pragma journal_mode")).scalar_one() == "wal"


def test_opening_again_applies_nothing_twice(database) -> None:
    JobStore(database).add(a_job("kept"))
    JobStore(database)
    with open_store(database).connect() as conn:
        assert conn.execute(text("select count(*) from alembic_version")).scalar_one() == 1
    assert JobStore(database).count() == 1


def a_history_made_before_alembic(path: Path, stop_before: str | None = None) -> sqlite_utils.Database:
    """A SQLite file as the app made it up to 0f9dd50: sqlite-utils' migrations, then rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    legacy.migrations.apply(db, stop_before=stop_before)
    return db


def test_a_history_made_before_alembic_keeps_its_rows_and_takes_new_revisions(settings, tmp_path) -> None:
    db = a_history_made_before_alembic(settings.db_path)
    stamp = now_iso()
    job = a_job("old-inputs", prompt="from before", status=JobStatus.SUCCEEDED, favorite=True)
    db["jobs"].insert(job.to_row())
    db["prepared_inputs"].insert(
        {"id": "pair", "image_path": "a.png", "video_path": "a.mp4", "character_orientation": "image"}
        | {"created_at": stamp}
    )
    db["library_items"].insert(
        {"id": "item", "kind": "character", "name": "Ana", "content_hash": "h", "path": "ana.png"}
        | {"created_at": stamp, "updated_at": stamp}
    )
    db.close()

    store = JobStore(settings.db_path)
    assert store.get(job.id) == job and store.prepared("pair").image_path == "a.png" and store.count() == 1
    assert [m.name for m in legacy.migrations.applied(sqlite_utils.Database(settings.db_path))] == LEGACY_MIGRATIONS
    assert differences(settings.db_path) == []
    with store.engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar_one() == head_revision()

    # A revision written after the move applies to the old file as to any other.
    versions = tmp_path / "versions"
    shutil.copytree(alembic_config().get_main_option("version_locations") or "", versions)
    (versions / "9999_a_later_change.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n"
        f"revision = '9999'\ndown_revision = {head_revision()!r}\n"
        "def upgrade():\n    with op.batch_alter_table('jobs') as jobs:\n"
        "        jobs.add_column(sa.Column('a_later_column', sa.Text(), nullable=True))\n"
    )
    with store.engine.begin() as conn:
        config = alembic_config(conn)
        config.set_main_option("version_locations", str(versions))
        command.upgrade(config, "head")
    assert "a_later_column" in {column["name"] for column in inspect(store.engine).get_columns("jobs")}
    assert store.get(job.id) == job


def test_a_path_is_a_sqlite_file_and_a_postgresql_url_speaks_psycopg(tmp_path) -> None:
    assert database_url(tmp_path / "h.db") == f"sqlite:///{tmp_path / 'h.db'}"
    for given in ("postgresql://u:p@db:5432/history", "postgres://u:p@db:5432/history"):
        assert database_url(given) == "postgresql+psycopg://u:p@db:5432/history"


def test_every_repository_in_a_process_shares_one_pool_of_connections(database) -> None:
    store = JobStore(database)
    job = store.add(a_job())
    connected: list[object] = []
    event.listen(store.engine, "connect", lambda conn, _record: connected.append(conn))
    threads = [threading.Thread(target=lambda: [JobStore(database).get(job.id) for _ in range(50)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert JobStore(database).engine is store.engine and len(connected) <= POOL_SIZE
    assert store.engine.pool.checkedout() == 0  # each read gave its connection back


def test_a_database_server_that_does_not_answer_says_so_in_words() -> None:
    port = free_port()
    with pytest.raises(DatabaseUnreachable) as raised:
        JobStore(f"postgresql://motion:secret@127.0.0.1:{port}/history")
    message = str(raised.value)
    assert f"The history database at 127.0.0.1:{port} cannot be reached" in message
    assert "DATABASE_URL" in message and "secret" not in message


def _set_if_in_process(where: str, job_id: str, start, out) -> None:
    store = JobStore(where)
    start.wait()
    won = store.update(job_id, expect={"lease": "first"}, lease=f"mine-{multiprocessing.current_process().pid}")
    out.put(won is not None)


def test_processes_racing_to_compare_and_set_one_row_make_exactly_one_winner(database) -> None:
    job = JobStore(database).add(a_job(lease="first"))
    context = multiprocessing.get_context("spawn")
    start, out = context.Event(), context.Queue()
    racers = [context.Process(target=_set_if_in_process, args=(str(database), job.id, start, out)) for _ in range(2)]
    for racer in racers:
        racer.start()
    start.set()
    wins = [out.get(timeout=60) for _ in racers]
    for racer in racers:
        racer.join(timeout=60)
    assert sorted(wins) == [False, True]
    assert JobStore(database).get(job.id).lease.startswith("mine-")


def test_threads_racing_to_compare_and_set_one_row_make_exactly_one_winner(store) -> None:
    job = store.add(a_job(lease="first", status=JobStatus.QUEUED))
    barrier = threading.Barrier(8)
    won: list[str] = []

    def race(n: int) -> None:
        barrier.wait()
        if store.update(job.id, expect={"lease": "first"}, lease=f"racer-{n}", status=JobStatus.PROCESSING):
            won.append(f"racer-{n}")

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1 and store.get(job.id).lease == won[0]
    assert store.update(job.id, status=JobStatus.QUEUED) is None  # a status never moves back
    assert store.update(job.id, expect={"lease": ("other", won[0]), "task_id": None}, polls=3).polls == 3


def test_the_gallery_search_ignores_case_on_either_database(store) -> None:
    store.add(a_job("a", prompt="A Dancer on the 100% BEACH", created_at="2026-11-24T10:00:00.000+00:00"))
    later = store.add(a_job("b", prompt="at night", note="beach_trip", created_at="2026-11-24T10:05:00.000+00:00"))
    assert [job.content_hash for job in store.gallery(GalleryQuery(search="beach"))[0]] == ["b", "a"]
    assert store.gallery(GalleryQuery(search="BEACH", page_size=1)) == ([later], 2)
    assert [job.content_hash for job in store.gallery(GalleryQuery(search="100%"))[0]] == ["a"]
    assert [job.content_hash for job in store.gallery(GalleryQuery(search="ch_T"))[0]] == ["b"]
    assert [job.content_hash for job in store.gallery(GalleryQuery(search="t_n"))[0]] == []  # "_" is no wildcard


def test_jobs_round_trip_with_their_types(store) -> None:
    job = store.add(
        a_job(prompt="a dancer", keep_original_sound=False, key_fingerprint="0f" * 8, lease="a-lease", polls=2)
    )
    assert store.get(job.id) == job
    updated = store.update(job.id, status=JobStatus.PROCESSING, progress_percent=40, eta_seconds=12)
    assert (updated.status, updated.progress_percent, updated.eta_seconds, updated.keep_original_sound) == (
        JobStatus.PROCESSING,
        40,
        12,
        False,
    )
    assert updated.updated_at >= job.updated_at
    assert store.get("no-such-job") is None
    assert store.update("no-such-job", progress_percent=50) is None  # a job deleted meanwhile: nothing written


def test_the_same_submission_in_flight_is_returned_not_added(store) -> None:
    first, created = store.add_unless_in_flight(a_job())
    again, created_again = store.add_unless_in_flight(a_job())
    assert created and not created_again and again.id == first.id
    store.update(first.id, status=JobStatus.FAILED)
    retry, created_retry = store.add_unless_in_flight(a_job())
    assert created_retry and retry.id != first.id
    keyed, _ = store.add_unless_in_flight(a_job("other", submission_key="click-1"))
    store.update(keyed.id, status=JobStatus.SUCCEEDED)
    same_click, created_click = store.add_unless_in_flight(a_job("other", submission_key="click-1"))
    assert not created_click and same_click.id == keyed.id


def test_threads_racing_on_one_submission_create_one_job(store) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def race() -> None:
        barrier.wait()
        results.append(store.add_unless_in_flight(a_job())[1])

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert store.count() == 1


def _race_in_process(db_path: str, start: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:
    store = JobStore(db_path)
    start.wait()
    created = [store.add_unless_in_flight(a_job(f"p-{i % 5}"))[1] for i in range(20)]
    for _ in range(20):
        store.add(a_job(f"unique-{new_job_id()}"))
    out.put(sum(created))


def test_processes_opening_a_fresh_database_and_writing_at_once(settings) -> None:
    context = multiprocessing.get_context("spawn")
    start, out = context.Event(), context.Queue()
    workers = [context.Process(target=_race_in_process, args=(str(settings.db_path), start, out)) for _ in range(4)]
    for worker in workers:
        worker.start()
    start.set()
    created = sum(out.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert created == 5
    assert JobStore(settings.db_path).count() == 5 + 4 * 20


def test_takes_of_a_pair_are_numbered_oldest_first_whatever_their_prompt(store) -> None:
    pair = {"image_path": "inputs/a.png", "video_path": "inputs/dance.mp4"}
    first = store.add(a_job("h1", prompt="on a beach", created_at="2026-11-24T10:00:00+00:00", **pair))
    other = store.add(a_job("h2", image_path="inputs/b.png", video_path="inputs/dance.mp4"))
    second = store.add(a_job("h3", prompt="at night", created_at="2026-11-24T10:05:00+00:00", **pair))
    third = store.add(a_job("h4", created_at="2026-11-24T10:09:00+00:00", model="kling-v3.0-pro", **pair))

    assert [job.id for job in store.takes(**pair)] == [first.id, second.id, third.id]
    assert store.take_numbers([third.id, other.id, first.id]) == {third.id: 3, other.id: 1, first.id: 1}
    store.delete(second.id)
    assert store.take_numbers([third.id]) == {third.id: 2}
    assert store.take_numbers([]) == {}


def test_jobs_from_before_billed_are_billed_once_they_reached_success_and_keep_their_link(settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = a_history_made_before_alembic(settings.db_path, stop_before="0012_billed_and_video_link")
    stamp = now_iso()
    rows = {
        "done": ("succeeded", "TASK_STATUS_SUCCEED", None),
        "no-video": ("failed", "TASK_STATUS_SUCCEED", None),
        "expired": ("expired", "TASK_STATUS_SUCCEED", None),
        "refused": ("failed", "TASK_STATUS_FAILED", None),
        "linked": ("queued", "TASK_STATUS_QUEUED", "https://cdn.example.com/dance.mp4"),
    }
    for job_id, (status, remote, link) in rows.items():
        db["jobs"].insert(
            {"id": job_id, "content_hash": job_id, "status": status, "remote_status": remote, "video_url": link}
            | {"character_orientation": "image", "created_at": stamp, "updated_at": stamp}
        )
    db.close()
    store = JobStore(settings.db_path)
    assert {job_id for job_id in rows if store.get(job_id).billed} == {"done", "no-video", "expired"}
    assert (
        store.get("linked").video_link == "https://cdn.example.com/dance.mp4" and store.get("done").video_link is None
    )


def test_in_flight_matches_only_the_same_key_and_model(store) -> None:
    """A job of one key (a typed key whose tab closed, a rotated server key) never blocks another key's."""
    stuck, _ = store.add_unless_in_flight(a_job(key_fingerprint="old-key", status=JobStatus.MAYBE_SUBMITTED))
    theirs, _ = store.add_unless_in_flight(a_job(key_fingerprint="tab-key", status=JobStatus.PROCESSING))
    mine, created = store.add_unless_in_flight(a_job(key_fingerprint="new-key"))
    assert created and mine.id not in (stuck.id, theirs.id)
    other_model, created_model = store.add_unless_in_flight(a_job(key_fingerprint="new-key", model="kling-v3.0-pro"))
    assert created_model and other_model.id != mine.id
    again, created_again = store.add_unless_in_flight(a_job(key_fingerprint="new-key"))
    assert not created_again and again.id == mine.id


def test_may_have_been_sent_blocks_its_own_key_until_a_person_resolves_it(store) -> None:
    maybe, _ = store.add_unless_in_flight(a_job(key_fingerprint="k", status=JobStatus.MAYBE_SUBMITTED))
    same, created = store.add_unless_in_flight(a_job(key_fingerprint="k"))
    assert not created and same.id == maybe.id  # shown, so a person checks before paying twice
    store.update(maybe.id, status=JobStatus.FAILED)  # what "it was not made" does
    fresh, created_fresh = store.add_unless_in_flight(a_job(key_fingerprint="k"))
    assert created_fresh and fresh.id != maybe.id


def test_a_hidden_job_leaves_the_gallery_and_the_takes_but_is_still_followed(store) -> None:
    pair = {"image_path": "inputs/a.png", "video_path": "inputs/dance.mp4", "key_fingerprint": "k"}
    kept = store.add(a_job("h1", created_at="2026-11-24T10:00:00+00:00", **pair))
    hidden = store.add(a_job("h2", status=JobStatus.PROCESSING, created_at="2026-11-24T10:05:00+00:00", **pair))
    last = store.add(a_job("h3", created_at="2026-11-24T10:09:00+00:00", **pair))
    store.update(hidden.id, hidden_at=now_iso())
    assert [job.id for job in store.gallery(GalleryQuery())[0]] == [last.id, kept.id]
    assert [job.id for job in store.takes(pair["image_path"], pair["video_path"])] == [kept.id, last.id]
    assert store.take_numbers([last.id]) == {last.id: 2}
    assert [job.id for job in store.followed_jobs("k", JobStatus.PROCESSING)] == [hidden.id]
    again, created = store.add_unless_in_flight(a_job("h2", **pair))
    assert created and again.id != hidden.id  # hidden on purpose: the same settings make a new take
