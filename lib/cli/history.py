"""`list`, `show` and `download`: the jobs in the store, as the History page shows them."""

from __future__ import annotations

import argparse
import filecmp
import shutil
from pathlib import Path

from lib.cli.output import OK, DownloadView, JobList, JobView, Out, Refused
from lib.config import Settings
from lib.files.atomic import atomic_write
from lib.files.storage import storage_for
from lib.history.gallery import download_name
from lib.jobs.models import GalleryQuery, Job, JobStatus
from lib.jobs.store import JobStore


def list_jobs(args: argparse.Namespace, out: Out, settings: Settings) -> int:
    """The most recent jobs, newest first, optionally of one status."""
    statuses = (JobStatus(args.status),) if args.status else ()
    jobs, _ = JobStore(settings.database).gallery(GalleryQuery(statuses=statuses, page_size=args.limit))
    out.answer(JobList([JobView.of(job) for job in jobs]))
    return OK


def show(args: argparse.Namespace, out: Out, settings: Settings) -> int:
    out.answer(JobView.of(find_job(JobStore(settings.database), args.id)))
    return OK


def download(args: argparse.Namespace, out: Out, settings: Settings) -> int:
    """Copy a finished job's video into a folder, under the name the History page gives it."""
    job = find_job(JobStore(settings.database), args.id)
    if job.status is not JobStatus.SUCCEEDED:
        reason = f" ({job.failure_reason})" if job.failure_reason else ""
        raise Refused(
            f"Job {job.id} has no video to download: it is {job.status.label.lower()} ({job.status.value}){reason}."
        )
    source = storage_for(settings).local_path(job.result_path) if job.result_path else None  # fetched if need be
    if source is None or not source.is_file():
        raise Refused(f"The video of job {job.id} is no longer at {job.result_path}: it was moved or deleted.")
    target = _free_name(Path(args.dir).expanduser() / download_name(job), source)
    with atomic_write(target) as partial:
        shutil.copyfile(source, partial)
    out.answer(DownloadView(str(target)))
    return OK


def find_job(store: JobStore, job_id: str) -> Job:
    job = store.get(job_id.strip())
    if job is None:
        raise Refused(f"No job has the id {job_id}. python -m lib.cli list shows the recent ones.")
    return job


def _free_name(target: Path, source: Path) -> Path:
    """`target`, unless another job's video already has that name there: then `name-2.mp4`, `name-3.mp4`…"""
    candidate, number = target, 1
    while candidate.exists() and not filecmp.cmp(candidate, source, shallow=False):
        number += 1
        candidate = target.with_name(f"{target.stem}-{number}{target.suffix}")
    return candidate
