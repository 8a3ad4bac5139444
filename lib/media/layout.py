"""Where a picture goes when it is brought within the size and aspect rules: scaled, then padded or cropped."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from lib.novita.rules import MAX_ASPECT, MIN_SIDE


class Fit(StrEnum):
    """How a picture outside 1:2.5 to 2.5:1 is brought inside: padded with a solid or blurred fill, or cropped."""

    SOLID = "solid"
    BLUR = "blur"
    CROP = "crop"


@dataclass(frozen=True)
class Layout:
    """Where the picture goes: scaled to `content`, then padded or cropped (centred) to `canvas`."""

    content: tuple[int, int]
    canvas: tuple[int, int]


def layout(width: int, height: int, fit: Fit, even: bool = False, max_long_side: int | None = None) -> Layout:
    """Sizes that bring an upright `width` x `height` picture within every size and aspect rule.

    The canvas is 1:2.5 to 2.5:1 and at least 300 px a side, scaled down only past `max_long_side`;
    `even` rounds to even sizes, which H.264 in 4:2:0 needs.
    """
    ratio = Fraction(MAX_ASPECT)
    box_w, box_h = width, height
    if width > height * ratio:
        box_w, box_h = (width, math.ceil(width / ratio)) if fit != Fit.CROP else (math.floor(height * ratio), height)
    elif height > width * ratio:
        box_w, box_h = (math.ceil(height / ratio), height) if fit != Fit.CROP else (width, math.floor(width * ratio))
    scale = max(1.0, MIN_SIDE / min(box_w, box_h))
    if max_long_side and max(box_w, box_h) * scale > max_long_side:
        scale = max_long_side / max(box_w, box_h)
    step = 2 if even else 1

    def up(value: float) -> int:
        return step * math.ceil(value / step - 1e-9)

    canvas_w, canvas_h = up(box_w * scale), up(box_h * scale)
    content = (step * round(width * scale / step), step * round(height * scale / step))
    if fit == Fit.CROP:
        content = (max(content[0], canvas_w), max(content[1], canvas_h))
    else:
        content = (min(content[0], canvas_w), min(content[1], canvas_h))
    # Rounding a side up can tip an exact 2.5:1 just past the bound: pad (or crop) one more step.
    while canvas_w > canvas_h * ratio:
        canvas_w, canvas_h = (canvas_w - step, canvas_h) if fit == Fit.CROP else (canvas_w, canvas_h + step)
    while canvas_h > canvas_w * ratio:
        canvas_w, canvas_h = (canvas_w, canvas_h - step) if fit == Fit.CROP else (canvas_w + step, canvas_h)
    return Layout(content, (canvas_w, canvas_h))
