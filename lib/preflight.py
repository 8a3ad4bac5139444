"""The service's input rules, checked before anything is uploaded or paid for.

Each broken rule becomes a `Problem` whose message is a plain sentence naming the rule, the measured
value and the limit, so a page can show it and the simulator can refuse with it as the service would.
Limits are inclusive: exactly 300 px, exactly 1:2.5 and exactly 3 s pass.

    >>> report = check_video(Path("dance.mp4"), "image")
    >>> report.ok, [p.message for p in report.problems]
    (False, ["The motion video is 12.4 s long; with orientation 'image' it can be at most 10 s."])
"""
from __future__ import annotations

import hashlib
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from lib.errors import MediaUnreadable
from lib.probe import MediaFacts, probe

MB = 1024 * 1024
MAX_BYTES = 10 * MB
MIN_SIDE = 300
MAX_ASPECT = 2.5
MIN_SECONDS = 3.0
MAX_SECONDS = {"image": 10.0, "video": 30.0}
MAX_NEGATIVE_PROMPT = 2500
# Line breaks and tabs are text; every other control character (and a lone UTF-16 surrogate, which
# is no character at all) is invisible in a text box and would reach the service as garbage.
PROMPT_WHITESPACE = frozenset("\n\r\t")
CONTROL_NAMES = {0x00: "NUL", 0x07: "bell", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed",
                 0x1B: "escape", 0x7F: "delete"}
SHOWN_CHARACTERS = 3
# Not a service rule: above this Pillow (and most decoders) cannot open an image without gigabytes
# of memory, so such a file is refused from its header instead of being decoded.
MAX_PIXELS = 80_000_000
IMAGE_FORMATS = ("jpeg", "png")
VIDEO_FORMATS = ("mp4", "mov")
ORIENTATIONS = tuple(MAX_SECONDS)


class Code(StrEnum):
    """What kind of rule a problem breaks; compares equal to its plain string ("file_size")."""

    UNREADABLE = "unreadable"
    FORMAT = "format"
    FILE_SIZE = "file_size"
    MIN_SIDE = "min_side"
    ASPECT_RATIO = "aspect_ratio"
    DURATION = "duration"
    NEGATIVE_PROMPT_LENGTH = "negative_prompt_length"
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
    facts: dict
    ok: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ok", not self.problems)


def check_image(path: Path | str) -> Report:
    """Check the character image: JPG or PNG, at most 10 MB, sides of 300 px or more, aspect 1:2.5 to 2.5:1."""
    return _cached(Path(path), ("image",), _check_image)


def check_video(path: Path | str, orientation: str, keep_original_sound: bool = True) -> Report:
    """Check the motion video: MP4 or MOV, at most 10 MB, sides of 300 px or more, aspect 1:2.5 to 2.5:1,
    and 3 s up to 10 s (orientation "image") or 30 s (orientation "video").

    Warns when `keep_original_sound` is asked of a silent video, and when a clip too long for
    orientation "image" would be accepted under orientation "video".
    """
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {ORIENTATIONS}, not {orientation!r}")
    return _cached(Path(path), ("video", orientation, keep_original_sound), _check_video)


def check_prompts(prompt: str | None, negative_prompt: str | None) -> Report:
    """Check the prompts: the negative prompt can have at most 2,500 characters, and neither may hold
    control characters.

    Any Unicode text is fine (emoji, right-to-left scripts, CJK, combining accents, zero-width joiners),
    and so are new lines and tabs. Characters are counted as Python counts them, in code points: an
    emoji with a skin tone or a letter with a separate combining accent counts as two. Control
    characters (NUL, escape, backspace, U+0080-U+009F...) and lone surrogates are a problem, not
    silently removed: each is named with its position, since a text box does not show them.

        >>> [p.message for p in check_prompts("a dancer\x00", "").problems]
        ['The prompt contains an invisible control character (U+0000 NUL at character 9); delete it or retype the text around it. New lines and tabs are fine.']
    """
    prompt, negative_prompt = prompt or "", negative_prompt or ""
    problems = _control_characters(prompt, "The prompt") + _control_characters(negative_prompt, "The negative prompt")
    if len(negative_prompt) > MAX_NEGATIVE_PROMPT:
        problems.append(Problem(
            Code.NEGATIVE_PROMPT_LENGTH,
            f"The negative prompt is {len(negative_prompt):,} characters long; "
            f"it can be at most {MAX_NEGATIVE_PROMPT:,}.",
            len(negative_prompt), MAX_NEGATIVE_PROMPT,
        ))
    return Report(problems, [], {"prompt_length": len(prompt), "negative_prompt_length": len(negative_prompt)})


