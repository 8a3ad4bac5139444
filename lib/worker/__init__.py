"""The engine and what pages and the command line ask of it: submit a job, queue a fix, is a worker alive.

job = submit(JobRequest(image, video, Orientation.IMAGE), settings, session_key=typed_key_or_none)
job = queue_job(JobRequest(image, video, Orientation.IMAGE, prompt="on a beach"), settings)
run = queue_fix(settings, "video", "dance.mov", orientation="image")
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from lib.batches import Batch, Batches, BatchPlan
from lib.config import Settings
from lib.files.storage import storage_for
from lib.jobs.models import Job
from lib.jobs.submit import JobRequest
from lib.media.fix_plan import ShortClip
from lib.media.layout import Fit
from lib.novita.rules import DEFAULT_MODEL, Model
from lib.setup_check import missing_link
from lib.team.audit import Audit
from lib.team.budgets import Budgets
from lib.uploads.fix_runs import FixRun, fix_runs_for
from lib.worker.heartbeat import Followers, WorkerBeat, Workers
from lib.worker.queue import queue_for
from lib.worker.sending import submit
from lib.worker.wiring import key_fingerprint, record

START_COMMAND = "python -m lib.worker"


def queue_job(
    request: JobRequest, settings: Settings, *, public_base_url: str | None = None, submission_key: str | None = None
) -> Job:
    """Record a job made with the deployment's own key and queue its send: the job, new or the one in flight.

    `submit` without a session key; kept as a name outside scripts use. Raises
    `lib.errors.NoPublicLink`, recording nothing, when live Novita could not fetch a local motion video.
    """
    return submit(request, settings, public_base_url=public_base_url, submission_key=submission_key)


def queue_fix(
    settings: Settings,
    kind: str,
    source: Path | str,
    orientation: str | None = None,
    start: float = 0.0,
    model: Model = DEFAULT_MODEL,
    fit: Fit = Fit.SOLID,
    short_clip: ShortClip = ShortClip.LOOP,
) -> FixRun:
    """Queue a fix of `source` for `model`'s rules with these choices, or join the same fix already under way."""
    run, is_new = fix_runs_for(settings).request(kind, source, orientation, start, model, fit, short_clip)
    if is_new:
        queue_for(settings).tasks.fix(run.id)
    return run


def queue_strip(settings: Settings, source: Path | str) -> FixRun:
    """Queue the trim strip of the clip `source`, or join the one already made or under way for its content."""
    run, is_new = fix_runs_for(settings).request("strip", source)
    if is_new:
        queue_for(settings).tasks.strip(run.id)
    return run


def queue_export(settings: Settings) -> FixRun:
    """Queue History's zip of all videos, or join the one being written."""
    run, is_new = fix_runs_for(settings).request_export(settings.data_dir)
    if is_new:
        queue_for(settings).tasks.export(run.id)
    return run


def queue_batch(
    plan: BatchPlan,
    settings: Settings,
    *,
    key: str,
    public_base_url: str | None = None,
    made_by: str | None = None,
) -> Batch:
    """Record a confirmed batch and queue it: a worker fixes its files, then queues a job per cell.

    `key` names this sending (a click's token): asked again under the same key (a double click, a rerun),
    the batch made the first time comes back and nothing more is queued. Raises
    `lib.errors.NoPublicLink`, recording nothing, when live Novita could not fetch a local motion video, and
    `lib.errors.OverBudget`, recording nothing, when the whole batch would pass `made_by`'s cap or the team's.
    """
    for video in plan.videos:
        refusal = missing_link(settings, video.path, public_base_url)
        if refusal is not None:
            raise refusal
    over = Budgets(settings.database).refusal(made_by, settings.price_for, plan.total_cost, what="this batch")
    if over is not None:
        raise over
    storage = storage_for(settings)  # the worker that runs it may be another machine
    names = {path: storage.put(path) for cell in plan.cells for path in (cell.image, cell.video)}
    cells = tuple(replace(cell, image=names[cell.image], video=names[cell.video]) for cell in plan.cells)
    batch = Batches(settings.database).create(
        replace(plan, cells=cells), key=key, public_base_url=public_base_url, made_by=made_by
    )
    Audit(settings.database).note(made_by, "batch confirmed", f"batch {batch.id}", usd=plan.total_cost)
    # Queued again under the same key it does no harm: a run finds the batch held, or done.
    queue_for(settings).tasks.batch(batch.id, public_base_url)
    return batch


def live_workers(settings: Settings) -> list[WorkerBeat]:
    """The workers alive now for these settings' key: none means queued work waits."""
    return Workers(settings.database).alive(key_fingerprint(settings))


def follow_now(settings: Settings, job: Job) -> None:
    """Put a look at `job` (just given its task by a person) on the queue of the deployment's key, so a
    worker follows it now rather than at its next sweep; a job of another key is its tab's to follow."""
    if job.lease and job.key_fingerprint == key_fingerprint(settings):
        queue_for(settings).tasks.look(job.id, job.lease)


def followers(settings: Settings) -> Followers:
    """Who can follow jobs now; `settings` are the deployment's own (not a tab's typed key)."""
    return Followers(key_fingerprint(settings), Workers(settings.database).held_keys())


__all__ = [
    "START_COMMAND",
    "follow_now",
    "followers",
    "live_workers",
    "queue_batch",
    "queue_export",
    "queue_fix",
    "queue_job",
    "queue_strip",
    "record",
    "submit",
]
