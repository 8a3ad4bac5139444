"""Real media files for tests, made with the ffmpeg binary that imageio-ffmpeg ships.

Every test builds what it needs here, so no binary fixture lives in the repository.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, ImageDraw

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def make_image(path: Path, width: int = 600, height: int = 800, fmt: str | None = None) -> Path:
    """A character-like figure on a plain background; `fmt` defaults to the suffix's format."""
    image = Image.new("RGB", (width, height), (40, 60, 90))
    draw = ImageDraw.Draw(image)
    # Sized from the shorter side so the figure fits at any aspect ratio, 1000 x 200 included.
    cx, w, h = width // 2, min(width, height), height
    head = h // 10 + w // 4
    draw.ellipse([cx - w // 8, h // 10, cx + w // 8, head], fill=(240, 200, 170))
    draw.rectangle([cx - w // 6, head, cx + w // 6, max(head, int(h * 0.7))], fill=(200, 60, 60))
    draw.rectangle([cx - w // 6, max(head, int(h * 0.7)), cx + w // 6, int(h * 0.95)], fill=(50, 50, 160))
    image.save(path, format=fmt or {".jpg": "JPEG", ".jpeg": "JPEG"}.get(path.suffix.lower()))
    return path


def make_video(
    path: Path,
    width: int = 640,
    height: int = 360,
    seconds: float = 4.0,
    fps: int = 24,
    audio: bool = True,
    vcodec: str = "libx264",
    rotation: int | None = None,
    extra: tuple[str, ...] = (),
) -> Path:
    """A moving test pattern with a tone; `rotation` adds a phone-style display rotation."""
    target = path if rotation is None else path.with_name(f"unrotated-{path.name}")
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    codec = ["-c:v", vcodec, "-pix_fmt", "yuv420p"]
    if vcodec == "libx264":
        codec += ["-preset", "ultrafast"]
    if audio:
        codec += ["-c:a", "libopus" if path.suffix == ".webm" else "aac"]
    run_ffmpeg(*inputs, *codec, "-shortest", *extra, str(target))
    if rotation is not None:
        run_ffmpeg("-display_rotation:v:0", str(rotation), "-i", str(target), "-c", "copy", str(path))
        target.unlink()
    return path