def _control_characters(text: str, what: str) -> list[Problem]:
    found = [(position, char) for position, char in enumerate(text, start=1)
             if char not in PROMPT_WHITESPACE and unicodedata.category(char) in ("Cc", "Cs")]
    if not found:
        return []
    shown = ", ".join(f"{_character_name(char)} at character {position}" for position, char in found[:SHOWN_CHARACTERS])
    if len(found) > SHOWN_CHARACTERS:
        shown += f", and {len(found) - SHOWN_CHARACTERS:,} more"
    count = "an invisible control character" if len(found) == 1 else f"{len(found):,} invisible control characters"
    pronoun = "it" if len(found) == 1 else "them"
    return [Problem(
        Code.PROMPT_CHARACTERS,
        f"{what} contains {count} ({shown}); delete {pronoun} or retype the text around {pronoun}. "
        "New lines and tabs are fine.",
        len(found), 0,
    )]


def _character_name(char: str) -> str:
    """'U+0000 NUL', 'U+D800 (not a character)', 'U+0085'."""
    code = ord(char)
    if unicodedata.category(char) == "Cs":
        return f"U+{code:04X} (not a character)"
    return f"U+{code:04X} {CONTROL_NAMES[code]}" if code in CONTROL_NAMES else f"U+{code:04X}"


_digests: OrderedDict[tuple, str] = OrderedDict()
_reports: OrderedDict[tuple, Report] = OrderedDict()
_lock = threading.Lock()
CACHE_SIZE = 256


