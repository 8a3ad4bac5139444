"""Ids for rows: 32 hexadecimal digits that sort in the order they were made.

The first 12 digits are the time in milliseconds and the rest random (the layout of a version 7 UUID),
so "newest first" can break a tie between rows made in the same millisecond by their id, on SQLite and
PostgreSQL alike, where SQLite alone had a row number to do it.
"""

from __future__ import annotations

import secrets
import threading
import time

_last = 0
_lock = threading.Lock()


def new_id() -> str:
    """A new id, greater than any made before it in this process."""
    global _last
    with _lock:
        candidate = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
        _last = max(candidate, _last + 1)
        return f"{_last:032x}"
