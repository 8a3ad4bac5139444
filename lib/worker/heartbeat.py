"""Which workers are alive: each writes a heartbeat to the store, and pages read it.

A page cannot see a worker process, so it reads when each last said it was alive; one that has
not said so for `ALIVE_SECONDS` is taken for dead (it crashed, or its machine went away). A browser
tab following the jobs of a key typed into it beats too (with no threads), so everyone can tell
which jobs someone can still follow (`Followers`).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import asdict, dataclass

from sqlalchemy import delete, select

from lib.jobs.models import Job, JobStatus
from lib.store.door import Database
from lib.store.tables import workers
from lib.store.times import now_iso

BEAT_SECONDS = 5.0
ALIVE_SECONDS = 15.0
WAITING_FOR_KEY = "Waiting for a worker with the key that made it"
TAB_HOST = "browser tab"
TAB_FORGOTTEN_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class WorkerBeat:
    """One worker process, as pages see it."""

    id: str
    host: str
    pid: int
    key_fingerprint: str
    threads: int
    started_at: str
    seen_at: str

    @classmethod
    def for_this_process(cls, key_fingerprint: str, threads: int) -> WorkerBeat:
        now = now_iso()
        return cls(uuid.uuid4().hex[:12], socket.gethostname(), os.getpid(), key_fingerprint, threads, now, now)


class Workers(Database):
    """Heartbeats in the store."""

    def beat(self, worker: WorkerBeat) -> None:
        self._upsert(workers, {**asdict(worker), "seen_at": now_iso()})

    def leave(self, worker_id: str) -> None:
        self._execute(delete(workers).where(workers.c.id == worker_id))

    def tab_holds(self, tab_id: str, key_fingerprint: str) -> None:
        """A browser tab follows the jobs of the key typed into it: it beats as a worker with no threads."""
        now = now_iso()
        self.beat(WorkerBeat(tab_id, TAB_HOST, os.getpid(), key_fingerprint, 0, now, now))
        # Tabs never say goodbye: forget those closed long ago.
        self._execute(
            delete(workers).where(workers.c.threads == 0, workers.c.seen_at < now_iso(-TAB_FORGOTTEN_SECONDS))
        )

    def alive(self, key_fingerprint: str) -> list[WorkerBeat]:
        """The workers following jobs made with this key that were alive a moment ago (tabs left out)."""
        query = (
            select(workers)
            .where(
                workers.c.key_fingerprint == key_fingerprint,
                workers.c.seen_at > now_iso(-ALIVE_SECONDS),
                workers.c.threads > 0,
            )
            .order_by(workers.c.started_at)
        )
        return [WorkerBeat(**row) for row in self._rows(query)]

    def held_keys(self) -> frozenset[str]:
        """The fingerprints of every key a live worker or tab holds."""
        query = select(workers.c.key_fingerprint).distinct().where(workers.c.seen_at > now_iso(-ALIVE_SECONDS))
        return frozenset(row["key_fingerprint"] for row in self._rows(query))


@dataclass(frozen=True)
class Followers:
    """Who can follow jobs now: the deployment's own key (its jobs wait in the queue for a worker, which
    the pages ask for when none runs) and every key a live worker or tab holds.

    A job of any other key (typed into a tab that closed, or a server key since rotated) cannot move
    until that key is back: it says so, blocks nobody, and nobody polls or waits for it.
    """

    deployment_key: str
    held_keys: frozenset[str]

    def can_follow(self, job: Job) -> bool:
        # A job from before keys were recorded goes to the first follower of its service (`JobStore.adopt`).
        return job.key_fingerprint in (None, self.deployment_key) or job.key_fingerprint in self.held_keys

    def can_move(self, job: Job) -> bool:
        """Whether the job may change by itself: unfinished, followed, and not waiting for a person."""
        needs_a_person = job.status is JobStatus.MAYBE_SUBMITTED and not job.task_id
        return not job.status.final and not needs_a_person and self.can_follow(job)

    def label(self, job: Job) -> str:
        """The job's status in a creator's words, or that it waits for the key that made it."""
        stranded = not (job.status.final or job.status is JobStatus.MAYBE_SUBMITTED or self.can_follow(job))
        return WAITING_FOR_KEY if stranded else job.status.label
