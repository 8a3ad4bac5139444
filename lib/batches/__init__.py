"""Batches: one request over a grid of characters (rows) and motion videos (columns), each cell one job.

A batch is planned (every file checked, its cost estimated, a spending cap applied) before anything is
recorded; once confirmed it is stored with its cells, and a worker fixes what needs fixing and sends
the cells.

plan = plan_batch(["ana.png", "ben.png"], ["dance.mp4"], Orientation.IMAGE, model, price_per_second=0.14)
plan.total_cost  # 2 cells x billed seconds x price, e.g. 0.98
batch = Batches(settings.db_path).create(plan)
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from io import BytesIO
from pathlib import Path
from typing import Any

from lib.errors import BatchEmpty, BatchInputUnusable, BatchOverCap, BatchTooLarge
from lib.history.compare import MAX_PICKS, MIN_PICKS
from lib.history.export import job_folders
from lib.history.gallery import estimate_cost
from lib.jobs.database import Database
from lib.jobs.models import Job, JobStatus, new_job_id, now_iso
from lib.media import check_image, check_prompts, check_video
from lib.media.preflight import Code, Report
from lib.novita.rules import Model, Orientation

MAX_SIDE = 10


class BatchStatus(StrEnum):
    """Where a batch stands: its fixes run on a worker (`fixing`), then its cells are queued (`sent`)."""

    FIXING = "fixing"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class PlannedFile:
    """One input of a batch as checked: `problems` are the broken rules a fix will mend."""

    path: str
    kind: str  # "image" or "video"
    problems: tuple[str, ...]
    billed_seconds: float | None = None  # videos only: the most seconds of output a cell may be billed

    @property
    def needs_fix(self) -> bool:
        return bool(self.problems)


@dataclass(frozen=True)
class PlannedCell:
    row: int  # the character's place
    col: int  # the motion video's place
    image: str
    video: str
    cost: float


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

    def summary(self) -> str:
        """'2 characters x 1 motion video = 2 jobs, about $0.98 in all (5.0 s billed at $0.14/s each, at most).'"""
        rows, cols = len(self.images), len(self.videos)
        words = (
            f"{_count(rows, 'character')} x {_count(cols, 'motion video')} = {_count(len(self.cells), 'job')}, "
            f"about ${self.total_cost:.2f} in all on {self.model.label} "
            f"(${self.price_per_second:.2f} per second of output)."
        )
        if self.files_to_fix:
            words += f" {_count(len(self.files_to_fix), 'file')} will be fixed first, on the worker."
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
) -> BatchPlan:
    """Check every file and estimate the batch's cost; raise when it cannot or must not be sent.

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
    planned_images = tuple(_planned(str(path), "image", check_image(path, model)) for path in _unique(images))
    planned_videos = tuple(
        _planned(
            str(path), "video", check_video(path, orientation.value, keep_original_sound, model), model, orientation
        )
        for path in _unique(videos)
    )
    cells = tuple(
        PlannedCell(row, col, image.path, video.path, estimate_cost(video.billed_seconds, price_per_second) or 0.0)
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
    path: str, kind: str, report: Report, model: Model | None = None, orientation: Orientation | None = None
) -> PlannedFile:
    unreadable = [problem for problem in report.problems if problem.code is Code.UNREADABLE]
    if unreadable:
        raise BatchInputUnusable(f"{Path(path).name}: {unreadable[0].message}")
    seconds = None
    if model is not None and orientation is not None:
        duration = max(float(report.facts.get("duration") or 0.0), model.min_seconds)
        seconds = model.billed_seconds(duration, orientation)
    return PlannedFile(path, kind, tuple(problem.message for problem in report.problems), seconds)


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


# --- the store ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchCell:
    row: int
    col: int
    image_path: str
    video_path: str
    estimated_cost: float
    job_id: str | None = None


@dataclass(frozen=True)
class Batch:
    """A confirmed batch and its cells, rows (characters) then columns (motion videos)."""

    id: str
    status: BatchStatus
    prompt: str
    negative_prompt: str
    character_orientation: str
    keep_original_sound: bool
    model: str
    estimated_cost: float
    max_cost: float | None
    files_to_fix: int
    files_fixed: int
    error: str | None
    created_at: str
    updated_at: str
    cells: tuple[BatchCell, ...] = field(default=())

    @property
    def rows(self) -> int:
        return 1 + max((cell.row for cell in self.cells), default=-1)

    @property
    def cols(self) -> int:
        return 1 + max((cell.col for cell in self.cells), default=-1)

    @property
    def job_ids(self) -> list[str]:
        return [cell.job_id for cell in self.cells if cell.job_id]

    @property
    def images(self) -> list[str]:
        return [cell.image_path for cell in self.cells if cell.col == 0]

    @property
    def videos(self) -> list[str]:
        return [cell.video_path for cell in self.cells if cell.row == 0]


