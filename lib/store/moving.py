"""Moving a history from one database to another: a team's SQLite file into PostgreSQL, row for row.

The source is never changed: it is read through SQLite's online backup into a temporary copy (a consistent
snapshot even while the app writes), and that copy, not the source, is brought up to date before it is read.
Every row goes in only if no row with its key (or another unique value) is there yet, so a second run copies
nothing twice and never overwrites what the target changed since. Parents go before their children (the
tables' foreign keys).

    counts = copy_history(Path("data/motion_studio.db"), "postgresql://studio:secret@db:5432/motion_studio")
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from lib.store.engine import open_store
from lib.store.tables import metadata

BATCH_ROWS = 1000


@dataclass(frozen=True)
class TableCount:
    """One table's rows on both sides after a move, and how many this run copied."""

    table: str
    source: int
    target: int
    copied: int

    @property
    def same(self) -> bool:
        return self.source == self.target


def copy_history(
    source: Path, target: Path | str, progress: Callable[[str, int], None] | None = None
) -> list[TableCount]:
    """Copy every row of the SQLite history at `source` that `target` lacks; each table's counts after.

    `target` is a database URL (or another SQLite file); its schema is brought up to date first.
    `progress(table, copied)` hears each table as it is done.
    """
    destination = open_store(target)
    with tempfile.TemporaryDirectory(prefix="motion-studio-move-") as folder:
        snapshot = Path(folder) / "history.db"
        _snapshot(source, snapshot)
        origin = open_store(snapshot)
        try:
            counts = []
            for table in metadata.sorted_tables:
                copied = _copy_table(origin, destination, table)
                counts.append(TableCount(table.name, _count(origin, table), _count(destination, table), copied))
                if progress:
                    progress(table.name, copied)
        finally:
            origin.dispose()
    return counts


def _snapshot(source: Path, copy: Path) -> None:
    """A consistent copy of `source`, opened read-only, so the source and its WAL stay as they were."""
    if not source.is_file():
        raise FileNotFoundError(2, "No such file", str(source))
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    writer = sqlite3.connect(copy)
    try:
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _copy_table(origin: Engine, destination: Engine, table: Table) -> int:
    dialect = postgresql if destination.dialect.name == "postgresql" else sqlite
    copied = 0
    with origin.connect() as reading:
        rows = reading.execution_options(yield_per=BATCH_ROWS).execute(select(table)).mappings()
        for batch in rows.partitions(BATCH_ROWS):
            with destination.begin() as writing:
                for row in batch:
                    statement = dialect.insert(table).values(dict(row)).on_conflict_do_nothing()
                    # A row comes back only when it went in: the drivers' rowcount is not always told.
                    copied += len(writing.execute(statement.returning(*table.primary_key)).all())
    return copied


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
