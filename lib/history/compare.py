"""Comparing takes side by side: which picks can be compared, and where the browser fetches each video."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lib.files.hosting import STATIC_ROUTE, keep_copy
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


def served_url(path: Path | str, static_dir: Path) -> str:
    """The app-relative address of a copy of `path` in the static folder (named by its content, made once).

    The browser streams it from Streamlit's static route with range requests: the video is never read
    into Python, unlike `st.video(path)`, which loads the whole file into the media cache."""
    return f"{STATIC_ROUTE}{keep_copy(Path(path), static_dir).name}"


def take_clips(store: JobStore, job_ids: list[str], static_dir: Path) -> list[Clip]:
    """The finished results of `job_ids`, in that order, labelled by take number, model and prompt.
    Jobs without a result on disk are left out."""
    jobs = [job for job in (store.get(job_id) for job_id in job_ids) if job is not None]
    takes = store.take_numbers([job.id for job in jobs])
    return [
        Clip(
            f"Take {takes.get(job.id, '?')} · {model_for(job.model).label} · {job.prompt[:60] or 'No prompt'}",
            served_url(job.result_path, static_dir),
            job.id,
        )
        for job in jobs
        if job.status is JobStatus.SUCCEEDED and job.result_path and Path(job.result_path).exists()
    ]


def motion_clip(store: JobStore, job_ids: list[str], static_dir: Path) -> Clip | None:
    """The motion video the first of `job_ids` still has on disk, or None."""
    for job in (store.get(job_id) for job_id in job_ids):
        if job is not None and job.video_path and Path(job.video_path).exists():
            return Clip("Motion video", served_url(job.video_path, static_dir))
    return None
