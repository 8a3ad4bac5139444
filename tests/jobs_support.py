"""What tests of jobs share: a job row made by hand (or stored, in the state a test needs), and following jobs a
round at a time as a worker does."""

from __future__ import annotations

import time

from lib.jobs import Job, JobStatus, JobStore
from lib.jobs.following import SEND_CUT_SHORT, Follow, follow_due
from lib.jobs.models import new_job_id, now_iso


def a_job(content_hash: str = "same-inputs", **fields) -> Job:
    stamp = now_iso()
    defaults = {
        "id": new_job_id(),
        "status": JobStatus.SUBMITTING,
        "character_orientation": "image",
        "created_at": stamp,
        "updated_at": stamp,
    }
    return Job(content_hash=content_hash, **{**defaults, **fields})


def follow_until(
    follow: Follow, job_ids: list[str], done=lambda job: job.status.final, timeout: float = 40.0, seen=None
) -> list[Job]:
    """Follow as a follower does, a round at a time, until every job is `done`; `seen(job)` sees each on the way."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = [follow.store.get(job_id) for job_id in job_ids]
        for job in jobs:
            if seen is not None:
                seen(job)
        if all(done(job) for job in jobs):
            return jobs
        assert time.monotonic() < deadline, f"jobs never got there: {jobs}"
        follow_due(follow, never_sent)
        time.sleep(0.05)


def never_sent(job: Job) -> None:
    raise AssertionError(f"job {job.id} was sent again by a follower")


def stored_job(store: JobStore, **fields) -> Job:
    """A job whose send was cut short (a sender that died held it), with `fields` on top, added to `store`."""
    stamp = now_iso()
    values = {
        "id": new_job_id(),
        "content_hash": "same-inputs",
        "status": JobStatus.MAYBE_SUBMITTED,
        "character_orientation": "image",
        "created_at": stamp,
        "updated_at": stamp,
        "key_fingerprint": "k",
        "lease": "a-dead-sender",
        "failure_reason": SEND_CUT_SHORT,
        **fields,
    }
    return store.add(Job(**values))
