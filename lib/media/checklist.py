"""A preflight report as a checklist: every rule, passed or not, with the measured value and the limit."""

from __future__ import annotations

from dataclasses import dataclass

from lib.files.sizes import file_size
from lib.media.preflight import Code, Report
from lib.novita.rules import DEFAULT_MODEL, IMAGE_FORMATS, VIDEO_FORMATS, Model


@dataclass(frozen=True)
class Check:
    rule: str
    passed: bool
    measured: str
    limit: str
    message: str = ""


def checklist(report: Report, orientation: str | None = None, model: Model = DEFAULT_MODEL) -> list[Check]:
    """One row per rule of `model` (Kling 2.6 Pro unless told); a video report (`orientation` given) adds
    its length rule."""
    failed = {problem.code: problem.message for problem in report.problems}
    if Code.UNREADABLE in failed:
        return [Check("Readable file", False, "not readable", "an image or a video", failed[Code.UNREADABLE])]
    facts = report.facts
    width, height = facts.get("width") or 0, facts.get("height") or 0
    formats = VIDEO_FORMATS if orientation else IMAGE_FORMATS
    rows = [
        (Code.FORMAT, "Format", str(facts.get("format", "?")).upper(), " or ".join(f.upper() for f in formats)),
        (Code.FILE_SIZE, "File size", file_size(facts.get("size_bytes", 0)), f"at most {file_size(model.max_bytes)}"),
        (Code.MIN_SIDE, "Smallest side", f"{min(width, height)} px", f"at least {model.min_side} px"),
        (
            Code.ASPECT_RATIO,
            "Shape",
            f"{width}×{height} ({_ratio(width, height)})",
            f"between 1:{model.max_aspect:g} and {model.max_aspect:g}:1",
        ),
    ]
    if orientation:
        rows.append(
            (
                Code.DURATION,
                "Length",
                f"{facts.get('duration') or 0:.1f} s",
                f"{model.min_seconds:g} s to {model.max_video_seconds(orientation):g} s",
            )
        )
    return [
        Check(rule, code not in failed, measured, limit, failed.get(code, "")) for code, rule, measured, limit in rows
    ]


def _ratio(width: int, height: int) -> str:
    if not width or not height:
        return "?"
    return f"{width / height:.2f}:1" if width >= height else f"1:{height / width:.2f}"
