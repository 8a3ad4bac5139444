"""What the history gallery does with past jobs: name, filter, re-run and delete them."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from lib.files.references import Freed, StoredFiles
from lib.files.storage import Storage
from lib.jobs.models import GalleryQuery, Job
from lib.jobs.store import JobStore
from lib.jobs.submit import JobRequest
from lib.novita.rules import Orientation, model_for
from lib.pairs.prepared import prepare_pair

NAME_WORDS = 5


def download_name(job: Job) -> str:
    """`motion_<date>_<first prompt words>.mp4`: meaningful in a downloads folder, safe on every OS."""
    date = datetime.fromisoformat(job.created_at).strftime("%Y-%m-%d_%H%M")
    words = re.findall(r"[a-z0-9]+", job.prompt.lower())[:NAME_WORDS]
    return f"motion_{date}{'_' + '-'.join(words) if words else ''}.mp4"


def request_from(job: Job) -> JobRequest:
    """The same inputs and settings, for a re-run."""
    return JobRequest(
        image=job.image_path or job.image_url or "",
        video=job.video_link or job.video_path or job.video_url or "",
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


def can_rerun(job: Job, storage: Storage) -> bool:
    """Whether the job's own files are still kept (in the data folder, or the media bucket) to run it again."""
    return bool(job.image_path and job.video_path and storage.exists(job.image_path) and storage.exists(job.video_path))


def set_up_rerun(store: JobStore, job: Job, storage: Storage) -> Rerun:
    """Prepare the job's inputs again, as the pair Upload would make of them, and say what to fill in."""
    if not (job.image_path and job.video_path):
        raise ValueError(f"job {job.id} has no local inputs to run again")
    model = model_for(job.model)
    prepared = prepare_pair(
        store, job.image_path, job.video_path, job.character_orientation, job.video_link, model, storage
    )
    return Rerun(
        prepared.id, job.character_orientation, job.prompt, job.negative_prompt, job.keep_original_sound, model.word
    )


def first_page_if_filtered(query: GalleryQuery, filters_shown: tuple | None) -> GalleryQuery:
    """The query to show: back on the first page whenever its filters differ from those shown last."""
    return query if query.filters == filters_shown else replace(query, page=0)


def delete_job(
    store: JobStore, job_id: str, data_dir: Path, static_dir: Path | None = None, storage: Storage | None = None
) -> Freed:
    """Remove a job, and those of its files (result, inputs, poster, and their copies served from
    `static_dir`) that nothing else uses: another take, a prepared pair, a batch, the library, a fix.

    Only files inside `data_dir` are ever removed: a path that points elsewhere is the user's own file.
    """
    job = store.get(job_id)
    if job is None:
        return Freed()
    store.delete(job_id)
    return StoredFiles(store.db_path).release(
        [job.result_path, job.image_path, job.video_path, job.poster_path], data_dir, static_dir, storage
    )
