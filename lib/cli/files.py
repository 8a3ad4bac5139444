"""`fix`: a file made to pass the service's rules, and what `check` shares with it: which file, what kind.

These import only the media code, not the job store, so a script that checks a folder of files
pays a fraction of a second per file to start.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lib.cli.output import OK, FixView, Out, Refused
from lib.errors import LinkNotWeb, MediaUnreadable
from lib.media import check_image, check_video, fix_image, fix_video, probe
from lib.media.preflight import Code, Problem, Report
from lib.novita.rules import Model, model_for

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
VIDEO_SUFFIXES = (".mp4", ".mov")
TAKES = "check and fix take a character image (JPG or PNG) or a motion video (MP4 or MOV)"


def local_file(given: str) -> Path:
    """The file a user named, or a plain refusal when there is none (a link that is not http(s) included)."""
    path = Path(given).expanduser()
    if path.is_file():
        return path
    if "://" in given:
        raise LinkNotWeb(given.split("://", 1)[0] + "://")
    raise Refused(f"There is no file at {given}.")


def media_kind(path: Path) -> str | None:
    """ "image" or "video" by what the file holds, by its name when it cannot be read; None for neither."""
    try:
        facts = probe(path)
    except MediaUnreadable:
        suffix = path.suffix.lower()
        return "image" if suffix in IMAGE_SUFFIXES else "video" if suffix in VIDEO_SUFFIXES else None
    return "image" if facts.is_image else "video" if facts.has_video else None


def fix(args: argparse.Namespace, out: Out) -> int:
    """Make a file that passes every rule, in this process, with its progress on stderr."""
    path = local_file(args.file)
    kind = media_kind(path)
    if kind is None:
        raise Refused(f"{path} is neither an image nor a video, so it cannot be fixed; {TAKES}.")
    shown = -1

    def on_progress(fraction: float) -> None:
        nonlocal shown
        percent = int(fraction * 100)
        if percent != shown:
            shown = percent
            out.progress(f"Fixing {path.name}… {percent}%")

    out_dir = Path(args.out).expanduser()
    if kind == "image":
        fixed = fix_image(path, out_dir, on_progress=on_progress, model=model_for(args.model))
    else:
        fixed = fix_video(path, out_dir, args.orientation, on_progress=on_progress, model=model_for(args.model))
    out.done()
    changed = fixed != path
    if not changed:
        out.note(f"{path.name} already passes every rule, so it is left as it is.")
    out.answer(FixView(str(fixed), changed))
    return OK


def rules_report(path: Path, kind: str | None, orientation: str, model: Model) -> Report:
    """The file checked against `model`'s rules as what it holds; a plain refusal for neither an image nor a video."""
    if kind == "image":
        return check_image(path, model)
    if kind == "video":
        return check_video(path, orientation, model=model)
    try:
        facts = probe(path)
    except MediaUnreadable as error:
        message = f"{path.name} is neither an image nor a video that can be read ({error.detail}); {TAKES}."
        return Report([Problem(Code.UNREADABLE, message)], [], {"size_bytes": path.stat().st_size})
    message = f"{path.name} has sound but no picture: it is neither an image nor a video; {TAKES}."
    return Report([Problem(Code.FORMAT, message, facts.format)], [], {"format": facts.format})
