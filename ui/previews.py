"""Upload's previews, kept compact: none taller than `PREVIEW_HEIGHT`, so the checks beside and below a
portrait file stay in view on a laptop (1400 x 900) instead of under a 570 px picture."""

from __future__ import annotations

from typing import Any

from lib.media.preflight import Report
from ui.common import video_preview
from ui.media import show_image

PREVIEW_HEIGHT = 300  # px
IMAGE_WIDTH = 320  # px, the widest an image preview is drawn


def preview_width(report: Report, widest: int | None = None) -> int | None:
    """The width in px that draws the checked file `PREVIEW_HEIGHT` px tall (at most `widest`); None when its
    size is unknown."""
    width, height = int(report.facts.get("width") or 0), int(report.facts.get("height") or 0)
    if not width or not height:
        return widest
    fitting = max(1, PREVIEW_HEIGHT * width // height)
    return min(fitting, widest) if widest else fitting


def preview_image(path: str, report: Report, what: str, widest: int = IMAGE_WIDTH) -> None:
    show_image(path, what=what, width=preview_width(report, widest) or widest)


def preview_video(path: str, report: Report, what: str, **options: Any) -> None:
    width = preview_width(report)
    video_preview(path, what=what, **({"width": width} if width else {}), **options)