class Batches(Database):
    """Batches and their cells in the store."""

    def create(self, plan: BatchPlan) -> Batch:
        batch_id = new_job_id()
        now = now_iso()
        row = {
            "id": batch_id,
            "status": BatchStatus.FIXING.value,
            "prompt": plan.prompt,
            "negative_prompt": plan.negative_prompt,
            "character_orientation": plan.orientation.value,
            "keep_original_sound": int(plan.keep_original_sound),
            "model": plan.model.word,
            "estimated_cost": plan.total_cost,
            "max_cost": plan.max_cost,
            "files_to_fix": len(plan.files_to_fix),
            "files_fixed": 0,
            "error": None,
            "created_at": now,
            "updated_at": now,
        }
        cells = [
            {
                "batch_id": batch_id,
                "row": cell.row,
                "col": cell.col,
                "image_path": cell.image,
                "video_path": cell.video,
                "estimated_cost": cell.cost,
                "job_id": None,
            }
            for cell in plan.cells
        ]
        with self._write() as db:
            db.table("batches").insert(row)
            db.table("batch_cells").insert_all(cells)
        batch = self.get(batch_id)
        assert batch is not None
        return batch

    def get(self, batch_id: str) -> Batch | None:
        with self._db() as db:
            rows = list(db.table("batches").rows_where("id = ?", [batch_id]))
            if not rows:
                return None
            cells = list(db.table("batch_cells").rows_where("batch_id = ?", [batch_id], order_by="row, col"))
        return _batch(rows[0], cells)

    def recent(self, limit: int = 20) -> list[Batch]:
        with self._db() as db:
            ids = [row["id"] for row in db.table("batches").rows_where(order_by="created_at desc", limit=limit)]
        return [batch for batch in map(self.get, ids) if batch is not None]

    def batch_of(self, job_id: str) -> str | None:
        """The batch a job was made for, if any."""
        with self._db() as db:
            rows = list(db.table("batch_cells").rows_where("job_id = ?", [job_id], limit=1))
        return rows[0]["batch_id"] if rows else None

    def update(self, batch_id: str, expect: dict[str, Any] | None = None, **changes: Any) -> Batch | None:
        if self._set_if("batches", batch_id, expect or {}, {**changes, "updated_at": now_iso()}) is None:
            return None
        return self.get(batch_id)

    def set_job(self, batch_id: str, row: int, col: int, job_id: str) -> None:
        with self._write() as db:
            db.execute(
                "update batch_cells set job_id = ? where batch_id = ? and row = ? and col = ?",
                [job_id, batch_id, row, col],
            )


def _batch(row: dict[str, Any], cells: list[dict[str, Any]]) -> Batch:
    return Batch(
        id=row["id"],
        status=BatchStatus(row["status"]),
        prompt=row["prompt"] or "",
        negative_prompt=row["negative_prompt"] or "",
        character_orientation=row["character_orientation"],
        keep_original_sound=bool(row["keep_original_sound"]),
        model=row["model"],
        estimated_cost=row["estimated_cost"] or 0.0,
        max_cost=row["max_cost"],
        files_to_fix=row["files_to_fix"] or 0,
        files_fixed=row["files_fixed"] or 0,
        error=row["error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        cells=tuple(
            BatchCell(c["row"], c["col"], c["image_path"], c["video_path"], c["estimated_cost"] or 0.0, c["job_id"])
            for c in cells
        ),
    )


# --- progress and results -------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchProgress:
    done: int  # succeeded
    ended: int  # in a final status, succeeded or not
    total: int

    def words(self, batch: Batch) -> str:
        if batch.status is BatchStatus.FAILED:
            return batch.error or "The batch failed before anything was sent."
        if batch.status is BatchStatus.FIXING:
            return f"Fixing files on the worker: {batch.files_fixed} of {batch.files_to_fix} done."
        failed = self.ended - self.done
        return f"{self.done} of {self.total} done" + (f", {failed} failed." if failed else ".")


def batch_progress(batch: Batch, jobs: dict[str, Job]) -> BatchProgress:
    cell_jobs = [jobs.get(cell.job_id or "") for cell in batch.cells]
    done = sum(1 for job in cell_jobs if job is not None and job.status is JobStatus.SUCCEEDED)
    ended = sum(1 for job in cell_jobs if job is not None and job.status.final)
    return BatchProgress(done, ended, len(batch.cells))


def batch_zip(batch: Batch, jobs: dict[str, Job]) -> bytes:
    """Every result of the batch in one zip, each named as its single download (`_2` for a second alike)."""
    finished = [
        job
        for cell in batch.cells
        if (job := jobs.get(cell.job_id or "")) is not None and job.result_path and Path(job.result_path).exists()
    ]
    names = job_folders(finished)
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for job in finished:
            archive.write(str(job.result_path), f"{names[job.id]}.mp4", compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def compare_link(batch: Batch, jobs: dict[str, Job]) -> str | None:
    """The Compare page with the batch's first finished takes (as many as it plays side by side), or
    None while fewer than two have finished."""
    done = [job_id for job_id in batch.job_ids if (job := jobs.get(job_id)) and job.status is JobStatus.SUCCEEDED]
    return "/Compare?jobs=" + ",".join(done[:MAX_PICKS]) if len(done) >= MIN_PICKS else None


__all__ = [
    "MAX_SIDE",
    "Batch",
    "BatchCell",
    "BatchPlan",
    "BatchProgress",
    "BatchStatus",
    "Batches",
    "PlannedCell",
    "PlannedFile",
    "batch_progress",
    "batch_zip",
    "compare_link",
    "plan_batch",
]
