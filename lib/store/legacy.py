"""The SQLite history's first migrations, 0001 to 0013, frozen: they only finish an older file.

Until the store moved to SQLAlchemy and Alembic, the schema changed through these sqlite-utils
migrations, recorded in the file's `_sqlite_migrations` table. A history file made then is brought up to
0013 here, and Alembic takes over from its baseline, which is the schema these leave
(`lib/store/migrations`). Nothing is added here any more: a new change is a new Alembic revision.
sqlite-utils stays for this alone, because these migrations are written with it and must run as they
ran then.

sqlite-utils imports pandas and numpy whenever they are installed (Streamlit installs both), only to
convert their values on insert; they are hidden while it imports (about 0.3 s of a page's first render).
"""

from __future__ import annotations

import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path

_HIDDEN = [name for name in ("pandas", "numpy") if name not in sys.modules]
for _name in _HIDDEN:
    sys.modules[_name] = None  # type: ignore[assignment]  # an import of it fails, as if not installed
try:
    import sqlite_utils
finally:
    for _name in _HIDDEN:
        del sys.modules[_name]

migrations = sqlite_utils.Migrations("motion_studio")


@migrations(name="0001_enable_wal", transactional=False)
def _enable_wal(db: sqlite_utils.Database) -> None:
    db.enable_wal()


