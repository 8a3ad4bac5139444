"""Whether Novita billed a job, and what to tell a person about a job that did not end well.

Novita bills a task once it reports it succeeded, whatever happens after on our side: a download that
fails, a file that does not play, a link that expires. Such a job is `billed`, and its words say so:
telling that person to run it again "for free" would make them pay twice.
"""

from __future__ import annotations

from lib.jobs.models import Job, JobStatus
from lib.novita.task import TaskStatus


def next_steps(job: Job) -> str:
    """What a creator can do about a job that did not end well, true to what it cost."""
    if job.billed:
        link = job.result_url if job.status is not JobStatus.EXPIRED else None
        return (
            "Novita charged for this job. "
            + (f"Its result link may still work for a while: {link} . " if link else "")
            + f"For help, give Novita support its task ID, `{job.task_id}`. Generating it again is paid again."
        )
    if job.status is JobStatus.EXPIRED:
        return "Use **Re-run** in History to generate it again."
    if job.status is JobStatus.MAYBE_SUBMITTED:
        return "Check your Novita dashboard before generating again, so you do not pay twice, then say what you found."
    if job.task_id and TaskStatus.from_remote(job.remote_status) is not TaskStatus.FAILED:
        return (
            f"Novita may still finish this job and charge for it: check your Novita dashboard (task `{job.task_id}`) "
            "before generating again, so you do not pay twice."
        )
    return "Adjust the inputs or the prompt, then generate again. Failed jobs are not charged."
