"""Content advice on a batch: on each character image and motion video, and on each pair (a cell of the grid)
where the two together have something to say. Each file is looked at once, its answer cached by content.

    found = advise_batch(["ana.png"], ["dance.mp4", "cut.mp4"], settings)
    found.files   # {"cut.mp4": [Advice(code=AdviceCode.CUT, ...)]}
    found.pairs   # {("ana.png", "dance.mp4"): [Advice(code=AdviceCode.FRAMING_MISMATCH, ...)]}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lib.config import Settings
from lib.media.content.advice import Advice
from lib.media.content.advise import advise_file, advise_pair


@dataclass(frozen=True)
class BatchAdvice:
    """Only what has something to say: advice by file path, and by (image, video) pair."""

    files: dict[str, list[Advice]]
    pairs: dict[tuple[str, str], list[Advice]]

    @property
    def count(self) -> int:
        return sum(map(len, self.files.values())) + sum(map(len, self.pairs.values()))


def advise_batch(images: list[str], videos: list[str], settings: Settings) -> BatchAdvice:
    """Advice on every file and every pair of a batch; nothing when CONTENT_ADVICE is off."""
    looks = {path: advise_file(Path(path), "image", settings) for path in images}
    looks |= {path: advise_file(Path(path), "video", settings) for path in videos}
    files = {path: report.advice for path, report in looks.items() if report is not None and report.advice}
    pairs = {}
    for image in images:
        for video in videos:
            seen_image, seen_video = looks[image], looks[video]
            if seen_image is not None and seen_video is not None and (advice := advise_pair(seen_image, seen_video)):
                pairs[image, video] = advice
    return BatchAdvice(files, pairs)
