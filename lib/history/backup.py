"""A consistent copy of the job history while the app keeps running, with SQLite's online backup.

The copy is taken inside one read transaction: in WAL mode that is a snapshot that writers (the
workers, other tabs, other processes) never wait for and never change. The copy is then checked
(`PRAGMA integrity_check`, and the same number of jobs as the snapshot) before it gets its final name.
This talks to SQLite itself, not through the store's door: the online backup is the sqlite3 module's,
and the count must be read on the very connection whose snapshot is copied. A history on PostgreSQL
(DATABASE_URL) is backed up with PostgreSQL's own tools.

    backup = back_up(settings.database, backups_dir(settings.data_dir))
    backup.path   # <data>/backups/motion_studio-20261123T200500.123Z.db
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lib.errors import BackupElsewhere, BackupFailed
from lib.files.atomic import atomic_write


@dataclass(frozen=True)
class Backup:
    """A verified copy: where it is and how many jobs it holds."""

    path: Path
    job_count: int


def backups_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "backups"


def back_up(db_path: Path | str, folder: Path) -> Backup:
    """Copy the SQLite history at `db_path` into `folder`, verify the copy and return it.

    Safe while other threads and processes write: they are neither blocked nor seen half-way. Raises
    `BackupElsewhere` for a history on a database server (a URL).
    """
    if "://" in str(db_path):
        raise BackupElsewhere()
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    stamp = f"{now:%Y%m%dT%H%M%S}.{now.microsecond // 1000:03d}Z"  # sorts by time, to the millisecond
    final = folder / f"motion_studio-{stamp}.db"
    n = 1
    while final.exists():
        n += 1
        final = folder / f"motion_studio-{stamp}-{n}.db"
    with atomic_write(final) as partial:
        with closing(sqlite3.connect(db_path, timeout=30, isolation_level=None)) as source:
            # One read transaction: the count and the copied pages are the same snapshot, because
            # backup() reuses a read transaction the source connection already holds.
            source.execute("BEGIN")
            try:
                job_count = source.execute("select count(*) from jobs").fetchone()[0]
                with closing(sqlite3.connect(partial)) as target:
                    source.backup(target)
            finally:
                source.execute("COMMIT")
        _verify(partial, job_count)
    return Backup(final, job_count)


def _verify(path: Path, job_count: int) -> None:
    with closing(sqlite3.connect(path)) as copy:
        integrity = [row[0] for row in copy.execute("pragma integrity_check")]
        copied = copy.execute("select count(*) from jobs").fetchone()[0]
    if integrity != ["ok"]:
        raise BackupFailed(f"integrity check: {'; '.join(integrity[:5])}")
    if copied != job_count:
        raise BackupFailed(f"the copy holds {copied} jobs, the database held {job_count}")
