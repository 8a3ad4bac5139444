"""What the history gallery does with past jobs: name, price, filter, re-run and delete them, and set
their estimated cost beside what Novita really billed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from lib.files.digest import content_digest
from lib.jobs.models import GalleryQuery, Job, JobStatus
from lib.jobs.prepared import prepare_pair
from lib.jobs.store import JobStore
from lib.jobs.submit import JobRequest
from lib.novita.billing import DaySpend
from lib.novita.rules import Model, Orientation, model_for

NAME_WORDS = 5


def download_name(job: Job) -> str:
    """`motion_<date>_<first prompt words>.mp4`: meaningful in a downloads folder, safe on every OS."""
    date = datetime.fromisoformat(job.created_at).strftime("%Y-%m-%d_%H%M")
    words = re.findall(r"[a-z0-9]+", job.prompt.lower())[:NAME_WORDS]
    return f"motion_{date}{'_' + '-'.join(words) if words else ''}.mp4"


def estimate_cost(output_seconds: float | None, price_per_second: float) -> float | None:
    """USD for a result of this length: the service bills seconds of output."""
    return None if output_seconds is None else round(output_seconds * price_per_second, 2)


@dataclass(frozen=True)
class SpendRow:
    """One day (UTC): what the jobs sent that day were estimated to cost, and what Novita billed, if known."""

    day: date
    estimated_usd: float
    billed_usd: float | None
    billed_by_model: dict[str, float]


def spend_rows(jobs: list[Job], price_for: Callable[[Model], float], billed: list[DaySpend] | None) -> list[SpendRow]:
    """Estimates of the jobs that reached the service (failed tasks are not charged), each at its model's
    price (`price_for`, e.g. `settings.price_for`), beside the bills, per day, newest first; `billed`
    None means the bills could not be read."""
    estimated: dict[date, float] = {}
    for job in jobs:
        cost = estimate_cost(job.output_seconds, price_for(model_for(job.model)))
        if job.task_id and job.status is not JobStatus.FAILED and cost is not None:
            day = datetime.fromisoformat(job.submitted_at or job.created_at).date()
            estimated[day] = estimated.get(day, 0.0) + cost
    bills = {spend.day: spend for spend in billed or []}
    return [
        SpendRow(
            day,
            round(estimated.get(day, 0.0), 2),
            bills[day].usd if day in bills else (None if billed is None else 0.0),
            bills[day].by_model if day in bills else {},
        )
        for day in sorted(estimated.keys() | bills.keys(), reverse=True)
    ]


def request_from(job: Job) -> JobRequest:
    """The same inputs and settings, for a re-run."""
    return JobRequest(
        image=job.image_path or job.image_url or "",
        video=job.video_path or job.video_url or "",
        character_orientation=Orientation(job.character_orientation),
        prompt=job.prompt,
        negative_prompt=job.negative_prompt,
        keep_original_sound=job.keep_original_sound,
        model=model_for(job.model),
    )


@dataclass(frozen=True)
class Rerun:
    """What Generate opens with to run a past job again: its pair, orientation, words, sound and model."""

    prepared_id: str
    character_orientation: str
    prompt: str
    negative_prompt: str
    keep_original_sound: bool
    model: str


def can_rerun(job: Job) -> bool:
    """Whether the job's own files are still on disk to run it again."""
    return bool(job.image_path and job.video_path and Path(job.image_path).exists() and Path(job.video_path).exists())


def set_up_rerun(store: JobStore, job: Job) -> Rerun:
    """Prepare the job's inputs again, as the pair Upload would make of them, and say what to fill in."""
    if not (job.image_path and job.video_path):
        raise ValueError(f"job {job.id} has no local inputs to run again")
    model = model_for(job.model)
    prepared = prepare_pair(store, job.image_path, job.video_path, job.character_orientation, model=model)
    return Rerun(
        prepared.id, job.character_orientation, job.prompt, job.negative_prompt, job.keep_original_sound, model.word
    )


def first_page_if_filtered(query: GalleryQuery, filters_shown: tuple | None) -> GalleryQuery:
    """The query to show: back on the first page whenever its filters differ from those shown last."""
    return query if query.filters == filters_shown else replace(query, page=0)


def delete_job(store: JobStore, job_id: str, data_dir: Path, static_dir: Path | None = None) -> None:
    """Remove a job and the files only it used: its result, and inputs and poster no other job shares,
    and the copy of its result that Compare served from `static_dir`, if any.

    Only files inside `data_dir` are ever removed: a path that points elsewhere is the user's own file.
    """
    job = store.get(job_id)
    if job is None:
        return
    if static_dir and job.result_path and Path(job.result_path).exists():
        (static_dir / f"{content_digest(Path(job.result_path))}{Path(job.result_path).suffix.lower()}").unlink(
            missing_ok=True
        )
    store.delete(job_id)
    shareable = [p for p in (job.image_path, job.video_path, job.poster_path) if p]
    shared = store.paths_in_use(*shareable)
    prepared = store.prepared()
    if prepared:
        shared |= {prepared.image_path, prepared.video_path}
    for path in [job.result_path, *(p for p in shareable if p not in shared)]:
        if path and Path(path).resolve().is_relative_to(data_dir.resolve()):
            Path(path).unlink(missing_ok=True)
