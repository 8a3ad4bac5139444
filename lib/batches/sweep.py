"""What the worker's sweep does for batches: find those a dead worker left, and write the zip of each
batch whose cells have all ended (again when a cell changed)."""

from __future__ import annotations

from pathlib import Path

from lib.batches.progress import batch_progress
from lib.batches.results import batch_zip, zips_dir
from lib.batches.store import Batch, Batches, BatchStatus
from lib.files.storage import Storage
from lib.jobs.models import Job, now_iso
from lib.jobs.store import JobStore

# The newest batches whose zips the sweep keeps up to date; older ones were zipped when they ended.
ZIPPED_BATCHES = 50


def orphaned_batches(db_path: Path | str, overdue_seconds: float) -> list[str]:
    """Batches a dead worker left: still fixing with their lease run out, or never taken by any worker
    though queued `overdue_seconds` ago (their task was lost)."""
    now, overdue = now_iso(), now_iso(-overdue_seconds)
    return [
        batch.id
        for batch in Batches(db_path).with_status(BatchStatus.FIXING)
        if (batch.lease is not None and (batch.due_at or "") < now)
        or (batch.lease is None and batch.created_at < overdue)
    ]


def batch_jobs(store: JobStore, batch: Batch) -> dict[str, Job]:
    """The batch's cells' jobs that still exist (a missing one was deleted from History)."""
    return {job_id: job for job_id in batch.job_ids if (job := store.get(job_id)) is not None}


def zip_ended_batches(db_path: Path | str, data_dir: Path, storage: Storage) -> list[Path]:
    """Write the zip of each recent batch whose cells have all ended, unless it is written, and keep it in
    `storage`; the new zips."""
    store = JobStore(db_path)
    written = []
    for batch in Batches(db_path).recent(ZIPPED_BATCHES):
        if batch.status is not BatchStatus.SENT:
            continue
        jobs = batch_jobs(store, batch)
        progress = batch_progress(batch, jobs)
        if progress.ended < progress.total:
            continue
        folder = zips_dir(data_dir)
        before = set(folder.glob(f"batch_{batch.id}_*.zip"))
        path = batch_zip(batch, jobs, folder, storage)
        if path is not None and path not in before:
            written.append(path)
    return written
