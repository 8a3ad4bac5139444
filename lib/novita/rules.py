"""The service's documented input rules for Kling V2.6 Pro Motion Control: the one home of every limit.

Preflight, its checklist, the one-click fixes, the client and the simulator all read these values,
so a rule changes in one place. Source: `shared/reference/novita-kling-motion-control.md`.
Every limit is inclusive: exactly 300 px, exactly 1:2.5 and exactly 3 s pass.
"""

from __future__ import annotations

from enum import Enum
from fractions import Fraction

# "At most 10 MB" read strictly, in decimal megabytes: a file that fits 10,000,000 bytes fits either way
# the service may count, and every size the app shows is in these same megabytes.
MB = 1_000_000
MAX_BYTES = 10 * MB  # each input file, image and video alike
MIN_SIDE = 300  # px, width and height alike
MAX_ASPECT = 2.5  # 1:2.5 to 2.5:1, width to height
MIN_SECONDS = 3.0
MAX_NEGATIVE_PROMPT = 2500  # characters
IMAGE_FORMATS = ("jpeg", "png")
VIDEO_FORMATS = ("mp4", "mov")


class Orientation(Enum):
    """Which way the character faces: as in the image (video up to 10 s) or as in the video (30 s)."""

    IMAGE = "image"
    VIDEO = "video"

    @property
    def max_video_seconds(self) -> float:
        return MAX_SECONDS[self.value]

    @property
    def label(self) -> str:
        """The words of the control that chooses it."""
        return "As in the image" if self is Orientation.IMAGE else "As in the motion video"


MAX_SECONDS = {"image": 10.0, "video": 30.0}  # longest motion video, by character orientation
ORIENTATIONS = tuple(MAX_SECONDS)


def aspect_ok(width: int, height: int) -> bool:
    """Whether width:height is within 1:2.5 to 2.5:1, in exact integer arithmetic (750 x 300 passes)."""
    ratio = Fraction(MAX_ASPECT)  # exactly 5/2
    return (
        width * ratio.denominator <= height * ratio.numerator and height * ratio.denominator <= width * ratio.numerator
    )
