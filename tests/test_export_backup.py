"""Data safety: the history exported as CSV, JSON and a zip with the media; a backup of the database
taken while threads and processes keep writing; deleting a job removes its files and nothing else."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import multiprocessing
import os
import sqlite3
import threading
import time
import tracemalloc
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from playwright.sync_api import expect
from streamlit.runtime.media_file_manager import MediaFileManager

from lib.history.backup import back_up, backups_dir
from lib.history.export import (
    CSV_COLUMNS,
    all_jobs,
    export_zip,
    exports_dir,
    history_csv,
    history_json,
    job_folders,
    media_entries,
)
from lib.history.gallery import delete_job
from lib.jobs import Job, JobStatus, JobStore
from lib.novita.rules import model_for
from lib.uploads.fix_runs import FixRuns, FixState
from tests.bigfiles_support import memory_mib, pid_listening_on
from tests.browser_support import ROOT, main_area, streamlit_server, wait_until_idle
from tests.conftest import TEST_API_KEY
from tests.jobs_support import a_job, follow_until
from tests.pages_support import at_page
from tests.worker_support import worker_process

AWKWARD_PROMPTS = [
    "Tänzerin am Strand, 夕焼け, 💃🏽 — «ça va»",
    'She said "cut", then, "again, slower"',
    "line one\nline two\r\nline three\rand a lone CR",
    "tab\there, semicolon; pipe | backslash \\ and a trailing space ",
    "",
]


def awkward_jobs() -> list[Job]:
    """Jobs whose text breaks naive CSV and JSON, with every kind of value a column can hold."""
    jobs = []
    for i, prompt in enumerate(AWKWARD_PROMPTS):
        jobs.append(
            a_job(
                f"hash-{i}",
                status=list(JobStatus)[i],
                prompt=prompt,
                negative_prompt=f'no "blur", no {i}',
                note="client: «yes»\n👍" if i % 2 else "",
                favorite=bool(i % 2),
                keep_original_sound=i != 3,
                task_id=f"task-{i}" if i else None,
                output_seconds=3.5 if i else None,
                progress_percent=20 * i,
                payload_json=json.dumps({"task": {"status": "TASK_STATUS_SUCCEED", "reason": "très bien 👌"}})
                if i != 2
                else None,
                created_at=f"2026-11-{i + 10}T08:0{i}:00.000+00:00",
            )
        )
    return jobs


def zip_name(store: JobStore, job: Job, kind: str) -> str:
    """The name of one of the job's files (`result`, `image` or `motion`) inside an export of the whole store."""
    folder = job_folders(all_jobs(store))[job.id]
    return next(entry.name for entry in media_entries(job, folder) if entry.kind == kind)


def test_the_export_reads_every_job_on_either_database(database) -> None:
    store = JobStore(database)
    made = [store.add(a_job(f"inputs {n}", prompt=f"take {n}")).id for n in range(25)]

    assert sorted(job.id for job in all_jobs(store)) == sorted(made)


