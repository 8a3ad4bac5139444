"""Frames to look at: a clip sampled by ffmpeg at a low rate and size, an image read small, and the
evidence stills written once per content into a cache folder.

    frames = sample_video(Path("dance.mp4"))   # Frames(pictures=[...BGR arrays...], times=[0.0, 0.2, ...])
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lib.errors import MediaUnreadable
from lib.files.atomic import atomic_write
from lib.media.ffmpeg import run_ffmpeg
from lib.media.pictures import open_upright
from lib.media.probe import VideoFacts, probe

SAMPLE_FPS = 5.0  # a hard cut, a pan and a black lead-in all show at five looks a second
SAMPLE_WIDTH = 384  # px: faces of a full-body dancer stay about 20 px tall, which the cascade still sees
IMAGE_SIDE = 640
STILL_WIDTH = 240


@dataclass(frozen=True)
class Frames:
    """Sampled pictures (BGR, uint8) with the second each shows; `duration` is the clip's length."""

    pictures: list[np.ndarray]
    times: list[float]
    duration: float
    fps: float

    @property
    def grey(self) -> list[np.ndarray]:
        return [cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY) for picture in self.pictures]


def sample_video(path: Path, fps: float = SAMPLE_FPS, width: int = SAMPLE_WIDTH) -> Frames:
    """`fps` frames a second of the clip at `width` px wide, decoded and scaled by one ffmpeg run."""
    facts = probe(path)
    if not isinstance(facts, VideoFacts):
        raise MediaUnreadable("it has no picture")
    height = max(2, round(width * facts.height / facts.width / 2) * 2)
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "frames.bgr"
        run_ffmpeg(
            ["-i", str(path), "-vf", f"fps={fps:g},scale={width}:{height}:flags=area", "-an"]
            + ["-f", "rawvideo", "-pix_fmt", "bgr24", str(raw)],
            facts.duration,
            None,
            failure=MediaUnreadable,
        )
        data = np.fromfile(raw, dtype=np.uint8)
    count = data.size // (width * height * 3)
    stack = data[: count * width * height * 3].reshape(count, height, width, 3)
    times = [round(index / fps, 3) for index in range(count)]
    return Frames(list(stack), times, facts.duration or count / fps, fps)


def read_image(path: Path, side: int = IMAGE_SIDE) -> np.ndarray:
    """The image upright, at most `side` px a side, as a BGR array; `MediaUnreadable` for a file Pillow
    cannot read (the rule checklist already says so in words)."""
    try:
        picture = open_upright(path, draft=(side, side))
    except (OSError, ValueError) as error:  # Pillow's UnidentifiedImageError is an OSError
        raise MediaUnreadable(str(error)) from error
    picture.thumbnail((side, side))
    return cv2.cvtColor(np.asarray(picture), cv2.COLOR_RGB2BGR)


def write_still(picture: np.ndarray, out: Path) -> str:
    """A small JPEG of `picture` at `out`, written once: a later check of the same content reuses it."""
    if not out.exists():
        height = max(1, round(picture.shape[0] * STILL_WIDTH / picture.shape[1]))
        small = cv2.resize(picture, (STILL_WIDTH, height), interpolation=cv2.INTER_AREA)
        ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])
        if ok:
            with atomic_write(out) as partial:
                partial.write_bytes(jpeg.tobytes())
    return str(out)
