"""Which workers are alive: each writes a heartbeat to the store, and pages read it.

A page cannot see a worker process, so it reads when each last said it was alive; one that has
not said so for `ALIVE_SECONDS` is taken for dead (it crashed, or its machine went away).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import asdict, dataclass

from lib.jobs.database import Database
from lib.jobs.models import now_iso

BEAT_SECONDS = 5.0
ALIVE_SECONDS = 15.0


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
        with self._db() as db:
            db.table("workers").upsert({**asdict(worker), "seen_at": now_iso()}, pk="id")

    def leave(self, worker_id: str) -> None:
        with self._db() as db:
            db.table("workers").delete_where("id = ?", [worker_id])

    def alive(self, key_fingerprint: str) -> list[WorkerBeat]:
        """The workers following jobs made with this key that were alive a moment ago."""
        with self._db() as db:
            rows = db.table("workers").rows_where(
                "key_fingerprint = ? and seen_at > ?", [key_fingerprint, now_iso(-ALIVE_SECONDS)], order_by="started_at"
            )
            return [WorkerBeat(**row) for row in rows]
