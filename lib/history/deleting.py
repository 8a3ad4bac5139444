"""Whether a job may be deleted now, and how: deleted, hidden while Novita still makes it, or refused.

A job is deleted only when nothing can still be paid for behind its back:

- being sent (a sender holds it, or its send waits on the queue): refused, as the send could still
  make a paid video that nobody would then know of;
- being made by Novita (queued, generating, saving): hidden from History, and followed to its end all
  the same, so its result is saved and its cost still counts;
- anything else (ended, "may have been sent" with no task to follow, or a send nobody holds the key
  for any more): deleted.

    decision = deletion_for(job)       # to word the dialog: decision.sentence
    remove_job(store, job.id, data_dir, static_dir)
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from lib import errors
from lib.files.storage import Storage
from lib.history.gallery import delete_job
from lib.jobs.cancelling import end_unsent
from lib.jobs.models import Job, JobStatus, now_iso
from lib.jobs.store import JobStore


class Deletion(Enum):
    """What Delete does to a job now."""

    DELETE = "delete"
    HIDE = "hide"
    REFUSE = "refuse"

    @property
    def sentence(self) -> str:
        """What the delete dialog says."""
        return _SENTENCES[self]


_SENTENCES = {
    Deletion.DELETE: "Delete this job and its result video for good?",
    Deletion.HIDE: (
        "Novita is still making this video, so it cannot be stopped or deleted yet. It will be hidden from "
        "History now, and still followed to its end: its result is saved and its cost still counts in Spending."
    ),
    Deletion.REFUSE: errors.DeleteRefused.user_message,
}
NEVER_SENT = "Deleted before it was sent: nothing reached Novita and nothing was charged."


def deletion_for(job: Job, can_follow: bool = True) -> Deletion:
    """What Delete may do to `job`; `can_follow` is False when no worker or tab holds the key that made it."""
    if job.status is JobStatus.SUBMITTING:
        # A send waiting on the queue is as good as under way; one nobody holds the key for never starts.
        return Deletion.DELETE if job.lease is None and not can_follow else Deletion.REFUSE
    if job.status.polled or (job.status is JobStatus.MAYBE_SUBMITTED and job.task_id):
        return Deletion.HIDE
    return Deletion.DELETE


def remove_job(
    store: JobStore,
    job_id: str,
    data_dir: Path,
    static_dir: Path | None = None,
    can_follow: bool = True,
    storage: Storage | None = None,
) -> Deletion:
    """Delete or hide the job as `deletion_for` decides, and say which; raises `DeleteRefused` while it is sent."""
    job = store.get(job_id)
    if job is None:
        return Deletion.DELETE
    decision = deletion_for(job, can_follow)
    if decision is Deletion.REFUSE:
        raise errors.DeleteRefused(f"job {job_id}")
    if decision is Deletion.HIDE:
        store.update(job_id, hidden_at=now_iso())
        return decision
    # Ended first, compare-and-set: a sender that claims it from now on finds nothing to send.
    if job.status is JobStatus.SUBMITTING and end_unsent(store, job_id, NEVER_SENT) is None:
        raise errors.DeleteRefused(f"job {job_id}")
    delete_job(store, job_id, data_dir, static_dir, storage)
    return decision