def test_the_csv_reads_as_a_person_would_write_it(store, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    try:
        jobs = [store.add(job) for job in awkward_jobs()]
        data = history_csv(all_jobs(store), price_for=lambda model: 0.2 if model.word == "kling-v2.6-pro" else 1.0)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    by_id = {row["Job id"]: row for row in rows}
    assert len(rows) == len(jobs) == len(by_id)
    for job in jobs:
        row = by_id[job.id]
        assert row["Created"] == f"{int(job.created_at[8:10])} Nov 2026, 09:0{job.created_at[15]} CET"
        assert row["Status"] == job.status.label and row["Model"] == "Kling 2.6 Pro"
        assert row["Prompt"] == job.prompt and row["Negative prompt"] == job.negative_prompt  # quoting survives
        assert row["Character faces"] == "As in the image"
        assert row["Original sound"] == ("kept" if job.keep_original_sound else "off")
        assert (row["Length (s)"], row["Estimated cost (USD)"]) == (("3.5", "0.70") if job.output_seconds else ("", ""))
        assert row["Note"] == job.note and row["Favorite"] == ("yes" if job.favorite else "")
    assert "夕焼け, 💃🏽".encode() in data  # plain UTF-8, not escaped
    assert b"TASK_STATUS" not in data and b"payload" not in data  # machine fields stay in the JSON


def test_the_csv_names_each_file_as_the_zip_does_and_prices_each_model(
    settings, store, character_png, motion_mp4
) -> None:
    job = store.add(
        media_job(
            settings,
            character_png,
            motion_mp4,
            "named",
            prompt="On a beach at dusk, slow",
            model="kling-v3.0-pro",
            output_seconds=4.0,
            created_at="2026-11-23T20:05:09.000+00:00",
        )
    )
    (row,) = csv.DictReader(io.StringIO(history_csv([job], price_for=lambda model: model.default_price).decode()))
    folder = "motion_2026-11-23_2005_on-a-beach-at-dusk"
    assert row["Result file"] == f"{folder}/motion_2026-11-23_2005_on-a-beach-at-dusk.mp4"
    assert (row["Character image file"], row["Motion video file"]) == (
        f"{folder}/character.png",
        f"{folder}/motion-video.mp4",
    )
    assert row["Model"] == "Kling 3.0 Pro"
    assert row["Estimated cost (USD)"] == f"{4.0 * model_for('kling-v3.0-pro').default_price:.2f}"
    assert history_csv([job]).decode().splitlines()[1].count(",,") >= 1  # no prices given: no cost


def test_the_json_round_trips_every_job_with_its_payload_parsed(store) -> None:
    jobs = [store.add(job) for job in awkward_jobs()]
    store.add(a_job("broken-payload", payload_json="not json {"))
    data = history_json(all_jobs(store))
    records = json.loads(data.decode("utf-8"))
    assert "💃🏽".encode() in data and [r["created_at"] for r in records] == sorted(
        (r["created_at"] for r in records), reverse=True
    )
    by_id = {r["id"]: r for r in records}
    for job in jobs:
        record = by_id[job.id]
        assert list(record) == [c for c in (f.name for f in dataclasses.fields(Job)) if c != "payload_json"] + [
            "payload"
        ]
        assert Job.from_row(record) == dataclasses.replace(job, payload_json=None)
        assert record["payload"] == (json.loads(job.payload_json) if job.payload_json else None)
    assert next(r for r in records if r["content_hash"] == "broken-payload")["payload"] == "not json {"


def test_an_empty_history_exports_a_header_and_an_empty_list(store) -> None:
    assert history_csv(all_jobs(store)).decode().splitlines() == [",".join(CSV_COLUMNS)]
    assert json.loads(history_json(all_jobs(store))) == []


def media_job(settings, character_png, motion_mp4, name: str, **fields) -> Job:
    """A finished job with its own result, image and motion video inside the data folder."""
    for folder in (settings.results_dir, settings.inputs_dir):
        folder.mkdir(parents=True, exist_ok=True)
    result = settings.results_dir / f"{name}.mp4"
    image = settings.inputs_dir / f"{name}.png"
    motion = settings.inputs_dir / f"{name}.mp4"
    result.write_bytes(motion_mp4.read_bytes() + name.encode())  # different bytes per job
    image.write_bytes(character_png.read_bytes() + name.encode())
    motion.write_bytes(motion_mp4.read_bytes())
    return a_job(
        name,
        status=JobStatus.SUCCEEDED,
        result_path=str(result),
        image_path=str(image),
        video_path=str(motion),
        **fields,
    )


def test_the_zip_holds_the_history_and_each_jobs_media_and_lists_what_is_missing(
    settings, store, character_png, motion_mp4
) -> None:
    complete = store.add(
        media_job(
            settings,
            character_png,
            motion_mp4,
            "complete",
            prompt='a, "quoted"\nprompt 🎬',
            created_at="2026-11-23T20:05:09.000+00:00",
        )
    )
    lost_result = store.add(
        media_job(settings, character_png, motion_mp4, "lost", created_at="2026-11-22T09:00:00.000+00:00")
    )
    Path(lost_result.result_path).unlink()
    Path(lost_result.image_path).unlink()
    failed = store.add(
        a_job(
            "failed",
            status=JobStatus.FAILED,
            image_path=str(character_png),
            video_path=str(motion_mp4),
            created_at="2026-11-21T09:00:00.000+00:00",
        )
    )
    seen: list[tuple[int, int]] = []
    path = export_zip(store, settings.data_dir, progress=lambda done, total: seen.append((done, total)))

    assert path.parent == exports_dir(settings.data_dir) and path.suffix == ".zip"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no partial file left behind
    assert seen == [(i, 8) for i in range(1, 9)]
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        folder = "motion_2026-11-23_2005_a-quoted-prompt"  # named like the result's single download
        expected_media = {
            f"{folder}/{folder}.mp4": complete.result_path,
            f"{folder}/character.png": complete.image_path,
            f"{folder}/motion-video.mp4": complete.video_path,
            zip_name(store, lost_result, "motion"): lost_result.video_path,
            zip_name(store, failed, "image"): str(character_png),
            zip_name(store, failed, "motion"): str(motion_mp4),
        }
        assert names == {"history.json", "history.csv", "missing.txt", *expected_media}
        for name, source in expected_media.items():
            assert archive.read(name) == Path(source).read_bytes(), name
        missing = archive.read("missing.txt").decode()
        assert f"{zip_name(store, lost_result, 'result')}\t{lost_result.result_path}" in missing
        assert f"{zip_name(store, lost_result, 'image')}\t{lost_result.image_path}" in missing
        assert len(missing.strip().splitlines()) == 3
        assert archive.read("history.csv") == history_csv(all_jobs(store))
        records = json.loads(archive.read("history.json"))
        assert {r["id"] for r in records} == {complete.id, lost_result.id, failed.id}
        assert next(r for r in records if r["id"] == complete.id)["prompt"] == complete.prompt


def test_a_zip_without_missing_files_has_no_missing_list(settings, store, character_png, motion_mp4) -> None:
    store.add(media_job(settings, character_png, motion_mp4, "only"))
    with zipfile.ZipFile(export_zip(store, settings.data_dir)) as archive:
        assert "missing.txt" not in archive.namelist() and len(archive.namelist()) == 5


def test_the_zip_streams_large_results_from_disk(settings, store, character_png, motion_mp4) -> None:
    job = store.add(media_job(settings, character_png, motion_mp4, "big"))
    big = 40 * 1024 * 1024
    with open(job.result_path, "wb") as out:
        for _ in range(big // (1024 * 1024)):
            out.write(os.urandom(1024 * 1024))
    tracemalloc.start()
    try:
        path = export_zip(store, settings.data_dir)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"peak Python memory {peak / 2**20:.1f} MiB for a {big / 2**20:.0f} MiB result"
    with zipfile.ZipFile(path) as archive:
        entry = archive.getinfo(zip_name(store, job, "result"))
        assert entry.file_size == big and entry.compress_type == zipfile.ZIP_STORED
        with archive.open(entry) as inside, open(job.result_path, "rb") as source:
            assert hashlib.file_digest(inside, "sha256").digest() == hashlib.file_digest(source, "sha256").digest()


def test_old_exports_are_cleared_when_a_new_one_is_made(settings, store) -> None:
    folder = exports_dir(settings.data_dir)
    folder.mkdir(parents=True)
    old, recent, other = (
        folder / "motion_studio-history-old.zip",
        folder / "motion_studio-history-recent.zip",
        folder / "mine.txt",
    )
    for path in (old, recent, other):
        path.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    os.utime(other, (two_hours_ago, two_hours_ago))
    new = export_zip(store, settings.data_dir)
    assert not old.exists() and recent.exists() and other.exists() and new.exists()


def test_no_export_carries_the_api_key(store, client, hosting, settings, request_for, follow_for) -> None:  # noqa: F811
    """A real job through the simulator, submitted and followed with the key, then exported every way."""
    from lib.jobs import submit_job

    job = submit_job(
        request_for(prompt="a key-free export"),
        store=store,
        client=client,
        hosting=hosting,
        inputs_dir=settings.inputs_dir,
    )
    (done,) = follow_until(follow_for(store), [job.id])
    assert done.status is JobStatus.SUCCEEDED and done.payload_json
    key = TEST_API_KEY.encode()
    assert key not in history_csv(all_jobs(store)) and key not in history_json(all_jobs(store))
    path = export_zip(store, settings.data_dir)
    assert key not in path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        assert zip_name(store, done, "result") in archive.namelist()
        for name in archive.namelist():
            assert key not in archive.read(name), name


# Backup -----------------------------------------------------------------------------------------


def seed(store: JobStore, count: int) -> None:
    """Enough rows (with a payload each) that a backup copies a few megabytes and takes a while."""
    payload = json.dumps({"task": {"reason": "x" * 1500}})
    rows = [a_job(f"seed-{i}", payload_json=payload, prompt=f"seed {i} ✨").to_row() for i in range(count)]
    with closing(sqlite3.connect(store.db_path)) as db, db:
        db.executemany(
            f"insert into jobs ({', '.join(rows[0])}) values ({', '.join('?' * len(rows[0]))})",
            [list(r.values()) for r in rows],
        )


BACKUP_ROUNDS = 25


def check_copy(path: Path) -> int:
    """The backup's integrity check result must be ok; returns its job count."""
    with closing(sqlite3.connect(path)) as copy:
        assert copy.execute("pragma integrity_check").fetchall() == [("ok",)]
        return copy.execute("select count(*) from jobs").fetchone()[0]


def test_a_backup_is_verified_named_by_time_and_keeps_every_job(settings, store) -> None:
    seed(store, 50)
    backup = back_up(settings.db_path, backups_dir(settings.data_dir))
    assert backup.path.parent == settings.data_dir / "backups"
    assert backup.path.name.startswith("motion_studio-") and backup.path.name.endswith("Z.db")
    assert backup.job_count == 50 and check_copy(backup.path) == 50
    assert [p.name for p in backup.path.parent.iterdir()] == [backup.path.name]  # no partial, wal or shm left
    restored = JobStore(backup.path)
    assert {j.id for j in all_jobs(restored)} == {j.id for j in all_jobs(store)}
    again = back_up(settings.db_path, backups_dir(settings.data_dir))
    assert again.path != backup.path and again.path.name > backup.path.name


class ThreadWriter(threading.Thread):
    """Adds and updates jobs until stopped, as workers and other tabs do; keeps any error it meets."""

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path, self.stop, self.written, self.errors = db_path, threading.Event(), 0, []

    def run(self) -> None:
        store = JobStore(self.db_path)
        while not self.stop.is_set():
            try:
                job = store.add(a_job(f"thread-{self.written}", prompt="written during a backup"))
                store.update(job.id, status=JobStatus.QUEUED, progress_percent=10)
                self.written += 1
            except Exception as error:  # noqa: BLE001 - any failure, "database is locked" above all, fails the test
                self.errors.append(repr(error))

    def __enter__(self) -> ThreadWriter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.join(timeout=30)


def back_up_repeatedly(settings, store: JobStore) -> list[tuple[int, int, int]]:
    """Back up BACKUP_ROUNDS times; each copy must pass its checks and hold a count between before and after."""
    counts = []
    for _ in range(BACKUP_ROUNDS):
        before = store.count()
        backup = back_up(settings.db_path, backups_dir(settings.data_dir))
        after = store.count()
        counts.append((before, backup.job_count, after))
        assert before <= backup.job_count <= after
        assert check_copy(backup.path) == backup.job_count
    return counts


def test_a_backup_while_a_thread_keeps_writing_is_consistent(settings, store) -> None:
    seed(store, 1500)
    with ThreadWriter(settings.db_path) as writer:
        counts = back_up_repeatedly(settings, store)
    assert not writer.errors, writer.errors[:3]
    assert writer.written > 0 and counts[-1][2] > counts[0][0], counts
    assert len(list(backups_dir(settings.data_dir).iterdir())) == BACKUP_ROUNDS


def _keep_writing(db_path: str, ready, stop, out) -> None:
    store = JobStore(db_path)
    written, errors = 0, []
    ready.set()
    while not stop.is_set():
        try:
            store.add(a_job(f"process-{written}", prompt="from another process"))
            written += 1
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors.append(repr(error))
    out.put((written, errors[:3]))


def test_a_backup_while_another_process_and_a_thread_keep_writing(settings, store) -> None:
    seed(store, 1000)
    context = multiprocessing.get_context("spawn")
    ready, stop, out = context.Event(), context.Event(), context.Queue()
    process = context.Process(target=_keep_writing, args=(str(settings.db_path), ready, stop, out))
    process.start()
    try:
        assert ready.wait(timeout=60)
        with ThreadWriter(settings.db_path) as writer:
            back_up_repeatedly(settings, store)
    finally:
        stop.set()
        written, errors = out.get(timeout=60)
        process.join(timeout=60)
    assert process.exitcode == 0
    assert not errors and not writer.errors, (errors, writer.errors[:3])
    assert written > 0 and writer.written > 0
    assert store.count() == 1000 + written + writer.written


def test_a_writer_holding_the_lock_neither_blocks_the_backup_nor_leaks_into_it(settings, store) -> None:
    seed(store, 10)
    holder = sqlite3.connect(settings.db_path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute(
            "insert into jobs (id, content_hash, status, character_orientation, created_at, updated_at) "
            "values ('uncommitted', 'h', 'queued', 'image', 'x', 'x')"
        )
        started = time.monotonic()
        backup = back_up(settings.db_path, backups_dir(settings.data_dir))
        assert time.monotonic() - started < 5
        assert backup.job_count == 10 and check_copy(backup.path) == 10
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# Delete -----------------------------------------------------------------------------------------


def every_file(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


def test_delete_removes_that_jobs_files_and_nothing_else_and_an_earlier_zip_keeps_them(
    settings, store, character_png, motion_mp4
) -> None:
    doomed = store.add(media_job(settings, character_png, motion_mp4, "doomed"))
    poster = settings.results_dir / "thumbnails" / "doomed.jpg"
    poster.parent.mkdir(parents=True)
    poster.write_bytes(b"poster of doomed")
    doomed = store.update(doomed.id, poster_path=str(poster))
    keepers = [store.add(media_job(settings, character_png, motion_mp4, f"keeper-{i}")) for i in range(3)]
    sharer = store.add(
        a_job("sharer", image_path=doomed.image_path, video_path=keepers[0].video_path)
    )  # shares the image
    zipped = export_zip(store, settings.data_dir)
    doomed_result = zip_name(store, doomed, "result")
    backup = back_up(settings.db_path, backups_dir(settings.data_dir))
    before = every_file(settings.data_dir)
    result_bytes = Path(doomed.result_path).read_bytes()

    delete_job(store, doomed.id, settings.data_dir)

    after = every_file(settings.data_dir)
    gone = {str(Path(p).relative_to(settings.data_dir)) for p in (doomed.result_path, doomed.video_path, poster)}
    assert set(before) - set(after) == gone
    assert {k: v for k, v in before.items() if k not in gone and not k.startswith("motion_studio.db")} == {
        k: v for k, v in after.items() if not k.startswith("motion_studio.db")
    }
    assert Path(doomed.image_path).exists()  # the sharer still uses it
    assert store.get(doomed.id) is None and {j.id for j in all_jobs(store)} == {sharer.id, *(k.id for k in keepers)}
    assert check_copy(backup.path) == 5  # the backup still holds the deleted job
    with zipfile.ZipFile(zipped) as archive:
        assert archive.read(doomed_result) == result_bytes
        assert doomed.id in {r["id"] for r in json.loads(archive.read("history.json"))}


# The page ---------------------------------------------------------------------------------------


@pytest.fixture
def downloads(monkeypatch) -> dict[str, object]:
    """The data behind each download button the page drew, by file name (deferred ones as their callable)."""
    captured: dict[str, object] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if is_for_static_download:
            captured[file_name] = path_or_data
        return add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    def record_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        captured[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return captured


def data_of(captured: dict[str, object], file_name: str) -> bytes:
    data = captured[file_name]
    return data() if callable(data) else data


def test_the_history_page_exports_backs_up_and_zips_from_its_expander(
    settings, store, downloads, character_png, motion_mp4
) -> None:
    for job in awkward_jobs()[:3]:
        store.add(job)
    store.add(media_job(settings, character_png, motion_mp4, "with-media"))
    app = at_page("pages/3_History.py").run()
    assert not app.exception, app.exception
    assert app.expander[-1].label == "Export and backup"
    inside = app.expander[-1]
    labels = [b.proto.label for b in inside.get("download_button")]
    assert labels == ["Download history as CSV", "Download history as JSON"]
    rows = list(
        csv.DictReader(io.StringIO(data_of(downloads, "motion_studio-history.csv").decode("utf-8"), newline=""))
    )
    assert len(rows) == 4 and {r["Prompt"] for r in rows} >= set(AWKWARD_PROMPTS[:3])
    assert "0.49" in {r["Estimated cost (USD)"] for r in rows}  # 3.5 s at the default $0.14 a second
    assert len(json.loads(data_of(downloads, "motion_studio-history.json"))) == 4

    app.button(key="backup_now").click().run()
    assert not app.exception
    backups = list(backups_dir(settings.data_dir).glob("*.db"))
    assert len(backups) == 1 and any(str(backups[0]) in s.value for s in app.success)

    app.button(key="prepare_zip").click().run()
    assert not app.exception
    # The page only queues the zip: the worker writes it, and the page follows its progress.
    assert app.get("progress")[-1].proto.text == "Writing the zip… waiting for a worker"
    assert not list(exports_dir(settings.data_dir).glob("*.zip")), "the page wrote the zip itself"
    static = {"MOTION_STUDIO_STATIC_DIR": str(settings.static_dir)}
    with worker_process(settings.data_dir, settings.data_dir / "worker.log", static):
        deadline = time.monotonic() + 60
        while not (links := [m.value for m in app.markdown if "Download the zip" in m.value]):
            assert time.monotonic() < deadline, [m.value for m in app.markdown]
            time.sleep(0.2)
            app.run()
    zipped = next(exports_dir(settings.data_dir).glob("*.zip"))
    # The browser fetches it from the static route; the app never reads it (no download button holds it).
    served = settings.static_dir / links[0].split('href="/app/static/')[1].split('"')[0]
    assert served.read_bytes() == zipped.read_bytes() and served.stat().st_ino == zipped.stat().st_ino
    assert [b.proto.label for b in app.get("download_button")] == labels
    assert zipped.name not in downloads
    with zipfile.ZipFile(zipped) as archive:
        assert len(archive.namelist()) == 5


def test_a_second_prepare_joins_the_zip_being_written_and_a_finished_one_is_never_reused(settings) -> None:
    runs = FixRuns(settings.db_path)
    first, is_new = runs.request_export(settings.data_dir)
    assert is_new and runs.request_export(settings.data_dir) == (first, False)
    zipped = settings.data_dir / "old.zip"
    zipped.write_bytes(b"PK")
    runs.update(first.id, status=FixState.DONE, result_path=str(zipped))
    # The history may have changed since that zip: the next press writes a new one.
    again, is_new = runs.request_export(settings.data_dir)
    assert is_new and again.status is FixState.WAITING and again.result_path is None


@pytest.mark.browser
def test_the_history_zip_downloads_in_a_real_browser_without_the_app_reading_it(
    browser, settings, store, character_png, motion_mp4, tmp_path
) -> None:
    job = media_job(settings, character_png, motion_mp4, "big")
    with Path(job.result_path).open("ab") as result:  # tens of MB that do not compress, as videos do
        for _ in range(ZIP_TEST_MIB):
            result.write(os.urandom(1024 * 1024))
    store.add(job)
    with streamlit_server(ROOT / "app.py", settings.data_dir, tmp_path / "streamlit.log") as app:
        pid = pid_listening_on(int(app.url.rsplit(":", 1)[1]))
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{app.url}/History")
        main_area(page).get_by_text("Export and backup").click()
        main_area(page).get_by_role("button", name="Prepare a zip with all videos").click()
        link = main_area(page).get_by_role("link", name="Download the zip")
        expect(link).to_be_visible(timeout=120_000)  # the worker writes the zip first
        wait_until_idle(page)
        before = memory_mib(pid, "VmRSS")
        with page.expect_download() as download_info:
            link.click()
        zipped = tmp_path / "downloaded.zip"
        download_info.value.save_as(zipped)
        wait_until_idle(page)
        grown = memory_mib(pid, "VmRSS") - before
        size_mib = zipped.stat().st_size / 2**20
        print(f"History zip of {size_mib:.0f} MiB downloaded: the app's RSS grew by {grown:.1f} MiB")
        context.close()
    assert download_info.value.suggested_filename.startswith("motion_studio-history-")
    with zipfile.ZipFile(zipped) as archive:
        assert archive.testzip() is None and len(archive.namelist()) == 5
    assert size_mib > ZIP_TEST_MIB and grown < size_mib / 4, (grown, size_mib)


ZIP_TEST_MIB = 60
