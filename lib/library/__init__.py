"""The shared library: characters and motion clips saved once, for every user of the app.

A saved file is a copy of a file that passes every rule, kept under its content hash in
`<data>/library/` with a thumbnail, and recorded in the store, so every tab and every teammate sees it.
With a media bucket, both are put there and the row names them as every machine reads them.

library = library_for(settings)
item = library.add(LibraryKind.CHARACTER, "uploads/ana.png", "Ana", tags=("dancer",))
library.items(LibraryKind.CHARACTER, tag="dancer")  # [item], newest first
library.add(LibraryKind.CHARACTER, "elsewhere/ana-again.png", "Other name") == item  # same content: True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, select

from lib.config import Settings
from lib.errors import InputRefused, MotionStudioError, NotInLibrary, NotPassing
from lib.files.digest import content_digest
from lib.files.hosting import keep_copy
from lib.files.references import StoredFiles
from lib.files.storage import Storage, storage_for
from lib.media.preflight import Report, check_image, check_video
from lib.media.probe import probe
from lib.media.thumbnails import thumbnail
from lib.novita.rules import MODELS
from lib.store.door import Database, insert
from lib.store.ids import new_id
from lib.store.tables import library_items
from lib.store.times import now_iso

THUMBNAIL_SIZE = 320


class LibraryKind(StrEnum):
    CHARACTER = "character"
    MOTION = "motion"

    @property
    def label(self) -> str:
        return {LibraryKind.CHARACTER: "Character image", LibraryKind.MOTION: "Motion video"}[self]


@dataclass(frozen=True)
class LibraryItem:
    """One saved file: `path` is the checked (and fixed, where it needed it) copy in the data folder."""

    id: str
    kind: LibraryKind
    name: str
    tags: tuple[str, ...]
    path: str
    thumbnail_path: str | None
    created_at: str
    made_by: str | None = None  # who saved it (`lib.team.people`)


def check(kind: LibraryKind, path: Path | str) -> Report:
    """The check a file must pass to be saved, against every model's rules. A motion clip is checked for
    "As in the motion video", which allows the longest clips; Generate checks the chosen way again."""
    reports = [
        check_image(path, model) if kind is LibraryKind.CHARACTER else check_video(path, "video", model=model)
        for model in MODELS
    ]
    return next((report for report in reports if not report.ok), reports[0])


def clip_length(item: LibraryItem, storage: Storage | None = None) -> str | None:
    """A motion clip's length as its card shows it ('3.5 s'); None for a character or a clip it cannot read.
    With `storage`, the clip is read from there (fetched into this machine's data folder if need be)."""
    if item.kind is not LibraryKind.MOTION:
        return None
    try:
        seconds = probe(storage.local_path(item.path) if storage else item.path).duration
    except (OSError, MotionStudioError):
        return None
    return f"{seconds:.1f} s" if seconds else None


def clean_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as typed, trimmed, without commas (they separate tags), each once whatever its case."""
    kept: dict[str, str] = {}
    for tag in tags:
        for part in str(tag).split(","):
            word = " ".join(part.split())
            if word:
                kept.setdefault(word.casefold(), word)
    return tuple(kept.values())


def library_for(settings: Settings) -> Library:
    """The library of these settings: its files in the data folder, or in the media bucket."""
    return Library(settings.database, settings.data_dir / "library", storage_for(settings))


class Library(Database):
    """Saved characters and motion clips; cheap to make, holds no connection.

    Files are written in `library_dir`: `<data>/library/` (beside a SQLite history, unless told). With
    `storage`, they are kept there too (a media bucket), and rows name them by the storage's names.
    """

    def __init__(self, db_path: Path | str, library_dir: Path | None = None, storage: Storage | None = None) -> None:
        super().__init__(db_path)
        if library_dir is None and "://" in str(db_path):
            raise ValueError("a history on a database server has no folder: say where the library's files go")
        self.library_dir = Path(library_dir) if library_dir else Path(db_path).parent / "library"
        self.storage = storage

    def add(
        self, kind: LibraryKind, path: str | Path, name: str, tags: Iterable[str] = (), made_by: str | None = None
    ) -> LibraryItem:
        """Save a file that passes every rule; the same content again is the item already saved.

        Raises `NotPassing` (with the first broken rule) for a file that needs a fix first.
        """
        kind = LibraryKind(kind)
        digest = content_digest(Path(path))
        existing = self._by_hash(kind, digest)
        if existing is not None:
            return existing
        report = check(kind, path)
        if not report.ok:
            raise NotPassing(report.problems[0].message)
        kept = keep_copy(Path(path), self.library_dir / f"{kind.value}s")
        try:
            still: str | None = str(thumbnail(kept, self.library_dir / "thumbnails", THUMBNAIL_SIZE))
        except MotionStudioError:
            still = None  # a file is never refused for want of a picture
        stamp = now_iso()
        row = {
            "id": new_id(),
            "kind": kind.value,
            "name": " ".join(str(name).split()) or Path(path).stem,
            "tags": ", ".join(clean_tags(tags)),
            "content_hash": digest,
            "path": self.storage.put(kept) if self.storage else str(kept),
            "thumbnail_path": self.storage.put(still) if self.storage and still else still,
            "created_at": stamp,
            "updated_at": stamp,
            "made_by": made_by,
        }
        with self._write() as conn:
            # Two tabs saving the same file at once: the second finds the first's row and returns it.
            found = conn.execute(_same_content(kind, digest)).mappings().first()
            if not found:
                insert(conn, library_items, row)
        return _item(dict(found)) if found else _item(row)

    def items(
        self, kind: LibraryKind | None = None, tag: str | None = None, text: str | None = None
    ) -> list[LibraryItem]:
        """Saved items, newest first: of one kind, holding a tag (any case), or with `text` in the name or a tag."""
        # Ids sort in the order items were saved, which breaks a tie within one millisecond.
        query = select(library_items).order_by(library_items.c.created_at.desc(), library_items.c.id.desc())
        if kind is not None:
            query = query.where(library_items.c.kind == LibraryKind(kind).value)
        found = [_item(row) for row in self._rows(query)]
        if tag and tag.strip():
            wanted = tag.strip().casefold()
            found = [item for item in found if wanted in (t.casefold() for t in item.tags)]
        if text and text.strip():
            words = text.strip().casefold()
            found = [
                item for item in found if words in item.name.casefold() or any(words in t.casefold() for t in item.tags)
            ]
        return found

    def tags(self, kind: LibraryKind | None = None) -> list[str]:
        """Every tag in use, in alphabetical order, each once."""
        return sorted(clean_tags(t for item in self.items(kind) for t in item.tags), key=str.casefold)

    def saved(self, kind: LibraryKind, path: str | Path) -> LibraryItem | None:
        """The item holding this file's content, if it was saved."""
        return self._by_hash(LibraryKind(kind), content_digest(Path(path)))

    def get(self, item_id: str) -> LibraryItem | None:
        row = self._first(select(library_items).where(library_items.c.id == item_id))
        return _item(row) if row else None

    def rename(self, item_id: str, name: str) -> LibraryItem:
        name = " ".join(str(name).split())
        if not name:
            raise InputRefused("type a name")
        return self._change(item_id, name=name)

    def set_tags(self, item_id: str, tags: Iterable[str]) -> LibraryItem:
        return self._change(item_id, tags=", ".join(clean_tags(tags)))

    def remove(self, item_id: str) -> None:
        """Take the item out of the library; its file stays while anything else uses it (a job, a
        prepared pair, a batch)."""
        with self._write() as conn:
            row = conn.execute(select(library_items).where(library_items.c.id == item_id)).mappings().first()
            if row is None:
                return
            conn.execute(delete(library_items).where(library_items.c.id == item_id))
        StoredFiles(self.db_path).release(
            [row["path"], row["thumbnail_path"]],
            self.storage.data_dir if self.storage else self.library_dir,
            storage=self.storage,
        )

    def _change(self, item_id: str, **changes: Any) -> LibraryItem:
        row = self._set_if("library_items", item_id, {}, {**changes, "updated_at": now_iso()})
        if row is None:
            raise NotInLibrary()
        return _item(row)

    def _by_hash(self, kind: LibraryKind, digest: str) -> LibraryItem | None:
        row = self._first(_same_content(kind, digest))
        if row and (self.storage.exists(row["path"]) if self.storage else Path(row["path"]).exists()):
            return _item(row)
        if row:  # its file was deleted by hand: forget the row, so the file is saved again
            self._execute(delete(library_items).where(library_items.c.id == row["id"]))
        return None


def _same_content(kind: LibraryKind, digest: str) -> Select[Any]:
    return select(library_items).where(library_items.c.kind == kind.value, library_items.c.content_hash == digest)


def _item(row: dict[str, Any]) -> LibraryItem:
    return LibraryItem(
        id=row["id"],
        kind=LibraryKind(row["kind"]),
        name=row["name"],
        tags=clean_tags((row["tags"] or "").split(",")),
        path=row["path"],
        thumbnail_path=row["thumbnail_path"],
        created_at=row["created_at"],
        made_by=row.get("made_by"),
    )


__all__ = ["Library", "LibraryItem", "LibraryKind", "check", "clean_tags", "clip_length", "library_for"]
