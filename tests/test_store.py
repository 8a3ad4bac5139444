"""The SQLite history: its whole schema, and safety across threads and processes."""

from __future__ import annotations

import multiprocessing
import threading

import sqlite_utils

from lib.jobs import GalleryQuery, JobStatus, JobStore
from lib.jobs.models import new_job_id, now_iso
from lib.jobs.schema import migrations
from tests.jobs_support import a_job

EXPECTED_JOBS_SCHEMA = (
    """CREATE TABLE "jobs" (
   "id" TEXT PRIMARY KEY,
   "submission_key" TEXT,
   "content_hash" TEXT NOT NULL,
   "task_id" TEXT,
   "status" TEXT NOT NULL,
   "remote_status" TEXT DEFAULT '',
   "character_orientation" TEXT NOT NULL,
   "prompt" TEXT DEFAULT '',
   "negative_prompt" TEXT DEFAULT '',
   "keep_original_sound" INTEGER DEFAULT 1,
   "image_path" TEXT,
   "video_path" TEXT,
   "image_url" TEXT,
   "video_url" TEXT,
   "result_url" TEXT,
   "result_url_expires_at" TEXT,
   "result_path" TEXT,
   "progress_percent" INTEGER DEFAULT 0,
   "eta_seconds" INTEGER,
   "failure_reason" TEXT,
   "payload_json" TEXT,
   "created_at" TEXT NOT NULL,
   "submitted_at" TEXT,
   "finished_at" TEXT,
   "updated_at" TEXT NOT NULL
, "favorite" INTEGER NOT NULL DEFAULT 0, "note" TEXT NOT NULL DEFAULT '', "poster_path" TEXT, """
    """"output_seconds" REAL, "service" TEXT NOT NULL DEFAULT 'novita', "key_fingerprint" TEXT, "lease" TEXT, """
    """"due_at" TEXT, "polls" INTEGER NOT NULL DEFAULT 0, "model" TEXT NOT NULL DEFAULT 'kling-v2.6-pro', """
    """"billed" INTEGER NOT NULL DEFAULT 0, "video_link" TEXT, "public_base_url" TEXT, "hidden_at" TEXT, """
    """"made_by" TEXT)"""
)

EXPECTED_PREPARED_SCHEMA = """CREATE TABLE "prepared_inputs" (
   "id" TEXT PRIMARY KEY,
   "image_path" TEXT NOT NULL,
   "video_path" TEXT NOT NULL,
   "video_url" TEXT,
   "character_orientation" TEXT NOT NULL,
   "created_at" TEXT NOT NULL
, "model" TEXT NOT NULL DEFAULT 'kling-v2.6-pro')"""

EXPECTED_INDEXES = {
    ("idx_jobs_created_at", ("created_at",), 0),
    ("idx_jobs_status", ("status",), 0),
    ("idx_jobs_content_hash_status", ("content_hash", "status"), 0),
    ("idx_jobs_submission_key", ("submission_key",), 1),
    ("idx_jobs_task_id", ("task_id",), 1),
    ("sqlite_autoindex_jobs_1", ("id",), 1),
    ("idx_jobs_status_created_at", ("status", "created_at"), 0),
    ("idx_jobs_character_orientation_created_at", ("character_orientation", "created_at"), 0),
    ("idx_jobs_favorite_created_at", ("favorite", "created_at"), 0),
    ("idx_jobs_service_status", ("service", "status"), 0),
    ("idx_jobs_key_fingerprint_status", ("key_fingerprint", "status"), 0),
    ("idx_jobs_image_path_video_path_created_at", ("image_path", "video_path", "created_at"), 0),
}

