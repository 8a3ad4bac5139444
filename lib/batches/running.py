"""A confirmed batch on the worker: fix every file that needs it, in one pass, then queue each cell's job.

Runs in a worker task, so a page or the command line never waits on ffmpeg. Delivered twice, it does no
harm: fixes are joined by their content, and each cell's job has its own submission key, so a cell is
recorded once however often this runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from lib.batches import Batch, Batches, BatchStatus
from lib.config import Settings
from lib.errors import BatchFixFailed, MotionStudioError
from lib.jobs.fix_runs import FixRun, FixRuns, FixState, run_fix
from lib.jobs.models import Job
from lib.jobs.submit import JobRequest
from lib.media import check_image, check_video
from lib.novita.rules import Orientation, model_for
from lib.worker import Variation

log = logging.getLogger(__name__)

# How long a fix that another worker thread runs may take before the batch gives up on it.
FIX_WAIT_SECONDS = 600.0


def run_batch(
    settings: Settings,
    batch_id: str,
    record: Callable[[JobRequest, str], tuple[Job, bool]],
    send: Callable[[str], None],
) -> Batch | None:
    """Fix the batch's files, `record` its cells' jobs (under a submission key) and `send` each new one;
    the batch as it ended. The engine hands down both, so the batch needs no key of its own."""
    batches = Batches(settings.db_path)
    batch = batches.get(batch_id)
    if batch is None or batch.status is not BatchStatus.FIXING:
        return batch
    model = model_for(batch.model)
    try:
        fixed = _fix_all(settings, batches, batch)
    except MotionStudioError as error:
        return batches.update(
            batch_id, expect={"status": BatchStatus.FIXING}, status=BatchStatus.FAILED, error=str(error)
        )
    for cell in batch.cells:
        if cell.job_id:
            continue
        request = Variation(
            image=fixed.get(cell.image_path, cell.image_path),
            video=fixed.get(cell.video_path, cell.video_path),
            character_orientation=Orientation(batch.character_orientation),
            prompt=batch.prompt,
            negative_prompt=batch.negative_prompt,
            keep_original_sound=batch.keep_original_sound,
            model=model,
            key=f"batch:{batch_id}:{cell.row}:{cell.col}",
        )
        job, is_new = record(request, request.key)
        batches.set_job(batch_id, cell.row, cell.col, job.id)
        if is_new:
            send(job.id)
    return batches.update(batch_id, expect={"status": BatchStatus.FIXING}, status=BatchStatus.SENT)


def _fix_all(settings: Settings, batches: Batches, batch: Batch) -> dict[str, str]:
    """Each file that breaks a rule -> its fixed copy; the batch's count of fixed files moves as they end."""
    model = model_for(batch.model)
    orientation = batch.character_orientation
    to_fix = [("image", path) for path in batch.images if not check_image(path, model).ok]
    to_fix += [
        ("video", path)
        for path in batch.videos
        if not check_video(path, orientation, batch.keep_original_sound, model).ok
    ]
    runs = FixRuns(settings.db_path)
    fixed: dict[str, str] = {}
    for done, (kind, path) in enumerate(to_fix, start=1):
        run, _ = runs.request(kind, path, orientation if kind == "video" else None, 0.0, model)
        if run.status is FixState.WAITING:
            run_fix(runs, run.id, settings.inputs_dir / "fixed")
        ended = _ended(runs, run.id)
        if ended is None or ended.status is not FixState.DONE or not ended.result_path:
            raise BatchFixFailed(f"{Path(path).name}: {ended.error if ended else 'the fix was removed'}")
        fixed[path] = ended.result_path
        batches.update(batch.id, files_fixed=done)
    return fixed


def _ended(runs: FixRuns, run_id: str) -> FixRun | None:
    """The run once it ends: another thread may be running the same fix for someone else."""
    deadline = time.monotonic() + FIX_WAIT_SECONDS
    while True:
        run = runs.get(run_id)
        if run is None or not run.status.active or time.monotonic() > deadline:
            return run
        time.sleep(0.2)
