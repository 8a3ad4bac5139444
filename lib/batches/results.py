"""A batch's results as one zip on disk, written once on the worker when every cell has ended.

The zip is named by what it holds (which jobs, which result files), so a cell that changes (a job
deleted, a result saved late) names a new zip, written in its turn, and the old one is removed. Pages
only look for the zip of what they show and stream it from disk; they never build it.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from lib.batches.store import Batch
from lib.files.atomic import atomic_write
from lib.history.export import job_folders
from lib.jobs.models import Job, JobStatus


def zips_dir(data_dir: Path) -> Path:
    """Where batches' zips are kept in the data folder."""
    return data_dir / "zips"


def finished_results(batch: Batch, jobs: dict[str, Job]) -> list[Job]:
    """The batch's succeeded jobs whose result file is on disk, in cell order."""
    return [
        job
        for cell in batch.cells
        if (job := jobs.get(cell.job_id or "")) is not None
        and job.status is JobStatus.SUCCEEDED
        and job.result_path
        and Path(job.result_path).exists()
    ]


def zip_path(batch: Batch, jobs: dict[str, Job], folder: Path) -> Path | None:
    """Where the zip of the batch's results as they stand belongs, or None with no result yet."""
    finished = finished_results(batch, jobs)
    if not finished:
        return None
    held = "\n".join(f"{job.id} {job.result_path}" for job in finished)
    return folder / f"batch_{batch.id}_{hashlib.sha256(held.encode()).hexdigest()[:12]}.zip"


def ready_zip(batch: Batch, jobs: dict[str, Job], folder: Path) -> Path | None:
    """The zip of the batch's results as they stand, if the worker has written it."""
    path = zip_path(batch, jobs, folder)
    return path if path is not None and path.exists() else None


def batch_zip(batch: Batch, jobs: dict[str, Job], folder: Path) -> Path | None:
    """Write every result of the batch into one zip in `folder` (once), each named as its single download
    (`_2` for a second alike); older zips of the batch go. The zip's path, or None with no result."""
    path = zip_path(batch, jobs, folder)
    if path is None:
        return None
    if not path.exists():
        finished = finished_results(batch, jobs)
        names = job_folders(finished)
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as partial, zipfile.ZipFile(partial, "w") as archive:
            for job in finished:
                archive.write(str(job.result_path), f"{names[job.id]}.mp4", compress_type=zipfile.ZIP_STORED)
    for older in folder.glob(f"batch_{batch.id}_*.zip"):
        if older != path:
            older.unlink(missing_ok=True)
    return path
