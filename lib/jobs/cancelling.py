"""Cancelling a take before it is sent: the one moment a take can be stopped without being paid for.

The cancel and the sender's claim both change the job only if it is still unsent and unclaimed, so
whichever comes first wins wholly: a cancelled job is never posted, and a claimed one cannot be cancelled.

    job = cancel_unsent(store, job.id)  # raises AlreadySent once the send has begun
"""

from __future__ import annotations

from lib.errors import AlreadySent
from lib.jobs.models import Job, JobStatus, now_iso
from lib.jobs.store import JobStore

# The status word stays "failed"; the reason says why, in the words History and the CLI show.
CANCELLED = "Cancelled before it was sent: nothing was charged."


def can_cancel(job: Job) -> bool:
    """Whether the job has not yet been claimed for sending, so cancelling it sends nothing."""
    return job.status is JobStatus.SUBMITTING and job.lease is None


def end_unsent(store: JobStore, job_id: str, reason: str) -> Job | None:
    """Fail a job that no sender has claimed yet, saying why it was never sent; None when a sender has it
    (or it is gone). Compare-and-set: a sender that claims it from now on finds nothing to send."""
    return store.update(
        job_id,
        expect={"status": JobStatus.SUBMITTING, "lease": None},
        status=JobStatus.FAILED,
        failure_reason=reason,
        finished_at=now_iso(),
    )


def cancel_unsent(store: JobStore, job_id: str) -> Job:
    """End a take that no sender has claimed as failed with a "Cancelled" reason; AlreadySent otherwise."""
    cancelled = end_unsent(store, job_id, CANCELLED)
    if cancelled is None:
        raise AlreadySent()
    return cancelled
