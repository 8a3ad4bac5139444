"""A strip of small frames across a motion video, for choosing which part to keep on a timeline.

One ffmpeg run makes them, on the worker; they are named by the clip's content and kept in the data
folder, so a page rerun or a second visitor finds them made. A page only looks for them (`made_strip`).

    frame_strip(Path("dance.mov"), Path("data/strips"))   # [(0.0, .../strip-<hash>-6-01.jpg), (7.5, ...), ...]
    made_strip(Path("dance.mov"), Path("data/strips"))    # the same once made, None until then
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from lib.files.digest import content_digest
from lib.files.storage import Storage
from lib.media.ffmpeg import ProgressCallback, run_ffmpeg
from lib.media.probe import VideoFacts, probe

FRAMES = 6
HEIGHT = 72  # px: small enough that six sit in one row of a page column


def strips_dir(data_dir: Path) -> Path:
    """Where the strips of every clip are kept."""
    return data_dir / "strips"


def _planned(path: Path, out_dir: Path, frames: int) -> tuple[float, list[tuple[float, Path]]] | None:
    """The clip's length and each frame's second and file, or None for a file that is not a readable video."""
    facts = probe(path)
    if not isinstance(facts, VideoFacts) or not facts.duration:
        return None
    every = facts.duration / frames
    stem = f"strip-{content_digest(path)[:24]}-{frames}"
    return facts.duration, [
        (round(index * every, 2), out_dir / f"{stem}-{index + 1:02d}.jpg") for index in range(frames)
    ]


def made_strip(
    path: Path | str, out_dir: Path | str, frames: int = FRAMES, storage: Storage | None = None
) -> list[tuple[float, Path]] | None:
    """The strip as `frame_strip` left it, without running ffmpeg: None while it is not made yet, empty
    for a file that is not a readable video. With `storage`, frames a worker elsewhere put in the media
    bucket are fetched into `out_dir`."""
    planned = _planned(Path(path), Path(out_dir), frames)
    if planned is None:
        return []
    strip = planned[1]
    for _, frame in strip:
        if not frame.exists() and (storage is None or not storage.local_path(storage.name(frame)).exists()):
            return None
    return strip


def frame_strip(
    path: Path | str, out_dir: Path | str, frames: int = FRAMES, on_progress: ProgressCallback | None = None
) -> list[tuple[float, Path]]:
    """`frames` small JPEGs spread evenly over the clip, each with the second it shows; empty for a file
    that is not a readable video. `on_progress` hears the fraction read, and stops ffmpeg by raising."""
    path, out_dir = Path(path), Path(out_dir)
    planned = _planned(path, out_dir, frames)
    if planned is None:
        return []
    duration, strip = planned
    if not all(frame.exists() for _, frame in strip):
        out_dir.mkdir(parents=True, exist_ok=True)
        # Made aside and moved in after, so a page looking meanwhile never finds a frame half written.
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".making-") as making:
            # fps=frames/duration takes one frame per slice of the clip; -frames:v stops when there are enough.
            run_ffmpeg(
                [
                    "-i",
                    str(path),
                    "-vf",
                    f"fps={frames / duration:.6f},scale=-2:{HEIGHT}",
                    "-frames:v",
                    str(frames),
                    "-q:v",
                    "5",
                    str(Path(making) / "%02d.jpg"),
                ],
                duration,
                on_progress,
            )
            for index, (_, frame) in enumerate(strip, start=1):
                made = Path(making) / f"{index:02d}.jpg"
                if made.exists():
                    made.replace(frame)
    return [(at, frame) for at, frame in strip if frame.exists()]
