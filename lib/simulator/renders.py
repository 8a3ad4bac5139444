"""Renders kept by what they were made from.

A render is a function of the character image, the motion video, the sound choice and the longest output
(the prompt plays no part), and costs about a second of CPU. A demo re-run, a batch of one pair and a test
suite repeat the same inputs all the time, so the same inputs again are copied from the earlier render.
The key also holds the render code itself, so a render made by other code is never handed out.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from lib.files.atomic import atomic_write
from lib.files.digest import content_digest


class RenderCache:
    """Earlier renders in `folder`, one MP4 per key; any number of simulators may share one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def key(self, image: Path, video: Path, keep_original_sound: bool, longest: float) -> str:
        from lib.simulator import video as render_code

        parts = [content_digest(path) for path in (render_code.__file__, image, video)]
        return hashlib.sha256(f"{':'.join(parts)}:{keep_original_sound}:{longest}".encode()).hexdigest()

    def copy(self, key: str, out: Path) -> bool:
        """Write the earlier render of `key` to `out`; False when there is none."""
        kept = self.folder / f"{key}.mp4"
        if not kept.is_file():
            return False
        with atomic_write(out) as partial:
            shutil.copyfile(kept, partial)
        return True

    def keep(self, key: str, made: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with atomic_write(self.folder / f"{key}.mp4") as partial:
            shutil.copyfile(made, partial)
