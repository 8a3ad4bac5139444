"""Comparing takes side by side: which picks can be compared, and where the browser fetches each video."""

from __future__ import annotations

from dataclasses import dataclass

from lib.files.storage import Storage
from lib.jobs.models import JobStatus
from lib.jobs.store import JobStore
from lib.novita.rules import model_for

MIN_PICKS = 2
MAX_PICKS = 4


@dataclass(frozen=True)
class Clip:
    """One video of the comparison: a caption and the address the browser plays it from."""

    label: str
    url: str
    job_id: str | None = None  # the take it shows; None for the motion video


def job_ids_from(param: str | None) -> list[str]:
    """The job ids named by a `?jobs=a,b,c` parameter, in order, each once."""
    return list(dict.fromkeys(part.strip() for part in (param or "").split(",") if part.strip()))


def pick_problem(count: int) -> str | None:
    """Why this many picks cannot be compared, in plain words; None when they can."""
    if count < MIN_PICKS:
        return f"Pick at least {MIN_PICKS} takes to compare: {count} picked."
    if count > MAX_PICKS:
        return f"Pick at most {MAX_PICKS} takes to compare: {count} picked. Side by side, more are too small to judge."
    return None


def take_clips(store: JobStore, job_ids: list[str], storage: Storage) -> list[Clip]:
    """The finished results of `job_ids`, in that order, labelled by take number, model and prompt, each
    played from its link (the static route, or the media bucket). Jobs whose result is gone are left out."""
    jobs = [job for job in (store.get(job_id) for job_id in job_ids) if job is not None]
    takes = store.take_numbers([job.id for job in jobs])
    return [
        Clip(
            f"Take {takes.get(job.id, '?')} · {model_for(job.model).label} · {job.prompt[:60] or 'No prompt'}",
            url,
            job.id,
        )
        for job in jobs
        if job.status is JobStatus.SUCCEEDED and job.result_path and (url := _played(storage, job.result_path))
    ]


def motion_clip(store: JobStore, job_ids: list[str], storage: Storage) -> Clip | None:
    """The motion video the first of `job_ids` still has, or None."""
    for job in (store.get(job_id) for job_id in job_ids):
        if job is not None and job.video_path and (url := _played(storage, job.video_path)):
            return Clip("Motion video", url)
    return None


def _played(storage: Storage, name: str) -> str | None:
    """Where the browser streams the stored file `name` from (never read into Python, unlike
    `st.video(path)`), or None when it is gone."""
    return storage.link(name) if storage.exists(name) else None