EXPECTED_FIX_RUNS_SCHEMA = (
    """CREATE TABLE "fix_runs" (
   "id" TEXT PRIMARY KEY,
   "kind" TEXT NOT NULL,
   "source_path" TEXT NOT NULL,
   "orientation" TEXT,
   "start" REAL DEFAULT 0.0,
   "status" TEXT NOT NULL,
   "progress" REAL DEFAULT 0.0,
   "result_path" TEXT,
   "error" TEXT,
   "stop_requested" INTEGER DEFAULT 0,
   "created_at" TEXT NOT NULL,
   "updated_at" TEXT NOT NULL
, "model" TEXT NOT NULL DEFAULT 'kling-v2.6-pro', "fit" TEXT NOT NULL DEFAULT 'solid', """
    + """"short_clip" TEXT NOT NULL DEFAULT 'loop')"""
)

EXPECTED_DRAFTS_SCHEMA = """CREATE TABLE "drafts" (
   "pair_id" TEXT PRIMARY KEY,
   "prompt" TEXT DEFAULT '',
   "negative_prompt" TEXT DEFAULT '',
   "orientation" TEXT,
   "model" TEXT,
   "keep_sound" INTEGER DEFAULT 1,
   "updated_at" TEXT NOT NULL
)"""

EXPECTED_PRESETS_SCHEMA = """CREATE TABLE "presets" (
   "name" TEXT PRIMARY KEY,
   "prompt" TEXT DEFAULT '',
   "negative_prompt" TEXT DEFAULT '',
   "created_at" TEXT NOT NULL
)"""
EXPECTED_LIBRARY_SCHEMA = """CREATE TABLE "library_items" (
   "id" TEXT PRIMARY KEY,
   "kind" TEXT NOT NULL,
   "name" TEXT NOT NULL,
   "tags" TEXT NOT NULL DEFAULT '',
   "content_hash" TEXT NOT NULL,
   "path" TEXT NOT NULL,
   "thumbnail_path" TEXT,
   "created_at" TEXT NOT NULL,
   "updated_at" TEXT NOT NULL
, "made_by" TEXT)"""
EXPECTED_BUDGETS_SCHEMA = """CREATE TABLE "budgets" (
   "person" TEXT PRIMARY KEY,
   "monthly_usd" REAL NOT NULL,
   "set_by" TEXT,
   "updated_at" TEXT NOT NULL
)"""
EXPECTED_AUDIT_SCHEMA = """CREATE TABLE "audit_log" (
   "id" TEXT PRIMARY KEY,
   "at" TEXT NOT NULL,
   "who" TEXT,
   "action" TEXT NOT NULL,
   "what" TEXT,
   "usd" REAL
)"""
EXPECTED_BATCHES_SCHEMA = """CREATE TABLE "batches" (
   "id" TEXT PRIMARY KEY,
   "status" TEXT NOT NULL,
   "prompt" TEXT DEFAULT '',
   "negative_prompt" TEXT DEFAULT '',
   "character_orientation" TEXT NOT NULL,
   "keep_original_sound" INTEGER DEFAULT 1,
   "model" TEXT NOT NULL,
   "estimated_cost" REAL,
   "max_cost" REAL,
   "files_to_fix" INTEGER DEFAULT 0,
   "files_fixed" INTEGER DEFAULT 0,
   "error" TEXT,
   "created_at" TEXT NOT NULL,
   "updated_at" TEXT NOT NULL
, "key" TEXT, "lease" TEXT, "due_at" TEXT, "public_base_url" TEXT, "content_hash" TEXT, "made_by" TEXT)"""
EXPECTED_BATCH_CELLS_SCHEMA = """CREATE TABLE "batch_cells" (
   "batch_id" TEXT REFERENCES "batches"("id"),
   "row" INTEGER,
   "col" INTEGER,
   "image_path" TEXT NOT NULL,
   "video_path" TEXT NOT NULL,
   "estimated_cost" REAL,
   "job_id" TEXT, "error" TEXT, "image_name" TEXT NOT NULL DEFAULT '', "video_name" TEXT NOT NULL DEFAULT '',
   PRIMARY KEY ("batch_id", "row", "col")
)"""

