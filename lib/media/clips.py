"""Writing a moviepy clip as a web-ready MP4: H.264 and AAC, playable while it downloads, written atomically."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from lib.files.atomic import atomic_write


def write_mp4(clip: Any, out: Path, fps: int, preset: str) -> Path:
    """Write `clip` (a moviepy clip) to `out` and return it; `preset` is x264's speed for quality trade."""
    # moviepy writes the sound to a file of its own first: a folder per write keeps writers apart.
    with atomic_write(out) as partial, tempfile.TemporaryDirectory(dir=out.parent) as sound_dir:
        clip.write_videofile(
            str(partial),
            fps=fps,
            codec="libx264",
            audio_codec="aac",
            preset=preset,
            ffmpeg_params=["-movflags", "+faststart", "-pix_fmt", "yuv420p"],
            temp_audiofile_path=sound_dir,
            logger=None,
        )
    return out