def content_digest(path: Path) -> str:
    """SHA-256 of the file's bytes, remembered per path, size and modification time so an unchanged
    file is hashed once."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    with _lock:
        if key in _digests:
            return _digests[key]
    with path.open("rb") as file:
        digest = hashlib.file_digest(file, "sha256").hexdigest()
    _remember(_digests, key, digest)
    return digest


def clear_cache() -> None:
    """Forget every digest and report, e.g. to time a cold check."""
    with _lock:
        _digests.clear()
        _reports.clear()


def _cached(path: Path, settings: tuple, check) -> Report:
    try:
        key = (content_digest(path), *settings)
    except OSError:
        return check(path, *settings[1:])
    with _lock:
        report = _reports.get(key)
    if report is None:
        report = _remember(_reports, key, check(path, *settings[1:]))
    # Callers may edit the lists they get; the cached report must stay as measured.
    return replace(report, problems=list(report.problems), warnings=list(report.warnings), facts=dict(report.facts))


def _remember(cache: OrderedDict, key: tuple, value):
    with _lock:
        cache[key] = value
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return value


def _check_image(path: Path) -> Report:
    what = "The character image"
    facts, problems = _read(path, what)
    if facts is None:
        return Report(problems, [], {"size_bytes": _size_or_none(path)})
    report_facts = {"format": facts.format, "size_bytes": facts.size_bytes, "width": facts.width, "height": facts.height}
    wrong_kind = f"a video ({facts.format.upper()})" if facts.has_video else "sound with no picture"
    problems += _format_rule(facts, what, facts.is_image, wrong_kind, IMAGE_FORMATS, "a JPG or PNG image")
    if not facts.is_image:
        return Report(problems, [], report_facts)
    pixels = facts.width * facts.height
    if pixels > MAX_PIXELS:
        problems.append(Problem(
            Code.UNREADABLE,
            f"{what} is {facts.width} x {facts.height} px ({pixels / 1e6:,.0f} megapixels), too large to open "
            f"safely; it can have at most {MAX_PIXELS / 1e6:.0f} megapixels.",
            pixels, MAX_PIXELS,
        ))
    problems += _common_rules(facts, what)
    return Report(problems, [], report_facts)


def _check_video(path: Path, orientation: str, keep_original_sound: bool) -> Report:
    what = "The motion video"
    facts, problems = _read(path, what)
    if facts is None:
        return Report(problems, [], {"size_bytes": _size_or_none(path)})
    report_facts = {
        "format": facts.format, "size_bytes": facts.size_bytes, "width": facts.width, "height": facts.height,
        "duration": facts.duration, "fps": facts.fps, "has_audio": facts.has_audio, "codec": facts.codec,
        "rotation": facts.rotation,
    }
    wrong_kind = f"an image ({facts.format.upper()})" if facts.is_image else "sound with no picture"
    problems += _format_rule(facts, what, facts.has_video, wrong_kind, VIDEO_FORMATS, "an MP4 or MOV video")
    if not facts.has_video:
        return Report(problems, [], report_facts)
    problems += _common_rules(facts, what)
    warnings = []
    longest = MAX_SECONDS[orientation]
    if facts.duration is None:
        problems.append(Problem(Code.DURATION, f"{what} does not say how long it is; it must be 3 to {longest:g} s long."))
    elif facts.duration < MIN_SECONDS:
        problems.append(Problem(
            Code.DURATION, f"{what} is {_seconds(facts.duration, MIN_SECONDS)} long; it must be at least {MIN_SECONDS:g} s.",
            facts.duration, MIN_SECONDS,
        ))
    elif facts.duration > longest:
        problems.append(Problem(
            Code.DURATION, f"{what} is {_seconds(facts.duration, longest)} long; with orientation '{orientation}' "
            f"it can be at most {longest:g} s.", facts.duration, longest,
        ))
        if facts.duration <= MAX_SECONDS["video"]:
            warnings.append(
                f"With character orientation 'video' this {_seconds(facts.duration, longest)} clip is accepted as it is "
                f"(up to {MAX_SECONDS['video']:g} s); the character then faces as in the video."
            )
    if keep_original_sound and not facts.has_audio:
        warnings.append("The motion video has no sound, so keeping the original sound will give a silent result.")
    return Report(problems, warnings, report_facts)


def _read(path: Path, what: str) -> tuple[MediaFacts | None, list[Problem]]:
    try:
        return probe(path), []
    except MediaUnreadable as error:
        return None, [Problem(Code.UNREADABLE, f"{what} could not be read: {error.detail}.")]


def _format_rule(facts: MediaFacts, what: str, right_kind: bool, wrong_kind: str, allowed: tuple[str, ...],
                 wanted: str) -> list[Problem]:
    """First the right kind of media (an image, a video), then an allowed format, judged by content."""
    if not right_kind:
        message = f"{what} is {wrong_kind}; it must be {wanted}."
    elif facts.format not in allowed:
        message = f"{what} is in {facts.format.upper()} format, judged by its content, not its name; it must be {wanted}."
    else:
        return []
    return [Problem(Code.FORMAT, message, facts.format, ", ".join(allowed))]


def _common_rules(facts: MediaFacts, what: str) -> list[Problem]:
    """The rules images and videos share: file size, shortest side and aspect ratio."""
    problems = []
    if facts.size_bytes > MAX_BYTES:
        problems.append(Problem(
            Code.FILE_SIZE, f"{what} is {_megabytes(facts.size_bytes)}; it can be at most {_megabytes(MAX_BYTES)}.",
            facts.size_bytes, MAX_BYTES,
        ))
    width, height = facts.width, facts.height
    size = f"{width} x {height} px"
    if min(width, height) < MIN_SIDE:
        problems.append(Problem(
            Code.MIN_SIDE, f"{what} is {size}; its width and height must each be at least {MIN_SIDE} px.",
            min(width, height), MIN_SIDE,
        ))
    # Integer cross-multiplication keeps the limits exact: 750 x 300 is 2.5:1 and passes.
    if 2 * width > 5 * height or 2 * height > 5 * width:
        wide = width > height
        ratio = f"{width / height:.2f}:1" if wide else f"1:{height / width:.2f}"
        problems.append(Problem(
            Code.ASPECT_RATIO, f"{what} is {size}, an aspect ratio of {ratio}; it must be between 1:{MAX_ASPECT:g} "
            f"and {MAX_ASPECT:g}:1.", round(width / height, 4), MAX_ASPECT if wide else round(1 / MAX_ASPECT, 4),
        ))
    return problems


def _megabytes(size: int) -> str:
    """'12.4 MB', with the exact bytes when one decimal would hide how close the size is to the cap."""
    text = f"{size / MB:.1f} MB"
    return f"{text} ({size:,} bytes)" if round(size / MB, 1) == MAX_BYTES / MB else text


def _seconds(duration: float, limit: float) -> str:
    """'12.4 s', with milliseconds when one decimal would round onto the limit (10.04 s is not 10.0 s)."""
    return f"{duration:.1f} s" if round(duration, 1) != limit else f"{duration:.3f} s"


def _size_or_none(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
