"""Generate's "Open a pair prepared earlier": each pair as small stills of its two files, their names, the
model and the way the character faces, newest first, so pairs prepared in the same minute tell apart."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import streamlit as st

from lib.config import Settings
from lib.errors import MotionStudioError
from lib.files.storage import storage_for
from lib.library import Library, LibraryKind, library_for
from lib.media.thumbnails import thumbnail
from lib.novita.rules import Orientation, model_for
from lib.pairs import PreparedInputs
from ui.common import when
from ui.media import show_image

STILL_PX = 56
# Stored files are named by their content's hash: such a name means nothing to a person.
_HASH_NAME = re.compile(r"^(fixed-)?[0-9a-f]{24,64}$")


def earlier_pairs(settings: Settings, pairs: list[PreparedInputs]) -> None:
    """One compact row per pair, each opening Generate on it."""
    library = library_for(settings)
    storage = storage_for(settings)
    for pair in pairs:
        with st.container(border=True, key=f"earlier_{pair.id}"):
            image_column, video_column, words = st.columns([1, 1, 8], vertical_alignment="center")
            with image_column:
                _still(storage.local_path(pair.image_path), "character image")
            with video_column:
                _still(storage.local_path(pair.video_path), "motion video")
            names = (
                f"{file_name(library, LibraryKind.CHARACTER, pair.image_path)} with "
                f"{file_name(library, LibraryKind.MOTION, pair.video_path)}"
            )
            words.page_link(
                "pages/2_Generate.py", label=names, icon=":material/folder_open:", query_params={"pair": pair.id}
            )
            words.caption(
                f"{model_for(pair.model).label} · {Orientation(pair.character_orientation).label} · "
                f"prepared {when(pair.created_at)}"
            )


def file_name(library: Library, kind: LibraryKind, path: str) -> str:
    """What a person calls the file: its name in the library, its own file name, or what it is."""
    try:
        saved = library.saved(kind, path)
    except OSError:
        saved = None
    if saved is not None:
        return f"“{saved.name}”"
    stem = Path(path).stem
    return (
        stem
        if not _HASH_NAME.match(stem)
        else ("a character image" if kind is LibraryKind.CHARACTER else "a motion clip")
    )


def _still(path: Path, what: str) -> None:
    """A still of the file `path` on this machine (a stored file in the bucket is fetched first)."""
    try:
        still = _still_of(str(path), path.stat().st_mtime_ns)
    except (OSError, MotionStudioError):
        st.markdown(":material/hide_image:")
        return
    show_image(str(still), what=f"still of the {what}", width=STILL_PX)


@functools.lru_cache(maxsize=64)
def _still_of(path: str, mtime_ns: int) -> Path:
    """A small still, made once per file and version (naming it hashes the whole file)."""
    return thumbnail(path, size=160)
