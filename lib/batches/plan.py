"""Planning a batch: every file checked and its cost estimated, a spending cap applied, before anything
is recorded.

plan = plan_batch(["ana.png", "ben.png"], ["dance.mp4"], Orientation.IMAGE, model, price_per_second=0.14)
plan.total_cost  # 2 cells x billed seconds x price, e.g. 0.98
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lib.errors import BatchChanged, BatchEmpty, BatchInputUnusable, BatchOverCap, BatchTooLarge
from lib.history.filters import counted
from lib.media import check_image, check_prompts, check_video
from lib.media.preflight import Code, Report
from lib.money.estimate import estimate_cost
from lib.novita.rules import Model, Orientation

MAX_SIDE = 10


@dataclass(frozen=True)
class PlannedFile:
    """One input of a batch as checked: `problems` are the broken rules a fix will mend."""

    path: str
    kind: str  # "image" or "video"
    problems: tuple[str, ...]
    billed_seconds: float | None = None  # videos only: the most seconds of output a cell may be billed
    name: str = ""  # what the person calls it: the uploaded file's or the library item's name

    @property
    def needs_fix(self) -> bool:
        return bool(self.problems)

    @property
    def to_fix(self) -> str:
        """'To fix: dance.mp4: The motion video is 11.0 s long… It is 240 x 180…': each problem its own sentence."""
        return f"To fix: {self.name or Path(self.path).name}: {' '.join(self.problems)}"


@dataclass(frozen=True)
class PlannedCell:
    row: int  # the character's place
    col: int  # the motion video's place
    image: str
    video: str
    cost: float
    image_name: str = ""
    video_name: str = ""


@dataclass(frozen=True)
class BatchPlan:
    """What a batch will do and cost, before anything is recorded or sent."""

    images: tuple[PlannedFile, ...]
    videos: tuple[PlannedFile, ...]
    cells: tuple[PlannedCell, ...]
    orientation: Orientation
    model: Model
    price_per_second: float
    prompt: str = ""
    negative_prompt: str = ""
    keep_original_sound: bool = True
    max_cost: float | None = None

    @property
    def total_cost(self) -> float:
        return round(sum(cell.cost for cell in self.cells), 2)

    @property
    def files_to_fix(self) -> tuple[PlannedFile, ...]:
        return tuple(file for file in self.images + self.videos if file.needs_fix)

    def content_hash(self) -> str:
        """Identifies the files (kept by their content), every setting and the model: equal hashes ask for the
        same batch."""
        parts = [
            [file.path for file in self.images],
            [file.path for file in self.videos],
            self.orientation.value,
            self.model.word,
            self.prompt,
            self.negative_prompt,
            self.keep_original_sound,
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def files(self, kind: str) -> dict[str, str]:
        """The paths of the `kind` ("image" or "video") files, each with its name, as `plan_batch` takes them."""
        return {file.path: file.name for file in (self.images if kind == "image" else self.videos)}

    def as_pressed(self, pressed: BatchPlan) -> BatchPlan:
        """What Send sends: `pressed`, planned from the controls as they stood at the press, as long as it is
        the batch and cost shown with the button. Words typed just before the press reach the app with it,
        after the button (and this plan) was drawn, so they are never lost; a change of files, model or way
        that would change the cost raises `BatchChanged`, and nothing is sent."""
        if (pressed.cells, pressed.model, pressed.orientation) != (self.cells, self.model, self.orientation):
            raise BatchChanged(f"it was about ${self.total_cost:.2f}, and is now about ${pressed.total_cost:.2f}")
        return pressed

    def summary(self) -> str:
        """'2 characters x 1 motion video = 2 jobs, about $0.98 in all (5.0 s billed at $0.14/s each, at most).'"""
        rows, cols = len(self.images), len(self.videos)
        words = (
            f"{counted(rows, 'character')} x {counted(cols, 'motion video')} = {counted(len(self.cells), 'job')}, "
            f"about ${self.total_cost:.2f} in all on {self.model.label} "
            f"(${self.price_per_second:.2f} per second of output)."
        )
        if self.files_to_fix:
            words += f" {counted(len(self.files_to_fix), 'file')} will be fixed first, on the worker."
        return words


def plan_batch(
    images: Sequence[Path | str],
    videos: Sequence[Path | str],
    orientation: Orientation,
    model: Model,
    price_per_second: float,
    *,
    prompt: str = "",
    negative_prompt: str = "",
    keep_original_sound: bool = True,
    max_cost: float | None = None,
    names: Mapping[str, str] | None = None,
) -> BatchPlan:
    """Check every file and estimate the batch's cost; raise when it cannot or must not be sent.

    `names` gives a file (by its path) the name the person knows it by, as the grid shows it; a file
    without one is named by its own file name.

    Each cell costs its motion video's billed seconds (after a fix: trimmed to the model's longest, or
    lengthened to its shortest) times the price. Raises `BatchEmpty`, `BatchTooLarge`,
    `BatchInputUnusable` (a file no fix can mend, or a prompt that breaks a rule) or `BatchOverCap`.
    """
    if not images or not videos:
        raise BatchEmpty()
    if len(images) > MAX_SIDE or len(videos) > MAX_SIDE:
        raise BatchTooLarge(MAX_SIDE, f"this one has {len(images)} characters and {len(videos)} motion videos")
    prompt_report = check_prompts(prompt, negative_prompt, model)
    if not prompt_report.ok:
        raise BatchInputUnusable("; ".join(problem.message for problem in prompt_report.problems))
    named = dict(names or {})
    planned_images = tuple(_planned(str(path), "image", check_image(path, model), named) for path in _unique(images))
    planned_videos = tuple(
        _planned(
            str(path),
            "video",
            check_video(path, orientation.value, keep_original_sound, model),
            named,
            model,
            orientation,
        )
        for path in _unique(videos)
    )
    cells = tuple(
        PlannedCell(
            row,
            col,
            image.path,
            video.path,
            estimate_cost(video.billed_seconds, price_per_second) or 0.0,
            image.name,
            video.name,
        )
        for row, image in enumerate(planned_images)
        for col, video in enumerate(planned_videos)
    )
    plan = BatchPlan(
        planned_images,
        planned_videos,
        cells,
        orientation,
        model,
        price_per_second,
        prompt,
        negative_prompt,
        keep_original_sound,
        max_cost,
    )
    if max_cost is not None and plan.total_cost > max_cost:
        raise BatchOverCap(f"about ${plan.total_cost:.2f} against a cap of ${max_cost:.2f}")
    return plan


def _unique(paths: Sequence[Path | str]) -> list[Path | str]:
    """The same file given twice is one row (or column): it would make the same jobs twice."""
    seen: dict[str, Path | str] = {}
    for path in paths:
        seen.setdefault(str(Path(path).resolve()), path)
    return list(seen.values())


def _planned(
    path: str,
    kind: str,
    report: Report,
    names: Mapping[str, str],
    model: Model | None = None,
    orientation: Orientation | None = None,
) -> PlannedFile:
    name = names.get(path) or Path(path).name
    unreadable = [problem for problem in report.problems if problem.code is Code.UNREADABLE]
    if unreadable:
        raise BatchInputUnusable(f"{name}: {unreadable[0].message}")
    seconds = None
    if model is not None and orientation is not None:
        duration = max(float(report.facts.get("duration") or 0.0), model.min_seconds)
        seconds = model.billed_seconds(duration, orientation)
    return PlannedFile(path, kind, tuple(problem.message for problem in report.problems), seconds, name)
