"""The service's input rules for the character image and the motion video, checked before anything
is uploaded or paid for.

Each broken rule becomes a `Problem` whose message is a plain sentence naming the rule, the measured
value and the limit, so a page can show it and the simulator can refuse with it as the service would.
The limits themselves live in `lib.novita.rules`; every one is inclusive (exactly 300 px, exactly
1:2.5 and exactly 3 s pass).

    report = check_video(Path("dance.mp4"), "image")
    report.ok, [p.message for p in report.problems]
    # (False, ["The motion video is 12.4 s long; with "As in the image" it can be at most 10 s."])
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from lib.errors import MediaUnreadable
from lib.files.digest import content_digest, forget_digests
from lib.files.sizes import file_size
from lib.media.probe import ImageFacts, MediaFacts, VideoFacts, probe
from lib.novita.rules import (
    DEFAULT_MODEL,
    IMAGE_FORMATS,
    ORIENTATIONS,
    VIDEO_FORMATS,
    Model,
    Orientation,
    aspect_ok,
)

# Not a service rule: above this Pillow (and most decoders) cannot open an image without gigabytes
# of memory, so such a file is refused from its header instead of being decoded.
MAX_PIXELS = 80_000_000
CACHE_SIZE = 256


class Code(StrEnum):
    """What kind of rule a problem breaks; compares equal to its plain string ("file_size")."""

    UNREADABLE = "unreadable"
    FORMAT = "format"
    FILE_SIZE = "file_size"
    MIN_SIDE = "min_side"
    ASPECT_RATIO = "aspect_ratio"
    DURATION = "duration"
    NEGATIVE_PROMPT_LENGTH = "negative_prompt_length"
    PROMPT_LENGTH = "prompt_length"
    PROMPT_CHARACTERS = "prompt_characters"


@dataclass(frozen=True)
class Problem:
    """One broken rule: `value` is what was measured, `limit` the bound it crossed."""

    code: Code
    message: str
    value: float | int | str | None = None
    limit: float | int | str | None = None


@dataclass(frozen=True)
class Report:
    """The outcome of a check: `ok` when there are no problems; warnings never block a submission."""

    problems: list[Problem]
    warnings: list[str]
    facts: dict[str, Any]
    ok: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ok", not self.problems)


def check_image(path: Path | str, model: Model = DEFAULT_MODEL) -> Report:
    """Check the character image against `model`'s rules (Kling 2.6 Pro unless told): JPG or PNG, at most
    10 MB, sides of 300 px or more, aspect 1:2.5 to 2.5:1."""
    return _cached(Path(path), ("image", model), _check_image)


def check_video(
    path: Path | str, orientation: str, keep_original_sound: bool = True, model: Model = DEFAULT_MODEL
) -> Report:
    """Check the motion video against `model`'s rules (Kling 2.6 Pro unless told): MP4 or MOV, at most
    10 MB, sides of 300 px or more, aspect 1:2.5 to 2.5:1, and 3 s up to the model's longest for the
    orientation (10 s for "image", 30 s for "video" on every model today).

    Warns when `keep_original_sound` is asked of a silent video, and when a clip too long for
    orientation "image" would be accepted under orientation "video".
    """
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {ORIENTATIONS}, not {orientation!r}")
    return _cached(Path(path), ("video", orientation, keep_original_sound, model), _check_video)


_reports: OrderedDict[tuple, Report] = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every digest and report, e.g. to time a cold check."""
    forget_digests()
    with _lock:
        _reports.clear()


def _cached(path: Path, settings: tuple[Any, ...], check: Callable[..., Report]) -> Report:
    try:
        key = (content_digest(path), *settings)
    except OSError:
        return check(path, *settings[1:])
    with _lock:
        report = _reports.get(key)
    if report is None:
        report = check(path, *settings[1:])
        with _lock:
            _reports[key] = report
            while len(_reports) > CACHE_SIZE:
                _reports.popitem(last=False)
    # Callers may edit the lists they get; the cached report must stay as measured.
    return replace(report, problems=list(report.problems), warnings=list(report.warnings), facts=dict(report.facts))


def _check_image(path: Path, model: Model) -> Report:
    what = "The character image"
    facts, problems = _read(path, what)
    if facts is None:
        return Report(problems, [], {"size_bytes": _size_or_none(path)})
    report_facts = asdict(facts)
    wrong_kind = f"a video ({facts.format.upper()})" if facts.has_video else "sound with no picture"
    problems += _format_rule(facts, what, facts.is_image, wrong_kind, IMAGE_FORMATS, "a JPG or PNG image")
    if not isinstance(facts, ImageFacts):
        return Report(problems, [], report_facts)
    pixels = facts.width * facts.height
    if pixels > MAX_PIXELS:
        problems.append(
            Problem(
                Code.UNREADABLE,
                f"{what} is {facts.width} x {facts.height} px ({pixels / 1e6:,.0f} megapixels), too large to open "
                f"safely; it can have at most {MAX_PIXELS / 1e6:.0f} megapixels.",
                pixels,
                MAX_PIXELS,
            )
        )
    problems += _common_rules(facts, what, model)
    return Report(problems, [], report_facts)