EXPECTED_WORKERS_SCHEMA = """CREATE TABLE "workers" (
   "id" TEXT PRIMARY KEY,
   "host" TEXT,
   "pid" INTEGER,
   "key_fingerprint" TEXT,
   "threads" INTEGER,
   "started_at" TEXT,
   "seen_at" TEXT
)"""


def test_a_fresh_database_has_exactly_this_schema(settings) -> None:
    JobStore(settings.db_path)
    db = sqlite_utils.Database(settings.db_path)
    assert set(db.table_names()) == {
        "jobs",
        "prepared_inputs",
        "fix_runs",
        "workers",
        "drafts",
        "presets",
        "library_items",
        "batches",
        "batch_cells",
        "budgets",
        "audit_log",
        "_sqlite_migrations",
    }
    assert db["jobs"].schema == EXPECTED_JOBS_SCHEMA
    assert db["prepared_inputs"].schema == EXPECTED_PREPARED_SCHEMA
    assert db["fix_runs"].schema == EXPECTED_FIX_RUNS_SCHEMA
    assert db["workers"].schema == EXPECTED_WORKERS_SCHEMA
    assert db["drafts"].schema == EXPECTED_DRAFTS_SCHEMA
    assert db["presets"].schema == EXPECTED_PRESETS_SCHEMA
    assert db["library_items"].schema == EXPECTED_LIBRARY_SCHEMA
    assert db["batches"].schema == EXPECTED_BATCHES_SCHEMA
    assert db["batch_cells"].schema == EXPECTED_BATCH_CELLS_SCHEMA
    assert db["budgets"].schema == EXPECTED_BUDGETS_SCHEMA
    assert db["audit_log"].schema == EXPECTED_AUDIT_SCHEMA
    assert {(i.name, tuple(i.columns), i.unique) for i in db["batch_cells"].indexes} == {
        ("idx_batch_cells_job_id", ("job_id",), 0),
        ("sqlite_autoindex_batch_cells_1", ("batch_id", "row", "col"), 1),
    }
    assert {(i.name, tuple(i.columns), i.unique) for i in db["batches"].indexes} == {
        ("idx_batches_key", ("key",), 1),
        ("idx_batches_content_hash_status", ("content_hash", "status"), 0),
        ("idx_batches_status_due_at", ("status", "due_at"), 0),
        ("sqlite_autoindex_batches_1", ("id",), 1),
    }
    assert {(i.name, tuple(i.columns), i.unique) for i in db["jobs"].indexes} == EXPECTED_INDEXES
    assert {(i.name, tuple(i.columns)) for i in db["prepared_inputs"].indexes} == {
        ("idx_prepared_inputs_created_at", ("created_at",)),
        ("sqlite_autoindex_prepared_inputs_1", ("id",)),
    }
    assert {(i.name, tuple(i.columns)) for i in db["fix_runs"].indexes} == {("sqlite_autoindex_fix_runs_1", ("id",))}
    assert {(i.name, tuple(i.columns)) for i in db["workers"].indexes} == {
        ("idx_workers_key_fingerprint_seen_at", ("key_fingerprint", "seen_at")),
        ("sqlite_autoindex_workers_1", ("id",)),
    }
    assert {(i.name, tuple(i.columns), i.unique) for i in db["library_items"].indexes} == {
        ("idx_library_items_kind_content_hash", ("kind", "content_hash"), 1),
        ("idx_library_items_kind_created_at", ("kind", "created_at"), 0),
        ("sqlite_autoindex_library_items_1", ("id",), 1),
    }
    assert [m.name for m in migrations.applied(db)] == [
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
        "0014_team",
    ]
    assert db.journal_mode == "wal"


def test_opening_again_applies_nothing_twice(settings) -> None:
    JobStore(settings.db_path)
    JobStore(settings.db_path)
    db = sqlite_utils.Database(settings.db_path)
    assert db["_sqlite_migrations"].count == 13


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
    db = sqlite_utils.Database(settings.db_path)
    migrations.apply(db, stop_before="0012_billed_and_video_link")
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
