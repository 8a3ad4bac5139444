"""The work queue: Huey on a SQLite file in the data folder, or on Redis when REDIS_URL is set.

Each API key has its own queue, named by the key's fingerprint, so a worker only ever receives the
work of the key it holds. Pages and the command line put work on it; `python -m lib.worker` runs it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from huey import Huey, RedisHuey, SqliteHuey

from lib.config import Settings
from lib.worker.tasks import Tasks, register
from lib.worker.wiring import key_fingerprint


@dataclass(frozen=True)
class Queue:
    """A queue and its tasks; `where` says in words where it lives (never with a password)."""

    huey: Huey
    tasks: Tasks
    where: str


_lock = threading.Lock()
_queues: dict[tuple[str, str, str], Queue] = {}


def queue_for(settings: Settings) -> Queue:
    """The queue for these settings' key, made once per process (it holds no connection until used)."""
    name = f"motion-studio-{key_fingerprint(settings)}"
    storage = settings.redis_url or str(settings.queue_path)
    with _lock:
        if (name, storage, str(settings.db_path)) not in _queues:
            if settings.redis_url:
                huey: Huey = RedisHuey(name, url=settings.redis_url, results=False)
                where = "Redis"
            else:
                settings.queue_path.parent.mkdir(parents=True, exist_ok=True)
                # Many processes take turns on one file: wait for the lock as long as the store does.
                huey = SqliteHuey(name, filename=str(settings.queue_path), results=False, timeout=30)
                where = str(settings.queue_path)
            _queues[(name, storage, str(settings.db_path))] = Queue(huey, register(huey, settings), where)
        return _queues[(name, storage, str(settings.db_path))]
