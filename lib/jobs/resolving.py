"""A person settles a "may have been sent" job: nobody else can tell whether Novita made it.

A send whose answer never came is never sent again by itself (it could be paid twice). Someone checks
the Novita dashboard, then says which it was:

    resolve_not_sent(store, job_id)            # not made: the job fails plainly, and may be sent again
    resolve_with_task(store, job_id, task_id)  # made: the job follows that task to its video

Both are compare-and-set from "may have been sent", so two people (or a person and the sweep, which
takes over a job that got its task id) settle it once.
"""

from __future__ import annotations

from lib import errors
from lib.jobs.following import new_lease
from lib.jobs.models import Job, JobStatus, now_iso
from lib.jobs.store import JobStore

NOT_MADE = (
    "Not made: someone checked Novita and this job was never created there, so nothing was charged. "
    "It can be generated again."
)


def resolve_not_sent(store: JobStore, job_id: str) -> Job:
    """The job never reached Novita: it fails with a plain reason and no longer blocks the same generation."""
    resolved = store.update(
        job_id,
        expect={"status": JobStatus.MAYBE_SUBMITTED},
        status=JobStatus.FAILED,
        failure_reason=NOT_MADE,
        finished_at=now_iso(),
        lease=None,
        due_at=None,
    )
    if resolved is None:
        raise errors.NotResolvable(f"job {job_id}")
    return resolved


def resolve_with_task(store: JobStore, job_id: str, task_id: str) -> Job:
    """Novita made it as task `task_id`: the job is queued with that task, due now, for its follower's next look."""
    task_id = task_id.strip()
    if not task_id:
        raise errors.NotResolvable("no task ID was given")
    resolved = store.update(
        job_id,
        expect={"status": JobStatus.MAYBE_SUBMITTED},
        status=JobStatus.QUEUED,
        task_id=task_id,
        failure_reason=None,
        lease=new_lease(),
        due_at=now_iso(),
        polls=0,
    )
    if resolved is None:
        raise errors.NotResolvable(f"job {job_id}")
    return resolved
