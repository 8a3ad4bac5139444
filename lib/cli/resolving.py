"""`resolve`: a person settles a job that may have been sent, as the History page's two buttons do."""

from __future__ import annotations

import argparse

from lib.cli.history import find_job
from lib.cli.output import OK, JobView, Out, Refused
from lib.config import Settings
from lib.errors import NotResolvable
from lib.jobs.resolving import resolve_not_sent, resolve_with_task
from lib.jobs.store import JobStore
from lib.worker import follow_now


def resolve(args: argparse.Namespace, out: Out, settings: Settings) -> int:
    """--not-sent fails the job (it may be submitted again); --task-id makes it follow that task."""
    store = JobStore(settings.database)
    job = find_job(store, args.id)
    try:
        settled = resolve_not_sent(store, job.id) if args.not_sent else resolve_with_task(store, job.id, args.task_id)
    except NotResolvable:
        raise Refused(
            f"Job {job.id} is {job.status.label.lower()} ({job.status.value}), no longer waiting to be checked, "
            "or no task ID was given: nothing was changed."
        ) from None
    if not args.not_sent:
        follow_now(settings, settled)
        out.note(f"Task {settled.task_id} is followed by a worker (or the browser tab) holding the job's API key.")
    out.answer(JobView.of(settled))
    return OK
