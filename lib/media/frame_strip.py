"""A strip of small frames across a motion video, for choosing which part to keep on a timeline.

One ffmpeg run makes them; they are named by the clip's content and kept in the data folder, so a
page rerun or a second visitor finds them made.

    frame_strip(Path("dance.mov"), Path("data/strips"))   # [(0.0, .../strip-<hash>-6-01.jpg), (7.5, ...), ...]
"""

from __future__ import annotations

from pathlib import Path

from lib.files.digest import content_digest
from lib.media.ffmpeg import run_ffmpeg
from lib.media.probe import VideoFacts, probe

FRAMES = 6
HEIGHT = 72  # px: small enough that six sit in one row of a page column


def frame_strip(path: Path | str, out_dir: Path | str, frames: int = FRAMES) -> list[tuple[float, Path]]:
    """`frames` small JPEGs spread evenly over the clip, each with the second it shows; empty for a file
    that is not a readable video."""
    path, out_dir = Path(path), Path(out_dir)
    facts = probe(path)
    if not isinstance(facts, VideoFacts) or not facts.duration:
        return []
    every = facts.duration / frames
    times = [round(index * every, 2) for index in range(frames)]
    stem = f"strip-{content_digest(path)[:24]}-{frames}"
    paths = [out_dir / f"{stem}-{index + 1:02d}.jpg" for index in range(frames)]
    if not all(frame.exists() for frame in paths):
        out_dir.mkdir(parents=True, exist_ok=True)
        # fps=1/every takes one frame per slice of the clip; -frames:v stops when there are enough.
        run_ffmpeg(
            [
                "-i",
                str(path),
                "-vf",
                f"fps={1 / every:.6f},scale=-2:{HEIGHT}",
                "-frames:v",
                str(frames),
                "-q:v",
                "5",
                str(out_dir / f"{stem}-%02d.jpg"),
            ],
            facts.duration,
            None,
        )
    return [(at, frame) for at, frame in zip(times, paths, strict=True) if frame.exists()]
