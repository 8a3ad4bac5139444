"""Jobs: the store, submitting exactly once, following jobs, saving results.

from lib.jobs import JobStore, submit_job

The names load on first use, so `lib.jobs.models` (a job's status words, which the command line offers
in its help) imports without the store, which takes half a second.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lib.jobs.models import GalleryQuery, Job, JobStatus
    from lib.jobs.store import JobStore
    from lib.jobs.submit import JobRequest, Variation, submit_job
    from lib.pairs import PreparedInputs

_HOMES = {
    "GalleryQuery": "lib.jobs.models",
    "Job": "lib.jobs.models",
    "JobStatus": "lib.jobs.models",
    "PreparedInputs": "lib.pairs",
    "JobStore": "lib.jobs.store",
    "JobRequest": "lib.jobs.submit",
    "submit_job": "lib.jobs.submit",
    "Variation": "lib.jobs.submit",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'lib.jobs' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


__all__ = ["GalleryQuery", "Job", "JobRequest", "JobStatus", "JobStore", "PreparedInputs", "Variation", "submit_job"]
