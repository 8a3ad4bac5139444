"""Jobs: the store, submitting exactly once, following jobs, saving results.

from lib.jobs import JobStore, submit_job
"""

from lib.jobs import lean_sqlite  # noqa: F401  (first: see its docstring)
from lib.jobs.models import GalleryQuery, Job, JobStatus, PreparedInputs
from lib.jobs.store import JobStore
from lib.jobs.submit import JobRequest, Variation, submit_job

__all__ = ["GalleryQuery", "Job", "JobRequest", "JobStatus", "JobStore", "PreparedInputs", "Variation", "submit_job"]