def _check_video(path: Path, orientation: str, keep_original_sound: bool, model: Model) -> Report:
    what = "The motion video"
    facts, problems = _read(path, what)
    if facts is None:
        return Report(problems, [], {"size_bytes": _size_or_none(path)})
    report_facts = asdict(facts)
    wrong_kind = f"an image ({facts.format.upper()})" if facts.is_image else "sound with no picture"
    problems += _format_rule(facts, what, facts.has_video, wrong_kind, VIDEO_FORMATS, "an MP4 or MOV video")
    if not isinstance(facts, VideoFacts):
        return Report(problems, [], report_facts)
    problems += _common_rules(facts, what, model)
    warnings: list[str] = []
    longest, shortest = model.max_video_seconds(orientation), model.min_seconds
    in_model = "" if model is DEFAULT_MODEL else f" (Model: {model.label})"
    if facts.duration is None:
        problems.append(
            Problem(
                Code.DURATION,
                f"{what} does not say how long it is; it must be {shortest:g} to {longest:g} s long{in_model}.",
            )
        )
    elif facts.duration < shortest:
        problems.append(
            Problem(
                Code.DURATION,
                f"{what} is {_seconds(facts.duration, shortest)} long; it must be at least {shortest:g} s{in_model}.",
                facts.duration,
                shortest,
            )
        )
    elif facts.duration > longest:
        problems.append(
            Problem(
                Code.DURATION,
                f'{what} is {_seconds(facts.duration, longest)} long; with "{Orientation(orientation).label}" '
                f"it can be at most {longest:g} s{in_model}.",
                facts.duration,
                longest,
            )
        )
        if facts.duration <= model.max_video_seconds("video"):
            # "Accepted as it is" only when the length is all that fails: a clip too big stays too big.
            taken = "clip is accepted as it is" if len(problems) == 1 else "clip's length is accepted"
            warnings.append(
                f'With "As in the motion video" this {_seconds(facts.duration, longest)} {taken} '
                f"(up to {model.max_video_seconds('video'):g} s); the character then faces as in the video."
            )
    if keep_original_sound and not facts.has_audio:
        warnings.append("The motion video has no sound, so keeping the original sound will give a silent result.")
    return Report(problems, warnings, report_facts)


def _read(path: Path, what: str) -> tuple[MediaFacts | None, list[Problem]]:
    try:
        return probe(path), []
    except MediaUnreadable as error:
        return None, [Problem(Code.UNREADABLE, f"{what} could not be read: {error.detail}.")]


def _format_rule(
    facts: MediaFacts, what: str, right_kind: bool, wrong_kind: str, allowed: tuple[str, ...], wanted: str
) -> list[Problem]:
    """First the right kind of media (an image, a video), then an allowed format, judged by content."""
    if not right_kind:
        message = f"{what} is {wrong_kind}; it must be {wanted}."
    elif facts.format not in allowed:
        message = (
            f"{what} is in {facts.format.upper()} format, judged by its content, not its name; it must be {wanted}."
        )
    else:
        return []
    return [Problem(Code.FORMAT, message, facts.format, ", ".join(allowed))]


def _common_rules(facts: ImageFacts | VideoFacts, what: str, model: Model) -> list[Problem]:
    """The rules images and videos share: file size, shortest side and aspect ratio."""
    problems: list[Problem] = []
    max_bytes, min_side, max_aspect = model.max_bytes, model.min_side, model.max_aspect
    if facts.size_bytes > max_bytes:
        problems.append(
            Problem(
                Code.FILE_SIZE,
                f"{what} is {_megabytes(facts.size_bytes, max_bytes)}; it can be at most "
                f"{_megabytes(max_bytes, max_bytes)}.",
                facts.size_bytes,
                max_bytes,
            )
        )
    width, height = facts.width, facts.height
    size = f"{width} x {height} px"
    if min(width, height) < min_side:
        problems.append(
            Problem(
                Code.MIN_SIDE,
                f"{what} is {size}; its width and height must each be at least {min_side} px.",
                min(width, height),
                min_side,
            )
        )
    if not aspect_ok(width, height, max_aspect):
        wide = width > height
        ratio = f"{width / height:.2f}:1" if wide else f"1:{height / width:.2f}"
        problems.append(
            Problem(
                Code.ASPECT_RATIO,
                f"{what} is {size}, an aspect ratio of {ratio}; it must be between 1:{max_aspect:g} "
                f"and {max_aspect:g}:1.",
                round(width / height, 4),
                max_aspect if wide else round(1 / max_aspect, 4),
            )
        )
    return problems


def _megabytes(size: int, cap: int) -> str:
    """'12.4 MB', with the exact bytes when one decimal would hide how close the size is to the cap."""
    text = file_size(size)
    return f"{text} ({size:,} bytes)" if text == file_size(cap) else text


def _seconds(duration: float, limit: float) -> str:
    """'12.4 s', with milliseconds when one decimal would round onto the limit (10.04 s is not 10.0 s)."""
    return f"{duration:.1f} s" if round(duration, 1) != limit else f"{duration:.3f} s"


def _size_or_none(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
