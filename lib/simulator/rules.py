"""The simulator's own copy of the service's documented input rules, and its own way of measuring media.

Written from `shared/reference/novita-kling-motion-control.md`, deliberately without importing the
app's rules or preflight: a test double that asked the app whether an input is fine would confirm any
rule the app gets wrong. tests/test_contract.py pins that the two agree on the edge cases.

Where the reference leaves room, this copy takes the strict reading, so the app cannot lean on the
lenient one unseen: "at most 10 MB" is 10,000,000 bytes here. Images are measured with Pillow, videos
by reading the MP4/MOV boxes themselves (the video track's exact length and size from its `tkhd`).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image


class InputBroken(Exception):
    """An input breaks a documented rule, or cannot be read; the message says which, in the service's words."""


@dataclass(frozen=True)
class ServiceRules:
    """The documented limits of one model's endpoint. Every limit is inclusive ("at most", "at least")."""

    max_bytes: int = 10_000_000  # "at most 10 MB", image and video alike
    min_side: int = 300  # px, width and height
    max_aspect: float = 2.5  # width:height between 1:2.5 and 2.5:1
    min_seconds: float = 3.0
    max_seconds_image: float = 10.0  # character_orientation "image"
    max_seconds_video: float = 30.0  # character_orientation "video"
    max_negative_prompt: int = 2500  # characters
    max_prompt: int | None = None  # 2.6 Pro documents no prompt limit
    image_formats: tuple[str, ...] = ("jpeg", "png")  # "jpg, jpeg or png": jpg is jpeg
    video_formats: tuple[str, ...] = ("mp4", "mov")

    def max_seconds(self, orientation: str) -> float:
        return self.max_seconds_image if orientation == "image" else self.max_seconds_video

    def check_size(self, size: int, what: str) -> None:
        if size > self.max_bytes:
            raise InputBroken(f"the {what} is {size:,} bytes; it can be at most 10 MB")

    def check_prompts(self, prompt: str, negative_prompt: str) -> None:
        if len(negative_prompt) > self.max_negative_prompt:
            raise InputBroken(f"'negative_prompt' can be at most {self.max_negative_prompt:,} characters")
        if self.max_prompt is not None and len(prompt) > self.max_prompt:
            raise InputBroken(f"'prompt' can be at most {self.max_prompt:,} characters")

    def check_image(self, path: Path) -> None:
        """Refuse a character image that breaks a rule."""
        self.check_size(path.stat().st_size, "character image")
        try:
            with Image.open(path) as image:
                kind, (width, height) = (image.format or "").lower(), image.size
        except Exception:  # noqa: BLE001 - whatever Pillow cannot open is not an image to the service
            raise InputBroken("the character image could not be read as an image") from None
        if kind not in self.image_formats:
            raise InputBroken(f"the character image is {kind or 'of an unknown format'}; it must be jpg, jpeg or png")
        self._check_frame(width, height, "character image")

    def check_video(self, path: Path, orientation: str) -> float:
        """Refuse a motion video that breaks a rule; return its length in seconds."""
        self.check_size(path.stat().st_size, "motion video")
        video = read_mp4(path)
        if video.kind not in self.video_formats:
            raise InputBroken(f"the motion video is {video.kind}; it must be mp4 or mov")
        self._check_frame(video.width, video.height, "motion video")
        longest = self.max_seconds(orientation)
        if not self.min_seconds <= video.seconds <= longest:
            raise InputBroken(
                f"the motion video is {video.seconds:.3f} s long; with character_orientation '{orientation}' "
                f"it must be {self.min_seconds:g} to {longest:g} s"
            )
        return video.seconds

    def _check_frame(self, width: int, height: int, what: str) -> None:
        if min(width, height) < self.min_side:
            raise InputBroken(f"the {what} is {width}x{height}; width and height must be at least {self.min_side} px")
        # In whole numbers: 2.5 is 5/2, so 750x300 is exactly at the limit and passes.
        if 2 * width > 5 * height or 2 * height > 5 * width:
            raise InputBroken(f"the {what} is {width}x{height}; its aspect ratio must be between 1:2.5 and 2.5:1")


