"""`batch`: several characters x several motion videos, one job per pair, at a cost confirmed first.

The files are copied into the data folder first (as Upload keeps them), so moving or deleting the
originals later breaks nothing. Every file is checked before anything is recorded; files that break a
rule are fixed on the worker, in one pass, before any job is queued. The estimated cost is printed and
asked about unless --yes, and a batch over --max-cost is refused before anything is recorded.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from dataclasses import dataclass

from lib.batches import (
    MAX_SIDE,
    Batch,
    Batches,
    BatchStatus,
    batch_jobs,
    batch_progress,
    cell_ended,
    plan_batch,
)
from lib.cli.main import BAD_USAGE
from lib.cli.output import OK, REFUSED, STOPPED, JobView, Out, Refused
from lib.cli.submitting import LOOK_SECONDS, NO_WORKER, _input_file
from lib.config import Settings
from lib.errors import BatchEmpty, BatchTooLarge
from lib.files.hosting import keep_copy
from lib.jobs.models import Job
from lib.jobs.store import JobStore
from lib.novita.rules import Orientation, model_for
from lib.worker import START_COMMAND, followers, live_workers, queue_batch
from lib.worker.heartbeat import WAITING_FOR_KEY, Followers


@dataclass(frozen=True)
class CellView:
    """One cell: `row` is the character's place in --image order, `col` the motion video's in --video order."""

    row: int
    col: int
    image_path: str
    video_path: str
    estimated_cost: float
    job: JobView | None
    error: str | None = None  # why the cell ended without a job


@dataclass(frozen=True)
class BatchView:
    """A batch as scripts see it: `status` is fixing, sent or failed; each cell's job has the job fields."""

    id: str
    status: str
    model: str
    prompt: str
    character_orientation: str
    estimated_cost: float
    max_cost: float | None
    rows: int
    cols: int
    done: int
    total: int
    error: str | None
    cells: list[CellView]

    @classmethod
    def of(cls, batch: Batch, jobs: dict[str, Job]) -> BatchView:
        progress = batch_progress(batch, jobs)
        return cls(
            id=batch.id,
            status=batch.status.value,
            model=batch.model,
            prompt=batch.prompt,
            character_orientation=batch.character_orientation,
            estimated_cost=batch.estimated_cost,
            max_cost=batch.max_cost,
            rows=batch.rows,
            cols=batch.cols,
            done=progress.done,
            total=progress.total,
            error=batch.error,
            cells=[
                CellView(
                    cell.row,
                    cell.col,
                    cell.image_path,
                    cell.video_path,
                    cell.estimated_cost,
                    JobView.of(jobs[cell.job_id]) if cell.job_id in jobs else None,
                    cell.error,
                )
                for cell in batch.cells
            ],
        )

    def words(self) -> str:
        lines = [f"Batch {self.id}: {self.status}, {self.done} of {self.total} done, about ${self.estimated_cost:.2f}"]
        if self.error:
            lines.append(f"  {self.error}")
        for cell in self.cells:
            job = cell.job.line() if cell.job else cell.error or "not queued yet"
            lines.append(f"  row {cell.row + 1}, column {cell.col + 1}: {job}")
        return "\n".join(lines)


