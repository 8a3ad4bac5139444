"""A confirmed batch on the worker: fix every file that needs it, in one pass, then record and send each cell.

Runs in a worker task, so a page or the command line never waits on ffmpeg. The worker holds the batch
under a lease, renewed as it goes; the sweep (`orphaned_batches`) hands a batch whose lease ran out to
another run, which picks up where the dead one stopped: a fix under way is joined (or started again
once it went silent), each cell's job has its own submission key, so a cell is recorded once however
often this runs, and a recorded job is sent once (its send claims it first). Whatever goes wrong ends
as a sentence on the cells it touched, never as a batch left "fixing".
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lib.batches.store import Batch, BatchCell, Batches, BatchStatus
from lib.config import Settings
from lib.errors import MotionStudioError
from lib.files.storage import storage_for
from lib.jobs.models import Job, JobStatus, now_iso
from lib.jobs.submit import JobRequest, Variation
from lib.media import check_image, check_video
from lib.novita.rules import Model, Orientation, model_for
from lib.uploads.fix_runs import STALE_SECONDS, FixRun, FixRuns, FixState, fix_runs_for, run_fix

log = logging.getLogger(__name__)

# How often a run waiting on a fix that another thread runs looks at it again.
FIX_LOOK_SECONDS = 0.2


@dataclass(frozen=True)
class BatchRunner:
    """What running a batch needs from the engine that holds the key: `record(request, submission_key,
    public_base_url)` records a cell's job under the key's fingerprint and service (the engine's one way to
    record), `send(job_id, public_base_url)` queues a recorded job's send, how long a lease lasts, and how
    long a fix may stay silent before it is taken for dead."""

    record: Callable[[JobRequest, str, str | None], tuple[Job, bool]]
    send: Callable[[str, str | None], None]
    lease_seconds: float
    fix_stale_seconds: float = STALE_SECONDS


class LeaseLost(Exception):
    """Another run took the batch over (this one was too slow, or thought dead): this one steps back."""


@dataclass(frozen=True)
class _Holding:
    batches: Batches
    batch_id: str
    lease: str
    seconds: float

    def renew(self) -> None:
        held = self.batches.update(self.batch_id, expect={"lease": self.lease}, due_at=now_iso(self.seconds))
        if held is None:
            raise LeaseLost()


def run_batch(settings: Settings, batch_id: str, runner: BatchRunner) -> Batch | None:
    """Fix the batch's files, record its cells' jobs and send each; the batch as this run left it."""
    batches = Batches(settings.database)
    batch = batches.get(batch_id)
    if batch is None or batch.status is not BatchStatus.FIXING:
        return batch
    if batch.lease is not None and (batch.due_at or "") > now_iso():
        return batch  # another run holds it, and its lease still runs
    lease = uuid.uuid4().hex
    claimed = batches.update(
        batch_id,
        expect={"status": BatchStatus.FIXING, "lease": batch.lease},
        lease=lease,
        due_at=now_iso(runner.lease_seconds),
    )
    if claimed is None:
        return batches.get(batch_id)
    holding = _Holding(batches, batch_id, lease, runner.lease_seconds)
    try:
        fixed, failed = _fix_all(settings, holding, claimed, runner.fix_stale_seconds)
        for cell in claimed.cells:
            problem = failed.get(cell.image_path) or failed.get(cell.video_path)
            if problem:
                batches.set_error(batch_id, cell.row, cell.col, problem)
            elif cell.error is None:
                holding.renew()
                _record(settings, batches, claimed, cell, fixed, runner)
    except LeaseLost:
        return batches.get(batch_id)
    except Exception as error:  # the store itself failed, say: end the cells left, in words, and the batch
        log.exception("batch %s stopped", batch_id)
        for cell in claimed.cells:
            batches.set_error(batch_id, cell.row, cell.col, f"This job was not sent: {_why(error)}.")
    return _end(batches, batch_id, lease)


def _record(
    settings: Settings, batches: Batches, batch: Batch, cell: BatchCell, fixed: dict[str, str], runner: BatchRunner
) -> None:
    """Record the cell's job (or find it, recorded by a run before) and send it unless it was sent."""
    request = Variation(
        image=fixed.get(cell.image_path) or _local(settings, cell.image_path),
        video=fixed.get(cell.video_path) or _local(settings, cell.video_path),
        character_orientation=Orientation(batch.character_orientation),
        prompt=batch.prompt,
        negative_prompt=batch.negative_prompt,
        keep_original_sound=batch.keep_original_sound,
        model=model_for(batch.model),
        made_by=batch.made_by,
        key=f"batch:{batch.id}:{cell.row}:{cell.col}",
    )
    try:
        job, _ = runner.record(request, request.key, batch.public_base_url)
    except Exception as error:
        batches.set_error(batch.id, cell.row, cell.col, f"This job was not sent: {_why(error)}.")
        return
    batches.set_job(batch.id, cell.row, cell.col, job.id)
    if job.status is JobStatus.SUBMITTING and job.lease is None:
        runner.send(
            job.id, batch.public_base_url
        )  # new, or recorded by a run that died before sending: the send claims it once


