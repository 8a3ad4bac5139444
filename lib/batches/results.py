"""A batch's results as one zip on disk, written once on the worker when every cell has ended.

The zip is named by what it holds (which jobs, which result files), so a cell that changes (a job
deleted, a result saved late) names a new zip, written in its turn, and the old one is removed. Pages
only look for the zip of what they show and stream it from its link; they never build it. With a media
bucket, the worker reads the results through it and puts the zip there, so any machine's page links it.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from lib.batches.store import Batch
from lib.files.atomic import atomic_write
from lib.files.storage import Storage
from lib.history.export import job_folders
from lib.jobs.models import Job, JobStatus


def zips_dir(data_dir: Path) -> Path:
    """Where batches' zips are kept in the data folder."""
    return data_dir / "zips"


def finished_results(batch: Batch, jobs: dict[str, Job]) -> list[Job]:
    """The batch's succeeded jobs with a result, in cell order (the zip is named by these, so a page can
    name it without asking where each result is kept)."""
    return [
        job
        for cell in batch.cells
        if (job := jobs.get(cell.job_id or "")) is not None and job.status is JobStatus.SUCCEEDED and job.result_path
    ]


def zip_path(batch: Batch, jobs: dict[str, Job], folder: Path) -> Path | None:
    """Where the zip of the batch's results as they stand belongs, or None with no result yet."""
    finished = finished_results(batch, jobs)
    if not finished:
        return None
    held = "\n".join(f"{job.id} {job.result_path}" for job in finished)
    return folder / f"batch_{batch.id}_{hashlib.sha256(held.encode()).hexdigest()[:12]}.zip"


def ready_zip(batch: Batch, jobs: dict[str, Job], folder: Path, storage: Storage) -> str | None:
    """The stored name of the zip of the batch's results as they stand, if the worker has written it."""
    path = zip_path(batch, jobs, folder)
    return storage.name(path) if path is not None and storage.exists(storage.name(path)) else None


def batch_zip(batch: Batch, jobs: dict[str, Job], folder: Path, storage: Storage) -> Path | None:
    """Write every result of the batch into one zip in `folder` (once), each named as its single download
    (`_2` for a second alike), and keep it in `storage`; older zips of the batch go. The zip's path, or
    None with no result. A result gone from everywhere is left out."""
    path = zip_path(batch, jobs, folder)
    if path is None:
        return None
    if not path.exists() and not storage.exists(storage.name(path)):  # another worker may have written it
        finished = finished_results(batch, jobs)
        names = job_folders(finished)
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as partial, zipfile.ZipFile(partial, "w") as archive:
            for job in finished:
                result = storage.local_path(str(job.result_path))  # fetched from the bucket if need be
                if result.is_file():
                    archive.write(result, f"{names[job.id]}.mp4", compress_type=zipfile.ZIP_STORED)
        storage.put(path)
    for older in folder.glob(f"batch_{batch.id}_*.zip"):
        if older != path:
            storage.delete(storage.name(older))
    return path
