"""Gallery stills, made once when a job is recorded or finishes, so the gallery only reads files."""
from __future__ import annotations

from pathlib import Path

from lib.errors import MotionStudioError
from lib.media import thumbnail


def poster_for(path: Path | str | None) -> str | None:
    """A still of this image or video beside it (in `thumbnails/`); None if it cannot be made.

    A job is never held up or failed for want of a picture in the gallery.
    """
    if path is None:
        return None
    try:
        return str(thumbnail(Path(path)))
    except MotionStudioError:
        return None
