"""The sample character image and motion video behind "Try it with samples", made on first use.

Made here rather than shipped, so the repository holds no binary media: a cartoon character, and a
five-second clip of a figure dancing to a beat, both well inside every rule of the service.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from lib.files.atomic import atomic_write
from lib.media.clips import write_mp4

IMAGE_SIZE = (720, 1080)
VIDEO_SIZE = (540, 960)
VIDEO_SECONDS = 5.0
FPS = 24


@dataclass(frozen=True)
class Samples:
    image: Path
    video: Path


def samples(folder: Path) -> Samples:
    """The sample pair in `folder`, made once."""
    folder.mkdir(parents=True, exist_ok=True)
    image, video = folder / "sample-character.png", folder / "sample-motion.mp4"
    if not image.exists():
        with atomic_write(image) as partial:
            _character().save(partial)
    if not video.exists():
        _dance(video)
    return Samples(image, video)


def _character() -> Image.Image:
    width, height = IMAGE_SIZE
    picture = Image.new("RGB", IMAGE_SIZE, (250, 236, 214))
    draw = ImageDraw.Draw(picture)
    cx = width // 2
    draw.ellipse([cx - 110, 120, cx + 110, 360], fill=(246, 205, 170), outline=(60, 40, 30), width=6)
    draw.pieslice([cx - 118, 100, cx + 118, 300], 180, 360, fill=(70, 45, 30))
    for eye in (-45, 45):
        draw.ellipse([cx + eye - 14, 220, cx + eye + 14, 250], fill=(40, 30, 30))
    draw.arc([cx - 50, 260, cx + 50, 320], 20, 160, fill=(150, 50, 50), width=6)
    draw.rounded_rectangle([cx - 150, 370, cx + 150, 720], radius=40, fill=(124, 92, 255))
    draw.rectangle([cx - 140, 720, cx - 20, 1020], fill=(40, 50, 90))
    draw.rectangle([cx + 20, 720, cx + 140, 1020], fill=(40, 50, 90))
    draw.line([cx - 150, 420, cx - 260, 640], fill=(124, 92, 255), width=56)
    draw.line([cx + 150, 420, cx + 260, 640], fill=(124, 92, 255), width=56)
    return picture


def _dance(out: Path) -> None:
    from moviepy import AudioClip, VideoClip  # heavy: only when the samples are first made

    width, height = VIDEO_SIZE

    def frame(t: float) -> np.ndarray:
        beat = math.sin(t * math.pi * 2)
        picture = Image.new("RGB", VIDEO_SIZE, (30, 34, 48))
        draw = ImageDraw.Draw(picture)
        hip = (width // 2 + int(60 * beat), int(height * 0.55))
        neck = (width // 2 + int(30 * beat), int(height * 0.3))
        draw.line([hip, neck], fill=(240, 240, 240), width=18)
        draw.ellipse([neck[0] - 45, neck[1] - 110, neck[0] + 45, neck[1] - 20], fill=(240, 240, 240))
        for side in (-1, 1):
            hand = (neck[0] + side * 150, neck[1] - int(120 * side * beat))
            foot = (hip[0] + side * 90, int(height * 0.85) - int(40 * max(0.0, side * beat)))
            draw.line([neck, hand], fill=(240, 240, 240), width=14)
            draw.line([hip, foot], fill=(240, 240, 240), width=16)
        return np.asarray(picture)

    def beat_sound(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype="float64")
        pulse = np.exp(-((t % 0.5) * 18))
        tone = 0.4 * pulse * np.sin(2 * np.pi * 110 * t)
        return np.stack([tone, tone], axis=-1) if tone.ndim else np.array([tone, tone])

    clip = VideoClip(frame, duration=VIDEO_SECONDS).with_audio(AudioClip(beat_sound, duration=VIDEO_SECONDS, fps=44100))
    write_mp4(clip, out, FPS, preset="veryfast")
