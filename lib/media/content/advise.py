"""Advice on the content of a character image, a motion video and the two together.

Each analysis is kept as JSON beside its stills in a cache folder, under the file's content hash, so
a second check of the same file reads its answer instead of decoding again.

    advise_video(Path("dance.mp4"), cache)   # [Advice(code=AdviceCode.CUT, message="The clip cuts at 0:04...", ...)]
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from lib.config import Settings
from lib.errors import MotionStudioError
from lib.files.atomic import atomic_write
from lib.files.digest import content_digest
from lib.media.content.advice import Advice, AdviceCode, Finding, Shot
from lib.media.content.exposure import exposure_advice
from lib.media.content.frames import Frames, read_image, sample_video, write_still
from lib.media.content.motion import black_and_frozen_ends, camera_motion, movement
from lib.media.content.people import (
    IMAGE_SEARCH_SIDE,
    Framing,
    clip_people,
    find_people,
    framing_mismatch,
    people_advice,
)
from lib.media.content.shots import find_cuts, longest_shot
from lib.media.fix_plan import clock

VERSION = 3  # bump when the analysis changes, so older cached answers are not reused


@dataclass(frozen=True)
class ContentReport:
    """What one file's content shows: its advice, the framing seen (None when unsure) and the still of the
    person it was judged on, and for a clip with cuts the longest shot, the stretch worth keeping."""

    advice: list[Advice]
    framing: Framing | None = None
    people_frame: str | None = None
    keep: Shot | None = None


def advise_image(path: Path, cache: Path) -> ContentReport:
    """Advice on a character image: exposure, sharpness, people and their size."""
    return _cached(path, cache, "image", _image_report)


def advise_video(path: Path, cache: Path) -> ContentReport:
    """Advice on a motion video: cuts, camera motion, stillness or speed, black or frozen ends, people."""
    return _cached(path, cache, "video", _video_report)


def advise_file(path: Path, kind: str | None, settings: Settings) -> ContentReport | None:
    """Advice on an "image" or a "video" as the settings allow: None when CONTENT_ADVICE is off, the file
    is neither, or it cannot be looked at (advice never stands in the way of a check)."""
    if not settings.content_advice or kind not in ("image", "video"):
        return None
    try:
        if kind == "image":
            return advise_image(path, settings.content_cache_dir)
        return advise_video(path, settings.content_cache_dir)
    except MotionStudioError:
        return None


def advise_pair(image: ContentReport, video: ContentReport) -> list[Advice]:
    """Advice on an image and a clip used together: whether they are framed alike."""
    message = framing_mismatch(image.framing, video.framing)
    if message is None:
        return []
    return [Advice(AdviceCode.FRAMING_MISMATCH, message, 0.7, None, video.people_frame)]


def _image_report(path: Path, stem: str) -> ContentReport:
    picture = read_image(path)
    people = find_people(picture, IMAGE_SEARCH_SIDE)
    findings = exposure_advice(picture) + people_advice(people, picture, None, "image")
    people_frame = write_still(picture, Path(f"{stem}-people.jpg")) if people.faces else None
    return ContentReport(_written(findings, stem), people.framing, people_frame)


def _video_report(path: Path, stem: str) -> ContentReport:
    frames = sample_video(path)
    if not frames.pictures:
        return ContentReport([])
    cuts = find_cuts(frames)
    findings = _cut_findings(frames, cuts)
    camera = camera_motion(frames, cuts)
    moves = movement(frames, cuts, camera_moves=bool(camera))
    still = any(finding.code == AdviceCode.STILL for finding in moves)
    findings += camera + moves + black_and_frozen_ends(frames, still_all_through=still)
    seen = clip_people(frames.pictures)
    framing, people_frame = None, None
    if seen:
        people, index = seen
        findings += people_advice(people, frames.pictures[index], frames.times[index], "clip")
        framing = people.framing
        people_frame = write_still(frames.pictures[index], Path(f"{stem}-people.jpg"))
    keep = longest_shot(cuts, frames.duration) if cuts else None
    return ContentReport(_written(findings, stem), framing, people_frame, keep)


def _cut_findings(frames: Frames, cuts: list[float]) -> list[Finding]:
    if not cuts:
        return []
    keep = longest_shot(cuts, frames.duration)
    remedy = f"Keep the longest shot ({clock(keep.start)}–{clock(keep.end)})"
    return [
        Finding(
            AdviceCode.CUT,
            f"The clip cuts to another shot at {clock(at)}. Kling needs one continuous shot, or the take comes "
            f"out truncated or broken. {remedy}.",
            0.9,
            at,
            frames.pictures[frames.times.index(at)],
        )
        for at in cuts
    ]


def _written(findings: list[Finding], stem: str) -> list[Advice]:
    return [
        Advice(
            finding.code,
            finding.message,
            round(finding.confidence, 2),
            finding.at,
            write_still(finding.picture, Path(f"{stem}-{finding.code}-{index}.jpg")),
        )
        for index, finding in enumerate(findings)
    ]


def _cached(path: Path, cache: Path, kind: str, analyse: Callable[[Path, str], ContentReport]) -> ContentReport:
    stem = str(cache / f"{content_digest(path)[:24]}-{kind}-v{VERSION}")
    answer = Path(f"{stem}.json")
    if answer.exists():
        report = _read(answer)
        if all(Path(advice.frame).exists() for advice in report.advice if advice.frame):
            return report
    cache.mkdir(parents=True, exist_ok=True)
    report = analyse(path, stem)
    with atomic_write(answer) as partial:
        partial.write_text(json.dumps(asdict(report)), encoding="utf-8")
    return report


def _read(answer: Path) -> ContentReport:
    saved = json.loads(answer.read_text(encoding="utf-8"))
    return ContentReport(
        [Advice(AdviceCode(item.pop("code")), **item) for item in saved["advice"]],
        Framing(saved["framing"]) if saved["framing"] else None,
        saved["people_frame"],
        Shot(**saved["keep"]) if saved["keep"] else None,
    )
