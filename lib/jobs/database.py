"""The one door to the SQLite file: connections, write transactions, migrations, compare-and-set.

Every store class (jobs, fix runs, workers) goes through this, and nothing else in the app writes
SQL, so the whole store can move to another database behind the same methods. Each thread keeps its
own few connections and never shares one: a new connection reads the whole schema before its first
statement, which made most of the cost of a worker's look at a job. Writes that read first take the
write lock up front (`BEGIN IMMEDIATE`), so two processes wait their turn instead of failing with
"database is locked".
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

from lib.jobs.lean_sqlite import sqlite_utils  # without pandas: see its docstring
from lib.jobs.schema import migrate


class Database:
    """A SQLite file with the app's schema; cheap to make, holds no connection between calls."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            migrate(db)

    @contextmanager
    def _db(self) -> Iterator[sqlite_utils.Database]:
        yield sqlite_utils.Database(_connection(self.db_path))

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

    def _set_if(
        self, table: str, row_id: str, expect: Mapping[str, Any], changes: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """Write `changes` to one row only if it still holds what `expect` says; the row after, or None.

        An expected value may be a tuple of allowed values, and None means "not set". None comes
        back when the row is gone or has changed: the caller lost the race and steps back.
        """
        clauses, params = ["id = ?"], [row_id]
        for name, wanted in expect.items():
            if wanted is None:
                clauses.append(f"[{name}] is null")
            elif isinstance(wanted, tuple):
                clauses.append(f"[{name}] in ({','.join('?' * len(wanted))})")
                params += [_stored(value) for value in wanted]
            else:
                clauses.append(f"[{name}] = ?")
                params.append(_stored(wanted))
        assignments = ", ".join(f"[{name}] = ?" for name in changes)
        # Plain SQL: followers call this after every poll, and sqlite-utils' update adds look-ups.
        with self._write() as db:
            cursor = db.execute(
                f"update [{table}] set {assignments} where {' and '.join(clauses)}",
                [*(_stored(value) for value in changes.values()), *params],
            )
            if cursor.rowcount == 0:
                return None
            cursor = db.execute(f"select * from [{table}] where id = ?", [row_id])
            names = [column[0] for column in cursor.description]
            return dict(zip(names, cursor.fetchone(), strict=True))


# A thread of a worker or a page uses one database; tests use many, one after another.
CONNECTIONS_PER_THREAD = 4
_threads = threading.local()


def _connection(path: Path) -> sqlite3.Connection:
    """This thread's connection to `path`, opened on first use; the least recently used is closed beyond a few."""
    kept: OrderedDict[Path, sqlite3.Connection] = _threads.__dict__.setdefault("connections", OrderedDict())
    conn = kept.pop(path, None) or sqlite3.connect(path, timeout=30, isolation_level=None)
    kept[path] = conn
    while len(kept) > CONNECTIONS_PER_THREAD:
        kept.popitem(last=False)[1].close()
    return conn


def _stored(value: Any) -> Any:
    """A Python value as SQLite keeps it: enums by value, booleans as 0 and 1."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool):
        return int(value)
    return value
