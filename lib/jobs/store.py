"""The job history in SQLite: `<data folder>/motion_studio.db`, through sqlite-utils.

Every change to a job is compare-and-set: a status moves only forward (`JobStatus.may_follow`),
and a caller can say what else it expects to find (`expect=`). Whoever loses a race gets None back
and steps back; an update to a job deleted meanwhile is dropped the same quiet way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lib.jobs.database import Database
from lib.jobs.models import IN_FLIGHT, JOB_FIELDS, GalleryQuery, Job, JobStatus, PreparedInputs, now_iso


class JobStore(Database):
    """Reads and writes jobs; cheap to make, holds no connection between calls."""

    def add(self, job: Job) -> Job:
        with self._db() as db:
            db.table("jobs").insert(job.to_row())
        return job

    def add_unless_in_flight(self, job: Job) -> tuple[Job, bool]:
        """Insert `job` unless the same submission is already on its way; (the job, whether it is new).

        "The same" is the same submission key, or the same inputs and settings, with the same key and
        model, while in flight. Only the same key: a job of another key (a typed key whose tab closed, a
        rotated server key) never blocks this one, and whoever asks with its key holds that key again.
        A "may have been sent" job does block its own key, so nobody pays twice unawares, until a person
        resolves it (`lib.jobs.resolving`). A job hidden on purpose blocks nothing. One write transaction
        makes the check and the insert, so two tabs or processes cannot both win.
        """
        with self._write() as db:
            clauses, params = (
                [
                    "(content_hash = ? and key_fingerprint is ? and model = ? and hidden_at is null "
                    f"and status in ({','.join('?' * len(IN_FLIGHT))}))"
                ],
                [job.content_hash, job.key_fingerprint, job.model, *IN_FLIGHT],
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
        # Plain SQL: followers read a job on many looks, and sqlite-utils' table() adds look-ups.
        with self._db() as db:
            cursor = db.execute("select * from jobs where id = ?", [job_id])
            row = cursor.fetchone()
            names = [column[0] for column in cursor.description]
        return Job.from_row(dict(zip(names, row, strict=True))) if row else None

    def update(self, job_id: str, expect: Mapping[str, Any] | None = None, **changes: Any) -> Job | None:
        """Change some fields of a job if it is still as expected; the job after, or None if not written.

        `expect` maps fields to the value (or tuple of values) they must still hold. A change of
        `status` also needs the job to be at or before that status, never past it.
        """
        unknown = (set(changes) | set(expect or {})) - JOB_FIELDS
        if unknown:
            raise ValueError(f"jobs have no fields {sorted(unknown)}")
        guard = dict(expect or {})
        if "status" in changes and "status" not in guard:
            guard["status"] = JobStatus(changes["status"]).may_follow
        row = self._set_if("jobs", job_id, guard, {**changes, "updated_at": now_iso()})
        return Job.from_row(row) if row else None

    def jobs_with_status(self, *statuses: JobStatus) -> list[Job]:
        with self._db() as db:
            rows = db.table("jobs").rows_where(
                f"status in ({','.join('?' * len(statuses))})", [s.value for s in statuses], order_by="created_at"
            )
            return [Job.from_row(r) for r in rows]

    def followed_jobs(self, key_fingerprint: str, *statuses: JobStatus, due_before: str | None = None) -> list[Job]:
        """Jobs made with this key, in these statuses; only those due before `due_before` when given."""
        where = f"key_fingerprint = ? and status in ({','.join('?' * len(statuses))})"
        params: list[Any] = [key_fingerprint, *(s.value for s in statuses)]
        if due_before is not None:
            where += " and (due_at is null or due_at < ?)"
            params.append(due_before)
        with self._db() as db:
            return [Job.from_row(r) for r in db.table("jobs").rows_where(where, params, order_by="created_at")]

    def adopt(self, service: str, key_fingerprint: str) -> int:
        """Give jobs recorded before keys were, on this service and still unfinished, to this key."""
        unfinished = [s.value for s in JobStatus if not s.final]
        with self._write() as db:
            return db.execute(
                f"update jobs set key_fingerprint = ? where key_fingerprint is null and service = ? "
                f"and status in ({','.join('?' * len(unfinished))})",
                [key_fingerprint, service, *unfinished],
            ).rowcount

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

    def takes(self, image_path: str, video_path: str) -> list[Job]:
        """Every take of one pair of inputs: the jobs made from this character image and motion video,
        whatever their prompt, settings or model, oldest first (take 1 first); hidden ones left out."""
        with self._db() as db:
            rows = db.table("jobs").rows_where(
                "image_path = ? and video_path = ? and hidden_at is null",
                [image_path, video_path],
                order_by="created_at, id",
            )
            return [Job.from_row(r) for r in rows]

    def take_numbers(self, job_ids: list[str]) -> dict[str, int]:
        """Each job's take number: its place among the jobs made from the same two inputs, oldest first.
        Numbers follow the jobs that remain in sight, so deleting or hiding take 2 makes take 3 the second."""
        if not job_ids:
            return {}
        sql = (
            "select j.id, (select count(*) from jobs k where k.image_path = j.image_path "
            "and k.video_path = j.video_path and k.hidden_at is null and (k.created_at < j.created_at "
            "or (k.created_at = j.created_at and k.id <= j.id))) "
            f"from jobs j where j.id in ({','.join('?' * len(job_ids))})"
        )
        with self._db() as db:
            return dict(db.execute(sql, job_ids).fetchall())

    def recent(self, limit: int = 20, offset: int = 0) -> list[Job]:
        with self._db() as db:
            rows = db.table("jobs").rows_where(order_by="created_at desc", limit=limit, offset=offset)
            return [Job.from_row(r) for r in rows]

    def count(self) -> int:
        with self._db() as db:
            return db.table("jobs").count