def _end(batches: Batches, batch_id: str, lease: str) -> Batch | None:
    """Every cell has its job or its error: the batch is sent, or failed when no cell has a job."""
    batch = batches.get(batch_id)
    if batch is None:
        return None
    if batch.job_ids:
        ended = batches.update(batch_id, expect={"lease": lease}, status=BatchStatus.SENT, lease=None, due_at=None)
    else:
        first = next((cell.error for cell in batch.cells if cell.error), None)
        ended = batches.update(
            batch_id,
            expect={"lease": lease},
            status=BatchStatus.FAILED,
            error=f"Nothing was sent. {first}" if first else "Nothing was sent.",
            lease=None,
            due_at=None,
        )
    return ended or batches.get(batch_id)


def _fix_all(
    settings: Settings, holding: _Holding, batch: Batch, stale_seconds: float
) -> tuple[dict[str, str], dict[str, str]]:
    """(each file that broke a rule -> its fixed copy, each file that could not be fixed -> why, in words);
    the batch's count of fixed files moves as they end."""
    model = model_for(batch.model)
    names = {cell.image_path: cell.character for cell in batch.cells}
    names.update({cell.video_path: cell.motion for cell in batch.cells})
    runs = fix_runs_for(settings)
    fixed: dict[str, str] = {}
    failed: dict[str, str] = {}
    done = 0
    for kind, path in [("image", path) for path in batch.images] + [("video", path) for path in batch.videos]:
        holding.renew()
        what = f"The {'character image' if kind == 'image' else 'motion video'} {names[path]}"
        try:
            local = _local(settings, path)
            if _passes(kind, local, batch, model):
                continue
            run = _fixed(settings, runs, holding, kind, local, batch.character_orientation, model, stale_seconds)
        except LeaseLost:
            raise
        except Exception as error:
            failed[path] = f"{what} could not be fixed: {_why(error)}."
            continue
        if run is None:
            failed[path] = f"{what} could not be fixed: its fix was removed before it ended."
        elif run.status is FixState.DONE and run.result_path:
            fixed[path] = run.result_path
            done += 1
            holding.batches.update(batch.id, expect={"lease": holding.lease}, files_fixed=done)
        elif run.status is FixState.STOPPED:
            failed[path] = f"{what} could not be fixed: its fix was stopped."
        else:
            failed[path] = f"{what} could not be fixed: {run.error or 'the fix ended without saying why'}."
    return fixed, failed


def _local(settings: Settings, name: str) -> str:
    """A cell's file on this machine: the batch may have been planned on another (see `queue_batch`)."""
    return str(storage_for(settings).local_path(name))


def _passes(kind: str, path: str, batch: Batch, model: Model) -> bool:
    if not Path(path).exists():
        raise FileNotFoundError(path)
    if kind == "image":
        return check_image(path, model).ok
    return check_video(path, batch.character_orientation, batch.keep_original_sound, model).ok


def _fixed(
    settings: Settings,
    runs: FixRuns,
    holding: _Holding,
    kind: str,
    path: str,
    orientation: str,
    model: Model,
    stale_seconds: float,
) -> FixRun | None:
    """The file's fix run once it ended (None if it was removed meanwhile): run here, or joined when
    another thread runs it; a run that went silent (its worker died) is started again."""
    while True:
        run, _ = runs.request(
            kind, path, orientation if kind == "video" else None, 0.0, model, stale_seconds=stale_seconds
        )
        if run.status is FixState.WAITING:
            run_fix(runs, run.id, settings.inputs_dir / "fixed")
        while True:
            now = runs.get(run.id)
            if now is None:
                return None
            if not now.status.active:
                return now
            if now.updated_at < now_iso(-stale_seconds):
                break  # its worker died: ask for it again, which starts it again
            holding.renew()
            time.sleep(FIX_LOOK_SECONDS)


def _why(error: Exception) -> str:
    """An exception as the end of a sentence a person can act on."""
    if isinstance(error, MotionStudioError):
        return str(error).rstrip(".")
    if isinstance(error, FileNotFoundError):
        return "the file is no longer there (it was moved or deleted)"
    return f"something went wrong on the worker ({type(error).__name__})"
