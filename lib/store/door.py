"""The base of every repository: reads, write transactions, inserts and compare-and-set, on either database.

Repositories build their statements with SQLAlchemy Core over `lib.store.tables` and run them here, so the
same code runs on SQLite and PostgreSQL. Each read or write borrows a connection from the process's pool
and gives it back at once: no connection is held between calls, nor shared between threads.

A write that reads first (`_write`) holds the history's write lock from its first statement: SQLite's own
(`BEGIN IMMEDIATE`), or on PostgreSQL an advisory lock held only for the transaction, so a check and
the insert it decides happen as one, whichever process asks. A compare-and-set (`_set_if`) is one
conditional `UPDATE … WHERE` the expected values, and whether a row came back decides; on PostgreSQL it
shares that lock with other compare-and-sets (they never wait for each other, only for a `_write`), so
a `_write`'s reads stay true until it commits, as they do on SQLite. No transaction here ever waits on
anything but the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Table, and_, func, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable

from lib.store.engine import open_store
from lib.store.tables import metadata

# The advisory lock a PostgreSQL write transaction takes, as a SQLite write takes the file's.
WRITE_LOCK = 0x6D6F74696F6E + 1


class Database:
    """A repository's handle on the history: cheap to make, holds no connection between calls.

    `db_path` is where the history is: a SQLite file's path, or a database URL (`settings.database`).
    """

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = db_path
        self.engine = open_store(db_path)

    @contextmanager
    def _db(self) -> Iterator[Connection]:
        """A connection for reading; anything written through it is rolled back."""
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction holding the write lock from its first statement; committed unless it raises."""
        with self.engine.connect() as conn:
            conn.execution_options(immediate=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(select(func.pg_advisory_xact_lock(WRITE_LOCK)))
                yield conn

    def _rows(self, statement: Executable) -> list[dict[str, Any]]:
        with self._db() as conn:
            return [dict(row) for row in conn.execute(statement).mappings()]

    def _first(self, statement: Executable) -> dict[str, Any] | None:
        rows = self._rows(statement)
        return rows[0] if rows else None

    def _insert(self, table: Table, *rows: Mapping[str, Any]) -> None:
        with self._write() as conn:
            insert(conn, table, *rows)

    def _upsert(self, table: Table, row: Mapping[str, Any]) -> None:
        """Insert the row, or change the one with its key to what it says."""
        with self._write() as conn:
            upsert(conn, table, row)

    def _execute(self, statement: Executable) -> int:
        """Run one changing statement in a write transaction; how many rows it changed."""
        with self._write() as conn:
            return int(conn.execute(statement).rowcount)

    def _set_if(
        self, table: str, row_id: str, expect: Mapping[str, Any], changes: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """Write `changes` to one row only if it still holds what `expect` says; the row after, or None.

        An expected value may be a tuple of allowed values, and None means "not set". None comes
        back when the row is gone or has changed: the caller lost the race and steps back.
        """
        target = metadata.tables[table]
        statement = (
            update(target)
            .where(target.c.id == row_id, matches(target, expect))
            .values({name: stored(value) for name, value in changes.items()})
            .returning(*target.c)
        )
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock_shared(WRITE_LOCK)))
            row = conn.execute(statement).mappings().first()
        return dict(row) if row else None


def matches(table: Table, expect: Mapping[str, Any]) -> Any:
    """The condition that a row holds what `expect` says (a value, a tuple of allowed values, None: not set)."""
    clauses = []
    for name, wanted in expect.items():
        column = table.c[name]
        if wanted is None:
            clauses.append(column.is_(None))
        elif isinstance(wanted, tuple):
            clauses.append(column.in_([stored(value) for value in wanted]))
        else:
            clauses.append(column == stored(wanted))
    return and_(true(), *clauses)


def insert(conn: Connection, table: Table, *rows: Mapping[str, Any]) -> None:
    """Insert rows inside a transaction the caller holds."""
    if rows:
        conn.execute(table.insert(), [{name: stored(value) for name, value in row.items()} for row in rows])


def upsert(conn: Connection, table: Table, row: Mapping[str, Any]) -> None:
    """Insert the row, or change the one with its key, inside a transaction the caller holds."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    values = {name: stored(value) for name, value in row.items()}
    keys = [column.name for column in table.primary_key]
    statement = dialect.insert(table).values(values)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=keys, set_={name: statement.excluded[name] for name in values if name not in keys}
        )
    )


def stored(value: Any) -> Any:
    """A Python value as the history keeps it: enums by value, booleans as 0 and 1."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool):
        return int(value)
    return value
