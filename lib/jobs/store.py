"""The job history: every job's row, in the history database (`lib.store`).

Every change to a job is compare-and-set: a status moves only forward (`JobStatus.may_follow`),
and a caller can say what else it expects to find (`expect=`). Whoever loses a race gets None back
and steps back; an update to a job deleted meanwhile is dropped the same quiet way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update

from lib.jobs.models import IN_FLIGHT, JOB_FIELDS, GalleryQuery, Job, JobStatus, now_iso
from lib.pairs import PreparedInputs
from lib.pairs.prepared import PreparedPairs
from lib.store.door import Database, insert
from lib.store.tables import jobs

NEWEST = (jobs.c.created_at.desc(), jobs.c.id.desc())  # ids break ties, so both databases agree


class JobStore(Database):
    """Reads and writes jobs; cheap to make, holds no connection between calls."""

    def add(self, job: Job) -> Job:
        self._insert(jobs, job.to_row())
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
        same = [
            and_(
                jobs.c.content_hash == job.content_hash,
                jobs.c.key_fingerprint.is_(None)
                if job.key_fingerprint is None
                else jobs.c.key_fingerprint == job.key_fingerprint,
                jobs.c.model == job.model,
                jobs.c.hidden_at.is_(None),
                jobs.c.status.in_(IN_FLIGHT),
            )
        ]
        if job.submission_key:
            same.append(jobs.c.submission_key == job.submission_key)
        with self._write() as conn:
            existing = conn.execute(select(jobs).where(or_(*same)).order_by(*NEWEST).limit(1)).mappings().first()
            if existing:
                return Job.from_row(dict(existing)), False
            insert(conn, jobs, job.to_row())
            return job, True

    def get(self, job_id: str) -> Job | None:
        row = self._first(select(jobs).where(jobs.c.id == job_id))
        return Job.from_row(row) if row else None

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
        query = select(jobs).where(jobs.c.status.in_([s.value for s in statuses])).order_by(jobs.c.created_at)
        return [Job.from_row(r) for r in self._rows(query)]

    def followed_jobs(self, key_fingerprint: str, *statuses: JobStatus, due_before: str | None = None) -> list[Job]:
        """Jobs made with this key, in these statuses; only those due before `due_before` when given."""
        query = select(jobs).where(
            jobs.c.key_fingerprint == key_fingerprint, jobs.c.status.in_([s.value for s in statuses])
        )
        if due_before is not None:
            query = query.where(or_(jobs.c.due_at.is_(None), jobs.c.due_at < due_before))
        return [Job.from_row(r) for r in self._rows(query.order_by(jobs.c.created_at))]

    def made_with_key_since(self, key_fingerprint: str, since: str) -> list[Job]:
        """Jobs made with this key that were created or sent at or after `since` (an ISO time): what
        Spending sums, without reading every job of every key and day."""
        query = select(jobs).where(
            jobs.c.key_fingerprint == key_fingerprint, or_(jobs.c.created_at >= since, jobs.c.submitted_at >= since)
        )
        return [Job.from_row(r) for r in self._rows(query.order_by(jobs.c.created_at))]

    def adopt(self, service: str, key_fingerprint: str) -> int:
        """Give jobs recorded before keys were, on this service and still unfinished, to this key."""
        unfinished = [s.value for s in JobStatus if not s.final]
        return self._execute(
            update(jobs)
            .where(jobs.c.key_fingerprint.is_(None), jobs.c.service == service, jobs.c.status.in_(unfinished))
            .values(key_fingerprint=key_fingerprint)
        )

    def gallery(self, query: GalleryQuery) -> tuple[list[Job], int]:
        """The jobs on one page of the history, newest first, and how many match in all."""
        where = shown_by(query)
        with self._db() as conn:
            total = conn.execute(select(func.count()).select_from(jobs).where(where)).scalar_one()
            rows = conn.execute(
                select(jobs).where(where).order_by(*NEWEST).limit(query.page_size).offset(query.page * query.page_size)
            ).mappings()
            return [Job.from_row(dict(r)) for r in rows], total

    def delete(self, job_id: str) -> None:
        self._execute(delete(jobs).where(jobs.c.id == job_id))

    def save_prepared(self, prepared: PreparedInputs) -> PreparedInputs:
        """Kept for callers from before prepared pairs had their own repository (`PreparedPairs.save`)."""
        return PreparedPairs(self.db_path).save(prepared)

    def prepared(self, prepared_id: str | None = None) -> PreparedInputs | None:
        """The prepared pair with this id, or the newest one (`PreparedPairs.get`)."""
        return PreparedPairs(self.db_path).get(prepared_id)

    def takes(self, image_path: str, video_path: str) -> list[Job]:
        """Every take of one pair of inputs: the jobs made from this character image and motion video,
        whatever their prompt, settings or model, oldest first (take 1 first); hidden ones left out."""
        query = (
            select(jobs)
            .where(jobs.c.image_path == image_path, jobs.c.video_path == video_path, jobs.c.hidden_at.is_(None))
            .order_by(jobs.c.created_at, jobs.c.id)
        )
        return [Job.from_row(r) for r in self._rows(query)]

    def take_numbers(self, job_ids: list[str]) -> dict[str, int]:
        """Each job's take number: its place among the jobs made from the same two inputs, oldest first.
        Numbers follow the jobs that remain in sight, so deleting or hiding take 2 makes take 3 the second."""
        if not job_ids:
            return {}
        earlier = jobs.alias("earlier")
        number = (
            select(func.count())
            .select_from(earlier)
            .where(
                earlier.c.image_path == jobs.c.image_path,
                earlier.c.video_path == jobs.c.video_path,
                earlier.c.hidden_at.is_(None),
                or_(
                    earlier.c.created_at < jobs.c.created_at,
                    and_(earlier.c.created_at == jobs.c.created_at, earlier.c.id <= jobs.c.id),
                ),
            )
            .scalar_subquery()
        )
        with self._db() as conn:
            return {row[0]: row[1] for row in conn.execute(select(jobs.c.id, number).where(jobs.c.id.in_(job_ids)))}

    def recent(self, limit: int | None = 20, offset: int = 0) -> list[Job]:
        """The newest jobs; every one with `limit=None`."""
        return [Job.from_row(r) for r in self._rows(select(jobs).order_by(*NEWEST).limit(limit).offset(offset))]

    def count(self) -> int:
        with self._db() as conn:
            return int(conn.execute(select(func.count()).select_from(jobs)).scalar_one())


def shown_by(query: GalleryQuery) -> ColumnElement[bool]:
    """The jobs a page of the history shows: hidden ones never; the search in any case, as SQLite's `like` was."""
    clauses: list[ColumnElement[bool]] = [jobs.c.hidden_at.is_(None)]
    if query.statuses:
        clauses.append(jobs.c.status.in_([s.value for s in query.statuses]))
    if query.character_orientation:
        clauses.append(jobs.c.character_orientation == query.character_orientation)
    if query.search.strip():
        pattern = "%" + query.search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        words = (jobs.c.prompt, jobs.c.negative_prompt, jobs.c.note)
        clauses.append(or_(*(column.ilike(pattern, escape="\\") for column in words)))
    if query.made_by:
        clauses.append(jobs.c.made_by == query.made_by)
    if query.favorites_only:
        clauses.append(jobs.c.favorite == 1)
    return and_(*clauses)