@migrations(name="0002_create_jobs")
def _create_jobs(db: sqlite_utils.Database) -> None:
    db.table("jobs").create(
        {
            "id": str,
            "submission_key": str,
            "content_hash": str,
            "task_id": str,
            "status": str,
            "remote_status": str,
            "character_orientation": str,
            "prompt": str,
            "negative_prompt": str,
            "keep_original_sound": int,
            "image_path": str,
            "video_path": str,
            "image_url": str,
            "video_url": str,
            "result_url": str,
            "result_url_expires_at": str,
            "result_path": str,
            "progress_percent": int,
            "eta_seconds": int,
            "failure_reason": str,
            "payload_json": str,
            "created_at": str,
            "submitted_at": str,
            "finished_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"status", "content_hash", "character_orientation", "created_at", "updated_at"},
        defaults={
            "prompt": "",
            "negative_prompt": "",
            "keep_original_sound": 1,
            "progress_percent": 0,
            "remote_status": "",
        },
    )
    db.table("jobs").create_index(["task_id"], unique=True)
    db.table("jobs").create_index(["submission_key"], unique=True)
    db.table("jobs").create_index(["content_hash", "status"])
    db.table("jobs").create_index(["status"])
    db.table("jobs").create_index(["created_at"])


@migrations(name="0003_gallery")
def _gallery(db: sqlite_utils.Database) -> None:
    jobs = db.table("jobs")
    jobs.add_column("favorite", int, not_null_default=0)
    jobs.add_column("note", str, not_null_default="")
    jobs.add_column("poster_path", str)
    jobs.add_column("output_seconds", float)
    jobs.add_column("service", str, not_null_default="novita")
    jobs.create_index(["status", "created_at"])
    jobs.create_index(["character_orientation", "created_at"])
    jobs.create_index(["favorite", "created_at"])
    jobs.create_index(["service", "status"])
    db.table("prepared_inputs").create(
        {
            "id": str,
            "image_path": str,
            "video_path": str,
            "video_url": str,
            "character_orientation": str,
            "created_at": str,
        },
        pk="id",
        not_null={"image_path", "video_path", "character_orientation", "created_at"},
    )
    db.table("prepared_inputs").create_index(["created_at"])


@migrations(name="0004_engine")
def _engine(db: sqlite_utils.Database) -> None:
    """Jobs followed by worker processes: the key that made each, who follows it and when; fixes and
    workers as the pages see them."""
    jobs = db.table("jobs")
    jobs.add_column("key_fingerprint", str)
    jobs.add_column("lease", str)
    jobs.add_column("due_at", str)
    jobs.add_column("polls", int, not_null_default=0)
    jobs.create_index(["key_fingerprint", "status"])
    db.table("fix_runs").create(
        {
            "id": str,
            "kind": str,
            "source_path": str,
            "orientation": str,
            "start": float,
            "status": str,
            "progress": float,
            "result_path": str,
            "error": str,
            "stop_requested": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"kind", "source_path", "status", "created_at", "updated_at"},
        defaults={"progress": 0.0, "stop_requested": 0, "start": 0.0},
    )
    db.table("workers").create(
        {"id": str, "host": str, "pid": int, "key_fingerprint": str, "threads": int, "started_at": str, "seen_at": str},
        pk="id",
    )
    db.table("workers").create_index(["key_fingerprint", "seen_at"])


@migrations(name="0005_models")
def _models(db: sqlite_utils.Database) -> None:
    """The model each job and prepared pair is for; everything before had Kling 2.6 Pro, the only one then."""
    db.table("jobs").add_column("model", str, not_null_default="kling-v2.6-pro")
    db.table("prepared_inputs").add_column("model", str, not_null_default="kling-v2.6-pro")
    db.table("fix_runs").add_column("model", str, not_null_default="kling-v2.6-pro")


@migrations(name="0006_drafts")
def _drafts(db: sqlite_utils.Database) -> None:
    """What a creator typed for a pair and has not lost (its draft), named prompt presets, and an index
    that finds a pair's takes (the jobs made from the same two files) in order."""
    db.table("drafts").create(
        {
            "pair_id": str,
            "prompt": str,
            "negative_prompt": str,
            "orientation": str,
            "model": str,
            "keep_sound": int,
            "updated_at": str,
        },
        pk="pair_id",
        not_null={"updated_at"},
        defaults={"prompt": "", "negative_prompt": "", "keep_sound": 1},
    )
    db.table("presets").create(
        {"name": str, "prompt": str, "negative_prompt": str, "created_at": str},
        pk="name",
        not_null={"created_at"},
        defaults={"prompt": "", "negative_prompt": ""},
    )
    db.table("jobs").create_index(["image_path", "video_path", "created_at"])


@migrations(name="0007_library")
def _library(db: sqlite_utils.Database) -> None:
    """Characters and motion clips saved once for every user of the app: a checked, fixed copy in
    `<data>/library/`, named and tagged; the same content is one item."""
    db.table("library_items").create(
        {
            "id": str,
            "kind": str,
            "name": str,
            "tags": str,
            "content_hash": str,
            "path": str,
            "thumbnail_path": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"kind", "name", "tags", "content_hash", "path", "created_at", "updated_at"},
        defaults={"tags": ""},
    )
    db.table("library_items").create_index(["kind", "content_hash"], unique=True)
    db.table("library_items").create_index(["kind", "created_at"])


@migrations(name="0008_fix_choices")
def _fix_choices(db: sqlite_utils.Database) -> None:
    """The choices a fix was made with: how a shape outside the ratio is fitted (blur, solid, crop) and
    how a clip too short is lengthened (loop, slow, ping-pong); runs before had black bars and loops."""
    db.table("fix_runs").add_column("fit", str, not_null_default="solid")
    db.table("fix_runs").add_column("short_clip", str, not_null_default="loop")


@migrations(name="0009_batches")
def _batches(db: sqlite_utils.Database) -> None:
    """Batches: one request over a grid of characters (rows) and motion videos (columns), confirmed at
    an estimated cost, and its cells, each the job made for one character and one motion video."""
    db.table("batches").create(
        {
            "id": str,
            "status": str,
            "prompt": str,
            "negative_prompt": str,
            "character_orientation": str,
            "keep_original_sound": int,
            "model": str,
            "estimated_cost": float,
            "max_cost": float,
            "files_to_fix": int,
            "files_fixed": int,
            "error": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"status", "character_orientation", "model", "created_at", "updated_at"},
        defaults={"prompt": "", "negative_prompt": "", "keep_original_sound": 1, "files_to_fix": 0, "files_fixed": 0},
    )
    db.table("batch_cells").create(
        {
            "batch_id": str,
            "row": int,
            "col": int,
            "image_path": str,
            "video_path": str,
            "estimated_cost": float,
            "job_id": str,
        },
        pk=("batch_id", "row", "col"),
        not_null={"image_path", "video_path"},
        foreign_keys=[("batch_id", "batches", "id")],
    )
    db.table("batch_cells").create_index(["job_id"])


@migrations(name="0011_durable_batches")
def _durable_batches(db: sqlite_utils.Database) -> None:
    """Batches a worker holds under a lease (as jobs are), so the sweep takes over one a dead worker left;
    the key a batch was created under and what it asks for, so a double click or a second tab makes one
    batch; the public address its cells are
    sent with, so a batch taken over still has it; each cell's failure in words; and the names the person
    knows each cell's two files by."""
    batches = db.table("batches")
    batches.add_column("key", str)
    batches.add_column("lease", str)
    batches.add_column("due_at", str)
    batches.add_column("public_base_url", str)
    batches.add_column("content_hash", str)
    batches.create_index(["key"], unique=True)
    batches.create_index(["content_hash", "status"])
    batches.create_index(["status", "due_at"])
    cells = db.table("batch_cells")
    cells.add_column("error", str)
    cells.add_column("image_name", str, not_null_default="")
    cells.add_column("video_name", str, not_null_default="")


@migrations(name="0012_billed_and_video_link")
def _billed_and_video_link(db: sqlite_utils.Database) -> None:
    """`billed`: Novita reported the task succeeded, so it charged for it, whatever failed after (a download,
    a video that does not play); jobs from before are billed if they reached success. `video_link`: the
    link a motion video was given as, sent as it is while `video_path` keeps a local copy of it."""
    jobs = db.table("jobs")
    jobs.add_column("billed", int, not_null_default=0)
    jobs.add_column("video_link", str)
    db.execute(
        "update jobs set billed = 1 where status in ('succeeded', 'downloading', 'expired') "
        "or remote_status = 'TASK_STATUS_SUCCEED'"
    )
    db.execute("update jobs set video_link = video_url where video_path is null and video_url is not null")


@migrations(name="0013_job_sends_and_hiding")
def _job_sends_and_hiding(db: sqlite_utils.Database) -> None:
    """What a send needs kept on the job, not only in its queued task (a resend by the sweep has no task
    arguments): the public address typed on Home. And when a job Novita was still making was hidden
    from History: it is followed to its end all the same, so its result and its cost land."""
    db.table("jobs").add_column("public_base_url", str)
    db.table("jobs").add_column("hidden_at", str)


def is_legacy(path: Path) -> bool:
    """Whether the SQLite file at `path` was made by the sqlite-utils migrations (before Alembic)."""
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        found = conn.execute("select 1 from sqlite_master where name = ?", [migrations.migrations_table])
        return found.fetchone() is not None


def finish(path: Path) -> None:
    """Apply whichever of 0001-0013 an older history file lacks."""
    db = sqlite_utils.Database(sqlite3.connect(path, timeout=30, isolation_level=None))
    try:
        migrate(db)
    finally:
        db.close()


def migrate(db: sqlite_utils.Database) -> None:
    # Two processes opening a fresh database at once may both try to migrate; the loser finds the
    # work done (a "table already exists" or a duplicate migration record) and moves on.
    for attempt in range(5):
        try:
            migrations.apply(db)
            return
        except (sqlite3.OperationalError, sqlite3.IntegrityError):
            if not migrations.pending(db):
                return
            time.sleep(0.05 * (attempt + 1))
    migrations.apply(db)
