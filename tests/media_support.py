"""What tests of media share: a decoded frame to compare pictures, and the checks a fixed video must pass."""

from __future__ import annotations

import subprocess

import numpy as np
from pymediainfo import MediaInfo

from lib.media import check_video
from lib.media.probe import probe
from lib.novita.rules import MAX_SECONDS
from tests.make_media import FFMPEG


def frame(path, at: float, size=(64, 64)) -> np.ndarray:
    """One decoded frame, upright as a player shows it, shrunk to compare pictures by their content."""
    raw = subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-ss",
            str(at),
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-vf",
            f"scale={size[0]}:{size[1]}",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(size[1], size[0]).astype(float)


def assert_fixed_video(out, orientation: str) -> None:
    report = check_video(out, orientation, keep_original_sound=False)
    assert report.ok, [problem.message for problem in report.problems]
    facts = probe(out)
    assert (facts.format, facts.codec, facts.rotation) == ("mp4", "h264", 0)
    data = out.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat"), "faststart puts the index first"
    # A service may measure the whole file, not the picture: no track may run past the limit.
    longest = max(track.duration for track in MediaInfo.parse(out).tracks if track.duration)
    assert longest <= MAX_SECONDS[orientation] * 1000, f"a track runs {longest} ms"
