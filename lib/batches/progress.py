"""How a batch stands, in numbers and words: what is done, what has ended, what each cell shows.

A cell has ended when its job is in a final status, when its job was deleted from History, or when it
failed before it had a job (its error says why). A batch is under way until every cell has ended.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.batches.store import Batch, BatchCell, BatchStatus
from lib.history.compare import MAX_PICKS, MIN_PICKS
from lib.jobs.models import Job, JobStatus

WAITING_FOR_FIXES = "Waiting for its fixes"
DELETED = "Deleted from History"


@dataclass(frozen=True)
class BatchProgress:
    done: int  # succeeded
    ended: int  # in a final status, succeeded or not, deleted, or failed before it had a job
    total: int
    recorded: int = 0  # cells that have their job

    def words(self, batch: Batch) -> str:
        if batch.status is BatchStatus.FAILED:
            return batch.error or "The batch failed before anything was sent."
        failed = self.ended - self.done
        sent = f"{self.done} of {self.total} done" + (f", {failed} ended without a video." if failed else ".")
        if batch.status is BatchStatus.FIXING:
            fixing = f"Fixing files on the worker: {batch.files_fixed} of {batch.files_to_fix} done."
            return f"{fixing} {sent}" if self.recorded else fixing
        return sent

    def under_way(self, batch: Batch) -> bool:
        """Whether the batch still fixes files or has a cell that has not ended (so pages keep refreshing)."""
        return batch.status is BatchStatus.FIXING or (batch.status is BatchStatus.SENT and self.ended < self.total)


def cell_ended(cell: BatchCell, jobs: dict[str, Job]) -> bool:
    if cell.job_id is None:
        return cell.error is not None
    job = jobs.get(cell.job_id)
    return job is None or job.status.final


def batch_progress(batch: Batch, jobs: dict[str, Job]) -> BatchProgress:
    """The batch's counts; `jobs` are its cells' jobs that still exist (a missing one was deleted)."""
    done = sum(1 for cell in batch.cells if (job := jobs.get(cell.job_id or "")) and job.status is JobStatus.SUCCEEDED)
    ended = sum(1 for cell in batch.cells if cell_ended(cell, jobs))
    recorded = sum(1 for cell in batch.cells if cell.job_id)
    return BatchProgress(done, ended, len(batch.cells), recorded)


def cell_words(cell: BatchCell, job: Job | None) -> str:
    """What a cell without a playable result says: its failure, its job's status, or that it waits."""
    if job is None:
        if cell.job_id:
            return DELETED
        return cell.error or WAITING_FOR_FIXES
    if job.status.polled:
        return f"{job.status.label}… {job.progress_percent}%"
    if job.status.final and job.failure_reason and job.status is not JobStatus.SUCCEEDED:
        return f"{job.status.label}: {job.failure_reason}"
    return job.status.label


def compare_link(batch: Batch, jobs: dict[str, Job]) -> list[str] | None:
    """The job ids of the batch's first finished takes for Compare (as many as it plays side by side), or
    None while fewer than two have finished."""
    done = [job_id for job_id in batch.job_ids if (job := jobs.get(job_id)) and job.status is JobStatus.SUCCEEDED]
    return done[:MAX_PICKS] if len(done) >= MIN_PICKS else None
