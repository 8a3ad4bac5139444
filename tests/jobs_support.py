"""Jobs put straight into the store, in the state a test needs (by default one that may have been sent)."""

from __future__ import annotations

from lib.jobs import Job, JobStatus, JobStore
from lib.jobs.following import SEND_CUT_SHORT
from lib.jobs.models import new_job_id, now_iso


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
