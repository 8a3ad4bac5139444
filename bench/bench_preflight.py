"""Preflight speed against a bare `ffmpeg -i` header read and against opening the clip with moviepy.

Run from the repository root: `.venv/bin/python bench/bench_preflight.py`. It makes its media once in
bench/out/ (git-ignored): a 30 s 1080p MP4 of about 10.5 MB with sound, and a 4000x3000 JPEG.
Targets (issue 3): preflight / `ffmpeg -i` at most 1.0; moviepy / preflight at least 5.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from lib.media import check_image, check_video  # noqa: E402
from lib.media.preflight import clear_cache  # noqa: E402
from tests.make_media import FFMPEG, make_image, make_video  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


def bench_media() -> tuple[Path, Path]:
    """The benchmark's clip and photo, made once: 30 s of 1080p30 at about 2.8 Mbit/s, and a 4000x3000
    JPEG with photo-like noise so it weighs what a phone photo does."""
    OUT.mkdir(exist_ok=True)
    video, photo = OUT / "clip-30s-1080p.mp4", OUT / "photo-4000x3000.jpg"
    if not video.exists():
        make_video(
            video,
            1920,
            1080,
            seconds=30,
            fps=30,
            extra=("-b:v", "2700k", "-maxrate", "2700k", "-bufsize", "5400k", "-preset", "veryfast"),
        )
    if not photo.exists():
        make_image(photo, 4000, 3000)
        with Image.open(photo) as image:
            pixels = np.asarray(image, dtype=np.int16)
        grain = np.random.default_rng(7).normal(0, 12, pixels.shape).astype(np.int16)
        Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8)).save(photo, quality=90)
    return video, photo


def timed(action, rounds: int) -> float:
    """Median seconds of `rounds` runs of `action`."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    video, photo = bench_media()
    print(
        f"video: {video.name}, {video.stat().st_size / 1024 / 1024:.2f} MB; photo: {photo.name}, "
        f"{photo.stat().st_size / 1024 / 1024:.2f} MB"
    )

    def ffmpeg_header() -> None:
        subprocess.run([FFMPEG, "-hide_banner", "-i", str(video)], capture_output=True, timeout=30)

    def preflight_cold() -> None:
        clear_cache()
        assert not check_video(video, "image").ok and check_image(photo).ok

    def preflight_cached() -> None:
        check_video(video, "image")
        check_image(photo)

    def moviepy_open() -> None:
        from moviepy import VideoFileClip

        with VideoFileClip(str(video)):
            pass

    preflight_cold()  # loads libmediainfo and Pillow's plugins once, as a running app already has
    rounds = 30
    ffmpeg_s = timed(ffmpeg_header, rounds)
    cold_s = timed(preflight_cold, rounds)
    cached_s = timed(preflight_cached, rounds)
    moviepy_s = timed(moviepy_open, 5)
    print(f"ffmpeg -i header read      {ffmpeg_s * 1000:7.1f} ms (baseline, median of {rounds})")
    print(f"preflight, video + photo   {cold_s * 1000:7.1f} ms  ratio {cold_s / ffmpeg_s:.2f} (target <= 1.0)")
    print(f"preflight, cached          {cached_s * 1000:7.1f} ms  ratio {cached_s / ffmpeg_s:.2f}")
    print(f"moviepy VideoFileClip open {moviepy_s * 1000:7.1f} ms  {moviepy_s / cold_s:.1f}x preflight (target >= 5)")


if __name__ == "__main__":
    main()
