"""Session-scoped media for the preflight, probe and fix tests, made once with real ffmpeg.

Files are kept in a folder of their own, `test-artifacts/media-<recipe>` (git-ignored), under a name
derived from how they are made (and from the source of tests/make_media.py), so a second run reuses
them and a changed recipe makes new ones. The suite runs without pytest's cache plugin.
Tests only read these files; anything a test changes it copies to its own tmp_path first.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

import pytest
from PIL import Image

from tests import make_media

HOSTILE_KINDS = (
    "empty",
    "random bytes",
    "text",
    "cut mp4, index at the end",
    "cut mp4, index first",
    "cut jpeg",
    "cut png",
)


class MediaShelf:
    """Makes each test file on first request, then hands out the same path."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def image(
        self,
        name: str,
        width: int = 600,
        height: int = 800,
        fmt: str | None = None,
        exif_orientation: int | None = None,
    ) -> Path:
        """`make_image`, optionally re-saved as a JPEG carrying an EXIF orientation tag."""
        path = self._path(name, width, height, fmt, exif_orientation)
        if not path.exists():
            self._atomically(path, lambda part: self._image(part, width, height, fmt, exif_orientation))
        return path

    def video(self, name: str, **options) -> Path:
        """`make_video` with the same keyword options."""
        path = self._path(name, options)
        if not path.exists():
            self._atomically(path, lambda part: make_media.make_video(part, **options))
        return path

    def audio_only(self, name: str = "audio-only.mp4", seconds: float = 4.0) -> Path:
        path = self._path(name, seconds)
        if not path.exists():
            self._atomically(
                path,
                lambda part: make_media.run_ffmpeg(
                    "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-f", "mp4", str(part)
                ),
            )
        return path

    def cut(self, source: Path, fraction: float = 0.5) -> Path:
        """The first `fraction` of `source`, as an interrupted upload would leave it."""
        return self.raw(f"cut-{fraction}-{source.name}", source.read_bytes()[: int(source.stat().st_size * fraction)])

    def padded(self, source: Path, size: int) -> Path:
        """`source` grown to exactly `size` bytes with bytes every reader skips: a `free` box after an
        MP4 or MOV, zeros after a JPEG's or PNG's end marker."""
        data = source.read_bytes()
        extra = size - len(data)
        if source.suffix in (".mp4", ".mov"):
            assert extra >= 8
            data += extra.to_bytes(4, "big") + b"free" + bytes(extra - 8)
        else:
            data += bytes(extra)
        return self.raw(f"{size}-{source.name}", data)

    def bomb(self, side: int = 20000) -> Path:
        """A one-colour PNG of `side` x `side`: a few hundred kilobytes that would decode to gigabytes."""
        path = self._path("bomb.png", side)
        if not path.exists():
            self._atomically(path, lambda part: Image.new("L", (side, side)).save(part, "PNG"))
        return path

    def hostile(self) -> dict[str, Path]:
        """Files that are not readable media, by what is wrong with them."""
        mp4 = self.video("whole.mp4", width=320, height=240, seconds=2)
        faststart = self.video(
            "whole-faststart.mp4", width=320, height=240, seconds=2, extra=("-movflags", "+faststart")
        )
        return {
            "empty": self.raw("empty.mp4", b""),
            "random bytes": self.raw("random.mp4", random.Random(3).randbytes(64 * 1024)),
            "text": self.raw("notes.png", b"just some words, not a picture\n" * 100),
            "cut mp4, index at the end": self.cut(mp4),
            "cut mp4, index first": self.cut(faststart),
            "cut jpeg": self.cut(self.image("whole.jpg", 600, 800)),
            "cut png": self.cut(self.image("whole.png", 600, 800), 0.8),
        }

    def raw(self, name: str, data: bytes) -> Path:
        path = self._path(name, hashlib.sha256(data).hexdigest())
        if not path.exists():
            self._atomically(path, lambda part: part.write_bytes(data))
        return path

    def _path(self, name: str, *recipe: object) -> Path:
        digest = hashlib.sha256(json.dumps(recipe, default=str).encode()).hexdigest()[:12]
        stem, dot, suffix = name.rpartition(".")
        return self.folder / (f"{stem}-{digest}.{suffix}" if dot else f"{name}-{digest}")

    @staticmethod
    def _atomically(path: Path, make) -> None:
        # make_video writes to the suffix it is given, so the partial file keeps the real suffix.
        part = path.with_name(f"partial-{os.getpid()}-{path.name}")
        make(part)
        os.replace(part, path)

    @staticmethod
    def _image(path: Path, width: int, height: int, fmt: str | None, exif_orientation: int | None) -> None:
        make_media.make_image(path, width, height, fmt)
        if exif_orientation is not None:
            with Image.open(path) as image:
                exif = image.getexif()
                exif[0x0112] = exif_orientation
                image.save(path, "JPEG", exif=exif)


MEDIA_ROOT = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def media() -> MediaShelf:
    recipe = hashlib.sha256(Path(make_media.__file__).read_bytes() + Path(__file__).read_bytes()).hexdigest()[:12]
    folder = MEDIA_ROOT / f"media-{recipe}"
    folder.mkdir(parents=True, exist_ok=True)
    return MediaShelf(folder)
