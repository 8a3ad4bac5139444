"""What content advice is: a code, a sentence, how sure it is, where in the clip, and the frame that shows it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class AdviceCode(StrEnum):
    """What the advice is about; these words are part of the command line's JSON."""

    CUT = "cut"
    CAMERA_MOTION = "camera_motion"
    SEVERAL_PEOPLE = "several_people"
    SMALL_SUBJECT = "small_subject"
    FRAMING_MISMATCH = "framing_mismatch"
    FAST_MOTION = "fast_motion"
    STILL = "still"
    BLACK_FRAMES = "black_frames"
    DARK = "dark"
    BRIGHT = "bright"
    BLURRED = "blurred"


@dataclass(frozen=True)
class Advice:
    """One thing in the content that may waste a paid take; it never blocks, the person decides.

    `confidence` is 0..1, `at` the second in the clip it shows at (None for an image or the whole
    clip), `frame` the path of a small JPEG still that shows it (None when none could be written).
    """

    code: AdviceCode
    message: str
    confidence: float
    at: float | None
    frame: str | None


@dataclass(frozen=True)
class Shot:
    """A stretch of the clip between two cuts, in seconds: the window a trim keeps."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def trim_start(self, duration: float, shortest: float) -> float | None:
        """The start a trim keeps to leave only this shot, or None when the fix plan's trim cannot:
        it keeps from a start to the clip's end, so only a last shot at least `shortest` s long qualifies."""
        if self.start <= 0 or self.end < duration - 0.05 or self.seconds < shortest:
            return None
        return self.start


@dataclass(frozen=True)
class Finding:
    """Advice before its still is written: the picture that shows it rides along."""

    code: AdviceCode
    message: str
    confidence: float
    at: float | None
    picture: np.ndarray
