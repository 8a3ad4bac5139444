"""The job history in SQLite: `<data folder>/motion_studio.db`, through sqlite-utils.

This class is the one door to the database: nothing else in the app writes SQL, so the store can
move to another database behind the same methods. A connection is opened per operation and never
shared between threads (Streamlit runs pages and fragments on worker threads; the poller has its
own). Writes that read first take the write lock up front (`BEGIN IMMEDIATE`), so two processes
wait their turn instead of failing with "database is locked".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

import sqlite_utils

from lib.jobs.models import IN_FLIGHT, JOB_FIELDS, POLLED, GalleryQuery, Job, JobStatus, PreparedInputs, now_iso
from lib.jobs.schema import migrate


class JobStore:
    """Reads and writes jobs; cheap to make, holds no connection between calls."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            migrate(db)

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
            db.table("jobs").insert(job.to_row())
        return job

    def add_unless_in_flight(self, job: Job) -> tuple[Job, bool]:
        """Insert `job` unless the same submission is already on its way; (the job, whether it is new).

        "The same" is the same submission key, or the same inputs and settings while in flight. One
        write transaction makes the check and the insert, so two tabs or processes cannot both win.
        """
        with self._write() as db:
            clauses, params = (
                [f"(content_hash = ? and status in ({','.join('?' * len(IN_FLIGHT))}))"],
                [job.content_hash, *IN_FLIGHT],
            )
            if job.submission_key:
                clauses.append("submission_key = ?")
                params.append(job.submission_key)
            existing = list(
                db.table("jobs").rows_where(" or ".join(clauses), params, order_by="created_at desc", limit=1)
            )
            if existing:
                return Job.from_row(existing[0]), False
            db.table("jobs").insert(job.to_row())
            return job, True

    def get(self, job_id: str) -> Job | None:
        with self._db() as db:
            rows = list(db.table("jobs").rows_where("id = ?", [job_id]))
        return Job.from_row(rows[0]) if rows else None

    def update(self, job_id: str, **changes: Any) -> Job:
        """Change some fields of a job (enums and booleans as their Python values)."""
        unknown = set(changes) - JOB_FIELDS
        if unknown:
            raise ValueError(f"jobs have no fields {sorted(unknown)}")
        values = {
            k: (v.value if isinstance(v, Enum) else int(v) if isinstance(v, bool) else v) for k, v in changes.items()
        }
        values["updated_at"] = now_iso()
        # Plain SQL: the poller calls this after every poll, and sqlite-utils' update adds look-ups.
        assignments = ", ".join(f"[{name}] = ?" for name in values)
        with self._db() as db:
            db.execute(f"update jobs set {assignments} where id = ?", [*values.values(), job_id])
            cursor = db.execute("select * from jobs where id = ?", [job_id])
            names = [column[0] for column in cursor.description]
            row = cursor.fetchone()
        if row is None:
            raise LookupError(f"job {job_id} is no longer in the history")
        return Job.from_row(dict(zip(names, row, strict=True)))

    def jobs_with_status(self, *statuses: JobStatus) -> list[Job]:
        with self._db() as db:
            rows = db.table("jobs").rows_where(
                f"status in ({','.join('?' * len(statuses))})", [s.value for s in statuses], order_by="created_at"
            )
            return [Job.from_row(r) for r in rows]

    def polled_jobs(self, service: str) -> list[Job]:
        """The jobs that `service` ("simulator" or "novita") has and the poller follows."""
        with self._db() as db:
            rows = db.table("jobs").rows_where(
                f"service = ? and status in ({','.join('?' * len(POLLED))})", [service, *POLLED], order_by="created_at"
            )
            return [Job.from_row(r) for r in rows]

    def gallery(self, query: GalleryQuery) -> tuple[list[Job], int]:
        """The jobs on one page of the history, newest first, and how many match in all."""
        where, params = query.where()
        with self._db() as db:
            total = db.execute(f"select count(*) from jobs where {where}", params).fetchone()[0]
            rows = db.table("jobs").rows_where(
                where, params, order_by="created_at desc", limit=query.page_size, offset=query.page * query.page_size
            )
            return [Job.from_row(r) for r in rows], total

    def delete(self, job_id: str) -> None:
        with self._db() as db:
            db.table("jobs").delete_where("id = ?", [job_id])

    def paths_in_use(self, *paths: str) -> set[str]:
        """Which of these file paths some job still uses, as an input or a poster."""
        if not paths:
            return set()
        marks = ",".join("?" * len(paths))
        sql = " union ".join(
            f"select {column} from jobs where {column} in ({marks})"
            for column in ("image_path", "video_path", "poster_path")
        )
        with self._db() as db:
            return {row[0] for row in db.execute(sql, [*paths] * 3).fetchall()}

    def save_prepared(self, prepared: PreparedInputs) -> PreparedInputs:
        with self._db() as db:
            db.table("prepared_inputs").upsert(prepared.__dict__, pk="id")
        return prepared

    def prepared(self, prepared_id: str | None = None) -> PreparedInputs | None:
        """The prepared pair with this id, or the newest one."""
        with self._db() as db:
            if prepared_id:
                rows = list(db.table("prepared_inputs").rows_where("id = ?", [prepared_id]))
            else:
                rows = list(db.table("prepared_inputs").rows_where(order_by="created_at desc", limit=1))
        return PreparedInputs(**rows[0]) if rows else None

    def recent(self, limit: int = 20, offset: int = 0) -> list[Job]:
        with self._db() as db:
            rows = db.table("jobs").rows_where(order_by="created_at desc", limit=limit, offset=offset)
            return [Job.from_row(r) for r in rows]

    def count(self) -> int:
        with self._db() as db:
            return db.table("jobs").count
