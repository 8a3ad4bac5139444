"""Whether Novita billed a job, and what to tell a person about a job that did not end well."""

from __future__ import annotations

from lib.jobs.models import Job, JobStatus


def next_steps(job: Job) -> str:
    """What a creator can do about a job that did not end well."""
    if job.status is JobStatus.EXPIRED:
        return "Use **Re-run** in History to generate it again."
    if job.status is JobStatus.MAYBE_SUBMITTED:
        return "Check your Novita dashboard before generating again, so you do not pay twice."
    return "Adjust the inputs or the prompt, then generate again. Failed jobs are not charged."