def batch(args: argparse.Namespace, out: Out, settings: Settings) -> int:
    """Plan the batch, confirm its cost, queue it, and with --wait follow it to its end."""
    model = model_for(args.model)
    if len(args.image) > MAX_SIDE or len(args.video) > MAX_SIDE:
        # Before any link is fetched: a batch too large is refused on its count alone.
        counts = f"this one has {len(args.image)} characters and {len(args.video)} motion videos"
        out.note(str(BatchTooLarge(MAX_SIDE, counts)))
        return BAD_USAGE
    images = _kept(args.image, settings)
    videos = _kept(args.video, settings)
    try:
        plan = plan_batch(
            list(images),
            list(videos),
            Orientation(args.orientation),
            model,
            settings.price_for(model),
            prompt=(args.prompt or "").strip(),
            negative_prompt=(args.negative_prompt or "").strip(),
            keep_original_sound=not args.no_sound,
            max_cost=args.max_cost,
            names={**images, **videos},
        )
    except (BatchEmpty, BatchTooLarge) as error:
        out.note(str(error))
        return BAD_USAGE
    out.note(plan.summary())
    for file in plan.files_to_fix:
        out.note(f"  To fix: {file.name}: {'; '.join(file.problems)}")
    if not args.yes and not _confirmed(out):
        raise Refused("Nothing was sent.")
    key = args.key or uuid.uuid4().hex
    queued = queue_batch(plan, settings, key=key, public_base_url=settings.public_base_url)
    if not live_workers(settings):
        out.note(NO_WORKER)
    if not args.wait:
        out.answer(BatchView.of(queued, {}))  # type: ignore[arg-type]  # lead: add BatchView to output.Answer
        return OK
    try:
        ended, stalled = follow(queued.id, out, settings, args.wait_for_worker, args.wait_limit)
    except KeyboardInterrupt:
        out.note(f"Stopped waiting. The batch {queued.id} goes on; History shows how it stands.")
        return STOPPED
    out.answer(ended)  # type: ignore[arg-type]
    if stalled:
        out.note(stalled)
        return REFUSED
    return OK if ended.status == BatchStatus.SENT and ended.done == ended.total else REFUSED


def _kept(given: list[str], settings: Settings) -> dict[str, str]:
    """Each file's copy in the data folder (named by its content, as Upload keeps it) -> the name it was
    given by (a link's last part)."""
    kept: dict[str, str] = {}
    for each in given:
        copy = keep_copy(_input_file(each, settings), settings.inputs_dir)
        kept.setdefault(str(copy), each.strip().rstrip("/").rsplit("/", 1)[-1].split("?")[0] or copy.name)
    return kept


def _confirmed(out: Out) -> bool:
    out.note("Send it? [y/N] (--yes sends without asking)")
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        return False
    return answer.strip().lower() in ("y", "yes")


def follow(
    batch_id: str, out: Out, settings: Settings, wait_for_worker: float, wait_limit: float
) -> tuple[BatchView, str | None]:
    """Watch the batch until every cell has ended, it failed, or nothing more can come of waiting:
    (the batch, None when it ended, or why waiting stopped and what is still open)."""
    batches, store = Batches(settings.database), JobStore(settings.database)
    started = worker_seen = time.monotonic()
    shown = ""
    while True:
        batch = batches.get(batch_id)
        if batch is None:
            raise Refused(f"Batch {batch_id} was deleted while waiting for it.")
        jobs = batch_jobs(store, batch)
        progress = batch_progress(batch, jobs)
        if not progress.under_way(batch):
            out.done()
            return BatchView.of(batch, jobs), None
        words = progress.words(batch)
        if words != shown:
            shown = words
            out.progress(words)
        open_jobs = [job for cell in batch.cells if not cell_ended(cell, jobs) and (job := jobs.get(cell.job_id or ""))]
        movers = followers(settings)
        stuck = [job for job in open_jobs if not movers.can_move(job)]
        why = None
        if (
            batch.status is BatchStatus.SENT
            and stuck
            and len(stuck) == len(open_jobs) == progress.total - progress.ended
        ):
            why = "Nothing more can come of waiting: " + "; ".join(_stuck_words(job, movers) for job in stuck) + "."
        elif time.monotonic() - started > wait_limit:
            why = f"Stopped waiting after {wait_limit:g} s; {progress.total - progress.ended} jobs are still open."
        if live_workers(settings):
            worker_seen = time.monotonic()
        elif why is None and time.monotonic() - worker_seen > wait_for_worker:
            why = (
                f"No worker has run for {wait_for_worker:g} s; the batch waits in the queue. "
                f"Start one with {START_COMMAND}."
            )
        if why is not None:
            out.done()
            return BatchView.of(batch, jobs), why
        time.sleep(LOOK_SECONDS)


def _stuck_words(job: Job, movers: Followers) -> str:
    if not movers.can_follow(job):
        return f"job {job.id}: {WAITING_FOR_KEY.lower()}"
    return f"job {job.id} may have been sent; check your Novita dashboard, then resolve it"
