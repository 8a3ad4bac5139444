"""Which stored files are still in use, and removing those nothing uses any more.

A file in the data folder is kept while anything in the store names it: a job (its image, motion
video, result or poster), a prepared pair, a batch cell, a library item (its file or thumbnail) or a
fix run (its source or result). A draft names only its pair, so its pair keeps its files. Deleting
any of these removes a reference; a file goes only when the last reference has gone.

This is the one place that decides it. It reads every subject's table through the store's own
description of them (`lib.store.tables`), and so imports none of those subjects.

    files = StoredFiles(settings.database)
    files.in_use(["/data/inputs/ab12.png"])          # {"/data/inputs/ab12.png"} while a job uses it
    files.release([job.result_path, job.image_path], settings.data_dir, settings.static_dir, storage_for(settings))
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnClause, ColumnElement, CompoundSelect, bindparam, select, union, update
from sqlalchemy.engine import Connection

from lib.files.digest import content_digest
from lib.files.sizes import file_size
from lib.files.storage import Storage
from lib.store.door import Database
from lib.store.tables import metadata

# Every column in the store that holds the path of a stored file, by table.
REFERENCES: dict[str, tuple[str, ...]] = {
    "jobs": ("image_path", "video_path", "result_path", "poster_path"),
    "prepared_inputs": ("image_path", "video_path"),
    "batch_cells": ("image_path", "video_path"),
    "library_items": ("path", "thumbnail_path"),
    "fix_runs": ("source_path", "result_path"),
}
_NAMES = {
    "stored_files": ("stored file", "stored files"),
    "static_copies": ("static copy", "static copies"),
    "upload_partials": ("unfinished upload", "unfinished uploads"),
    "export_zips": ("export zip", "export zips"),
    "cached_files": ("cached copy", "cached copies"),
}
# Inputs, library files, fixes and static copies are named by their content's SHA-256.
_CONTENT_NAME = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Removed:
    """How many files of one kind were removed, and how many bytes that freed."""

    files: int = 0
    bytes: int = 0

    def __add__(self, other: Removed) -> Removed:
        return Removed(self.files + other.files, self.bytes + other.bytes)


@dataclass(frozen=True)
class Freed:
    """What a deletion or a clean-up removed, by kind of file."""

    stored_files: Removed = field(default_factory=Removed)  # inputs, results, posters, thumbnails, fixes
    static_copies: Removed = field(default_factory=Removed)  # copies served at /app/static/
    upload_partials: Removed = field(default_factory=Removed)  # pieces of uploads that were never finished
    export_zips: Removed = field(default_factory=Removed)  # History's "Prepare a zip", once downloaded
    cached_files: Removed = field(default_factory=Removed)  # local copies of files kept in the media bucket

    @property
    def total(self) -> Removed:
        return sum((getattr(self, f.name) for f in fields(self)), Removed())

    def words(self) -> str:
        """'Freed 12.4 MB: 2 stored files (12.0 MB), 1 static copy (0.4 MB).'"""
        parts = [
            f"{removed.files} {_NAMES[f.name][removed.files != 1]} ({file_size(removed.bytes)})"
            for f in fields(self)
            if (removed := getattr(self, f.name)).files
        ]
        return f"Freed {file_size(self.total.bytes)}: {', '.join(parts)}." if parts else "Nothing to remove."


def remove(paths: Iterable[Path]) -> Removed:
    """Remove these files, counting what they held; one already gone counts for nothing."""
    removed = Removed()
    for path in paths:
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
        removed += Removed(1, size)
    return removed


def changed_before(paths: Iterable[Path], older_than: float) -> list[Path]:
    """Those of `paths` last written before `older_than` (a `time.time()`); one gone meanwhile is left out."""
    found = []
    for path in paths:
        try:
            if path.stat().st_mtime < older_than:
                found.append(path)
        except FileNotFoundError:
            pass
    return found


class StoredFiles(Database):
    """The references to stored files in the store; cheap to make, holds no connection."""

    def in_use(self, paths: Iterable[str]) -> set[str]:
        """Which of these paths something in the store still names."""
        wanted = sorted({str(path) for path in paths if path})
        if not wanted:
            return set()
        with self._db() as conn:
            return _named(conn, wanted)

    def referenced(self) -> set[str]:
        """Every path the store names."""
        with self._db() as conn:
            return {row[0] for row in conn.execute(_paths(lambda column: column.is_not(None)))}

    def rename(self, names: Mapping[str, str]) -> None:
        """Call each stored file by its new name (`names`: old to new) wherever the store names it: after a
        move into the media bucket, by the name every machine reads it by."""
        if not names:
            return
        pairs = [{"old": old, "new": new} for old, new in names.items() if old != new]
        with self._write() as conn:
            for table, columns in REFERENCES.items():
                target = metadata.tables[table]
                for column in columns:
                    if pairs:
                        renaming = update(target).where(target.c[column] == bindparam("old"))
                        conn.execute(renaming.values({column: bindparam("new")}), pairs)

    def release(
        self,
        paths: Iterable[str | None],
        data_dir: Path,
        static_dir: Path | None = None,
        storage: Storage | None = None,
    ) -> Freed:
        """Remove those of `paths` that nothing names any more, once their own reference is deleted.

        Only files inside `data_dir` are ever removed: a path elsewhere is the user's own file. With
        `static_dir`, the copy of any of them served from there (ours, wherever its source is) goes
        too, unless a file still in use has the same content. With `storage` (a bucket), each goes from
        there too, once the transaction has ended. The look and the local removal hold the write lock,
        so a reference written meanwhile waits and finds the file still there, or none.
        """
        given = sorted({str(p) for p in paths if p})
        if not given:
            return Freed()
        inside = data_dir.resolve()
        with self._write() as conn:
            named = _named(conn, given)
            ours = {
                p: path for p in given if p not in named and (path := data_dir / p).resolve().is_relative_to(inside)
            }
            served = [_static_copy(data_dir / p, static_dir) for p in given if p not in named] if static_dir else []
            stored = remove(ours.values())
            copies = remove(self._unused([copy for copy in served if copy is not None and copy.exists()]))
        if storage is not None and ours:
            # The bucket is called once the history has let go: no write lock is held across a network
            # call. A name taken up again meanwhile (the same content given anew) keeps its object.
            for name in sorted(set(ours) - self.in_use(ours)):
                storage.delete(name)
        return Freed(stored_files=stored, static_copies=copies)

    def unused_static_copies(self, static_dir: Path, older_than: float) -> list[Path]:
        """Copies in `static_dir` last changed before `older_than` (a time.time()) whose content no
        stored file in use has: Compare's and the pages' copies of files since deleted, and videos
        hosted for jobs since deleted. A page showing a file still in use makes its copy again."""
        return self._unused(
            changed_before(
                (c for c in (static_dir.iterdir() if static_dir.is_dir() else ()) if _CONTENT_NAME.match(c.stem)),
                older_than,
            )
        )

    def _unused(self, copies: list[Path]) -> list[Path]:
        """Those of these content-named copies whose content no file the store names has.

        Most stored files are named by their content; the others (results, fixes) are read only when
        their size is that of a copy in question, so a pass does not read every result again."""
        if not copies:
            return []
        names, others = set(), []
        for path in self.referenced():
            stem = os.path.splitext(os.path.basename(path))[0]
            if _CONTENT_NAME.match(stem):
                names.add(stem)
            else:
                others.append(path)
        left = [copy for copy in copies if copy.stem not in names]
        sizes = {size for copy in left if (size := _size(copy)) is not None}
        contents = {_digest(Path(path)) for path in others if sizes and _size(path) in sizes}
        return [copy for copy in left if copy.stem not in contents]


def _named(conn: Connection, paths: list[str]) -> set[str]:
    return {row[0] for row in conn.execute(_paths(lambda column: column.in_(paths)))}


def _paths(condition: Callable[[ColumnClause[Any]], ColumnElement[bool]]) -> CompoundSelect[Any]:
    """Every path in a column that names stored files, where `condition` holds, each once."""
    return union(
        *(
            select(metadata.tables[table].c[column].label("path")).where(condition(metadata.tables[table].c[column]))
            for table, columns in REFERENCES.items()
            for column in columns
        )
    )


def _digest(path: Path) -> str | None:
    """The content hash of a stored file: its name when it is named by its content, else read from it."""
    if _CONTENT_NAME.match(path.stem):
        return path.stem
    try:
        return content_digest(path)
    except OSError:
        return None


def _size(path: Path | str) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _static_copy(path: Path, static_dir: Path) -> Path | None:
    """Where a copy of `path` served from `static_dir` would be (`hosting.keep_copy` names it so)."""
    digest = _digest(path)
    return static_dir / f"{digest}{path.suffix.lower()}" if digest else None
