"""The job history in SQLite: `<data folder>/motion_studio.db`, through sqlite-utils.

A connection is opened per operation and never shared between threads (Streamlit runs pages and
fragments on worker threads; the poller has its own). Writes that read first take the write lock up
front (`BEGIN IMMEDIATE`), so two processes wait their turn instead of failing with "database is
locked". The schema changes only through the named, append-only migrations below.
"""
from __future__ import annotations

import sqlite3
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils
from sqlite_utils import Migrations

migrations = Migrations("motion_studio")


@migrations(name="0001_enable_wal", transactional=False)
def _enable_wal(db: sqlite_utils.Database) -> None:
    db.enable_wal()


@migrations(name="0002_create_jobs")
def _create_jobs(db: sqlite_utils.Database) -> None:
    db["jobs"].create(
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
        defaults={"prompt": "", "negative_prompt": "", "keep_original_sound": 1, "progress_percent": 0, "remote_status": ""},
    )
    db["jobs"].create_index(["task_id"], unique=True)
    db["jobs"].create_index(["submission_key"], unique=True)
    db["jobs"].create_index(["content_hash", "status"])
    db["jobs"].create_index(["status"])
    db["jobs"].create_index(["created_at"])


@migrations(name="0003_gallery")
def _gallery(db: sqlite_utils.Database) -> None:
    jobs = db["jobs"]
    jobs.add_column("favorite", int, not_null_default=0)
    jobs.add_column("note", str, not_null_default="")
    jobs.add_column("poster_path", str)
    jobs.add_column("output_seconds", float)
    jobs.add_column("service", str, not_null_default="novita")
    jobs.create_index(["status", "created_at"])
    jobs.create_index(["character_orientation", "created_at"])
    jobs.create_index(["favorite", "created_at"])
    jobs.create_index(["service", "status"])
    db["prepared_inputs"].create(
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
    db["prepared_inputs"].create_index(["created_at"])


class JobStatus(Enum):
    """Where a job stands, from the moment it is recorded (before anything is sent) to its end."""

    SUBMITTING = "submitting"
    MAYBE_SUBMITTED = "maybe_submitted"
    QUEUED = "queued"
    PROCESSING = "processing"
    DOWNLOADING = "downloading"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        """The status in a creator's words."""
        return _LABELS[self]

    @property
    def polled(self) -> bool:
        """The service has the job and the poller follows it."""
        return self in (JobStatus.QUEUED, JobStatus.PROCESSING, JobStatus.DOWNLOADING)

    @property
    def in_flight(self) -> bool:
        """Submitting the same inputs again now could pay twice."""
        return self.polled or self in (JobStatus.SUBMITTING, JobStatus.MAYBE_SUBMITTED)

    @property
    def final(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.EXPIRED)


_LABELS = {
    JobStatus.SUBMITTING: "Sending",
    JobStatus.MAYBE_SUBMITTED: "May have been sent",
    JobStatus.QUEUED: "Waiting in line",
    JobStatus.PROCESSING: "Generating",
    JobStatus.DOWNLOADING: "Saving the result",
    JobStatus.SUCCEEDED: "Done",
    JobStatus.FAILED: "Failed",
    JobStatus.EXPIRED: "Result link expired",
}
POLLED = tuple(s.value for s in JobStatus if s.polled)
IN_FLIGHT = tuple(s.value for s in JobStatus if s.in_flight)


@dataclass(frozen=True)
class Job:
    """One row of `jobs`: a generation from the moment it was asked for."""

    id: str
    content_hash: str
    status: JobStatus
    character_orientation: str
    created_at: str
    updated_at: str
    submission_key: str | None = None
    task_id: str | None = None
    remote_status: str = ""
    prompt: str = ""
    negative_prompt: str = ""
    keep_original_sound: bool = True
    image_path: str | None = None
    video_path: str | None = None
    image_url: str | None = None
    video_url: str | None = None
    result_url: str | None = None
    result_url_expires_at: str | None = None
    result_path: str | None = None
    progress_percent: int = 0
    eta_seconds: int | None = None
    failure_reason: str | None = None
    payload_json: str | None = None
    submitted_at: str | None = None
    finished_at: str | None = None
    favorite: bool = False
    note: str = ""
    poster_path: str | None = None
    output_seconds: float | None = None
    service: str = "novita"

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Job":
        values = {k: v for k, v in row.items() if k in JOB_FIELDS}
        values["status"] = JobStatus(values["status"])
        for flag in ("keep_original_sound", "favorite"):
            if flag in values:
                values[flag] = bool(values[flag])
        return cls(**values)

    def to_row(self) -> dict[str, Any]:
        row = {f.name: getattr(self, f.name) for f in fields(self)}
        row["status"] = self.status.value
        row["keep_original_sound"] = int(self.keep_original_sound)
        row["favorite"] = int(self.favorite)
        return row


JOB_FIELDS = frozenset(f.name for f in fields(Job))


@dataclass(frozen=True)
class PreparedInputs:
    """A character image and motion video that passed preflight together, ready to generate.

    `video_url` is the public link the video came from, when it came from one: it is sent as is.
    """

    id: str
    image_path: str
    video_path: str
    character_orientation: str
    created_at: str
    video_url: str | None = None


@dataclass(frozen=True)
class GalleryQuery:
    """One page of the history, filtered; `page` counts from 0."""

    statuses: tuple[JobStatus, ...] = ()
    orientation: str | None = None
    search: str = ""
    favorites_only: bool = False
    page: int = 0
    page_size: int = 12

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.statuses:
            clauses.append(f"status in ({','.join('?' * len(self.statuses))})")
            params += [s.value for s in self.statuses]
        if self.orientation:
            clauses.append("character_orientation = ?")
            params.append(self.orientation)
        if self.search.strip():
            clauses.append("(prompt like ? escape '\\' or negative_prompt like ? escape '\\' or note like ? escape '\\')")
            pattern = "%" + self.search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            params += [pattern] * 3
        if self.favorites_only:
            clauses.append("favorite = 1")
        return (" and ".join(clauses) or "1 = 1"), params


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_job_id() -> str:
    return uuid.uuid4().hex


def _migrate(db: sqlite_utils.Database) -> None:
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


class JobStore:
    """Reads and writes jobs; cheap to make, holds no connection between calls."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            _migrate(db)

    @contextmanager
    def _db(self) -> Iterator[sqlite_utils.Database]:
        conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        try:
            yield sqlite_utils.Database(conn)
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite_utils.Database]:
        """A transaction holding the write lock from its first statement."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def add(self, job: Job) -> Job:
        with self._db() as db:
            db["jobs"].insert(job.to_row())
        return job

    def add_unless_in_flight(self, job: Job) -> tuple[Job, bool]:
        """Insert `job` unless the same submission is already on its way; (the job, whether it is new).

        "The same" is the same submission key, or the same inputs and settings while in flight. One
        write transaction makes the check and the insert, so two tabs or processes cannot both win.
        """
        with self._write() as db:
            clauses, params = [f"(content_hash = ? and status in ({','.join('?' * len(IN_FLIGHT))}))"], [job.content_hash, *IN_FLIGHT]
            if job.submission_key:
                clauses.append("submission_key = ?")
                params.append(job.submission_key)
            existing = list(db["jobs"].rows_where(" or ".join(clauses), params, order_by="created_at desc", limit=1))
            if existing:
                return Job.from_row(existing[0]), False
            db["jobs"].insert(job.to_row())
            return job, True

    def get(self, job_id: str) -> Job | None:
        with self._db() as db:
            rows = list(db["jobs"].rows_where("id = ?", [job_id]))
        return Job.from_row(rows[0]) if rows else None

    def update(self, job_id: str, **changes: Any) -> Job:
        """Change some fields of a job (enums and booleans as their Python values)."""
        unknown = set(changes) - JOB_FIELDS
        if unknown:
            raise ValueError(f"jobs have no fields {sorted(unknown)}")
        values = {k: (v.value if isinstance(v, Enum) else int(v) if isinstance(v, bool) else v) for k, v in changes.items()}
        values["updated_at"] = now_iso()
        # Plain SQL: the poller calls this after every poll, and sqlite-utils' update adds look-ups.
        assignments = ", ".join(f"[{name}] = ?" for name in values)
        with self._db() as db:
            db.execute(f"update jobs set {assignments} where id = ?", [*values.values(), job_id])
            cursor = db.execute("select * from jobs where id = ?", [job_id])
            names = [column[0] for column in cursor.description]
            return Job.from_row(dict(zip(names, cursor.fetchone())))

    def jobs_with_status(self, *statuses: JobStatus) -> list[Job]:
        with self._db() as db:
            rows = db["jobs"].rows_where(
                f"status in ({','.join('?' * len(statuses))})", [s.value for s in statuses], order_by="created_at"
            )
            return [Job.from_row(r) for r in rows]

    def polled_jobs(self, service: str) -> list[Job]:
        """The jobs that `service` ("simulator" or "novita") has and the poller follows."""
        with self._db() as db:
            rows = db["jobs"].rows_where(
                f"service = ? and status in ({','.join('?' * len(POLLED))})", [service, *POLLED], order_by="created_at"
            )
            return [Job.from_row(r) for r in rows]

    def gallery(self, query: GalleryQuery) -> tuple[list[Job], int]:
        """The jobs on one page of the history, newest first, and how many match in all."""
        where, params = query.where()
        with self._db() as db:
            total = db.execute(f"select count(*) from jobs where {where}", params).fetchone()[0]
            rows = db["jobs"].rows_where(
                where, params, order_by="created_at desc", limit=query.page_size, offset=query.page * query.page_size
            )
            return [Job.from_row(r) for r in rows], total

    def delete(self, job_id: str) -> None:
        with self._db() as db:
            db["jobs"].delete_where("id = ?", [job_id])

    def paths_in_use(self, *paths: str) -> set[str]:
        """Which of these file paths some job still uses, as an input or a poster."""
        if not paths:
            return set()
        marks = ",".join("?" * len(paths))
        sql = " union ".join(f"select {column} from jobs where {column} in ({marks})" for column in ("image_path", "video_path", "poster_path"))
        with self._db() as db:
            return {row[0] for row in db.execute(sql, [*paths] * 3).fetchall()}

    def save_prepared(self, prepared: PreparedInputs) -> PreparedInputs:
        with self._db() as db:
            db["prepared_inputs"].upsert(prepared.__dict__, pk="id")
        return prepared

    def prepared(self, prepared_id: str | None = None) -> PreparedInputs | None:
        """The prepared pair with this id, or the newest one."""
        with self._db() as db:
            if prepared_id:
                rows = list(db["prepared_inputs"].rows_where("id = ?", [prepared_id]))
            else:
                rows = list(db["prepared_inputs"].rows_where(order_by="created_at desc", limit=1))
        return PreparedInputs(**rows[0]) if rows else None

    def recent(self, limit: int = 20, offset: int = 0) -> list[Job]:
        with self._db() as db:
            rows = db["jobs"].rows_where(order_by="created_at desc", limit=limit, offset=offset)
            return [Job.from_row(r) for r in rows]

    def count(self) -> int:
        with self._db() as db:
            return db["jobs"].count
