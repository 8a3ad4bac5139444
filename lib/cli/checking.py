"""`check`: a file (or an image and a video together) against the service's rules, with advice on what
their content shows.

Kept apart from `fix`, because looking at content loads OpenCV and PySceneDetect (about a second), which
`fix` need not pay.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from lib.cli.files import TAKES, local_file, media_kind, rules_report
from lib.cli.output import OK, REFUSED, AdviceView, CheckView, Out, PairCheckView, ProblemView, Refused
from lib.config import Settings
from lib.media.content import ContentReport, advise_file, advise_pair
from lib.media.preflight import Code, Report
from lib.novita.rules import model_for


def check(args: argparse.Namespace, out: Out, settings: Settings) -> int:
    """Check a file (or an image and a video together) against the service's rules, with advice on what
    their content shows; exit code 1 when any rule is broken. Advice never changes the exit code."""
    if args.image or args.video:
        if not (args.image and args.video) or args.file:
            raise Refused("Name both --image and --video to check a pair, or one FILE alone.")
        image = _checked(args.image, args.orientation, args.model, settings)
        video = _checked(args.video, args.orientation, args.model, settings)
        advice = _pair_advice(image, video)
        out.answer(PairCheckView(image.view, video.view, image.view.ok and video.view.ok, advice))
        return OK if image.view.ok and video.view.ok else REFUSED
    if not args.file:
        raise Refused(f"Name the file to check; {TAKES}.")
    checked = _checked(args.file, args.orientation, args.model, settings)
    out.answer(checked.view)
    return OK if checked.view.ok else REFUSED


@dataclass(frozen=True)
class _Checked:
    view: CheckView
    content: ContentReport | None


def _checked(given: str, orientation: str, model_word: str, settings: Settings) -> _Checked:
    path = local_file(given)
    kind = media_kind(path)
    model = model_for(model_word)
    report = rules_report(path, kind, orientation, model)
    content = _content(path, kind, report, settings)
    view = CheckView(
        path=str(path),
        kind=kind,
        orientation=orientation,
        ok=report.ok,
        problems=[ProblemView.of(problem) for problem in report.problems],
        warnings=report.warnings,
        facts=report.facts,
        model=model.word,
        advice=[AdviceView.of(advice) for advice in content.advice] if content else [],
    )
    return _Checked(view, content)


def _content(path: Path, kind: str | None, report: Report, settings: Settings) -> ContentReport | None:
    if any(problem.code == Code.UNREADABLE for problem in report.problems):
        return None
    return advise_file(path, kind, settings)


def _pair_advice(image: _Checked, video: _Checked) -> list[AdviceView]:
    if image.view.kind != "image" or video.view.kind != "video" or not (image.content and video.content):
        return []
    return [AdviceView.of(advice) for advice in advise_pair(image.content, video.content)]