KLING_V26_PRO = ServiceRules()
# 3.0: the same media rules, and the prompt limited as the negative prompt is. Its page says orientation
# "image" gives a 5 s output; what it accepts as reference video is not stated apart, so 10 s stays.
KLING_V30 = ServiceRules(max_prompt=2500)

# The submit endpoints, as the reference names them, and the `model_name` values 3.0 accepts (the first
# is what it runs when none is given). 2.6 Pro documents no `model_name`; like other extra fields it is ignored.
V26_PRO_PATH = "/v3/async/kling-v2.6-pro-motion-control"
V30_PATH = "/v3/async/kling-v3.0-motion-control"
SUBMIT_RULES = {V26_PRO_PATH: KLING_V26_PRO, V30_PATH: KLING_V30}
V30_MODEL_NAMES = ("kling-v3-0-std", "kling-v3-0-pro")


@dataclass(frozen=True)
class Mp4Facts:
    kind: str  # "mp4", "mov", or the brand of another ISO file ("3gp4"...)
    seconds: float
    width: int
    height: int


# Brands of a QuickTime file; every other ISO base media brand of an .mp4 is taken as mp4, except these.
_MOV_BRANDS = {"qt  "}
_NOT_MP4_PREFIXES = ("3g", "M4A", "M4B", "M4P", "F4A", "F4B")


def read_mp4(path: Path) -> Mp4Facts:
    """The kind, exact length and picture size of an MP4 or MOV file, from its boxes."""
    data = path.read_bytes()
    try:
        boxes = dict(_boxes(data, 0, len(data)))
        ftyp = boxes.get(b"ftyp")
        brand = data[ftyp[0] : ftyp[0] + 4].decode("latin-1") if ftyp else "qt  "  # old QuickTime has no ftyp
        moov = boxes[b"moov"]
        seconds, width, height = _movie(data, *moov)
    except (KeyError, struct.error, ValueError, IndexError, ZeroDivisionError):
        raise InputBroken("the motion video could not be read as an mp4 or mov video") from None
    if brand in _MOV_BRANDS:
        kind = "mov"
    elif brand.startswith(_NOT_MP4_PREFIXES):
        kind = brand.strip()
    else:
        kind = "mp4"
    return Mp4Facts(kind, seconds, width, height)


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, tuple[int, int]]]:
    """(type, (body start, body end)) of each box between `start` and `end`."""
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            raise ValueError("a box runs past its parent")
        yield kind, (at + header, at + size)
        at += size


def _movie(data: bytes, start: int, end: int) -> tuple[float, int, int]:
    """The video track's length and picture size: its motion is what the reference gives, and a sound
    track a few milliseconds longer than the picture does not lengthen it."""
    timescale = None
    track: tuple[int, int, int] | None = None
    for kind, (body, stop) in _boxes(data, start, end):
        if kind == b"mvhd":
            timescale = struct.unpack_from(">I", data, body + (20 if data[body] == 1 else 12))[0]
        elif kind == b"trak" and track is None:
            track = _video_track(data, body, stop)
    if timescale is None or track is None:
        raise ValueError("no movie header or no video track")
    duration, width, height = track
    return duration / timescale, width, height


def _video_track(data: bytes, start: int, end: int) -> tuple[int, int, int] | None:
    """(duration in the movie's timescale, width, height) from a video track's header; None for another kind."""
    boxes = dict(_boxes(data, start, end))
    mdia = boxes.get(b"mdia")
    hdlr = dict(_boxes(data, *mdia)).get(b"hdlr") if mdia else None
    if hdlr is None or data[hdlr[0] + 8 : hdlr[0] + 12] != b"vide":
        return None
    tkhd, tkhd_end = boxes[b"tkhd"]
    if data[tkhd] == 1:
        duration = struct.unpack_from(">Q", data, tkhd + 28)[0]
    else:
        duration = struct.unpack_from(">I", data, tkhd + 20)[0]
    width, height = struct.unpack_from(">II", data, tkhd_end - 8)  # 16.16 fixed point, the last two fields
    return duration, round(width / 65536), round(height / 65536)
