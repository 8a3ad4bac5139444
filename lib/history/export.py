"""Export of the history: every job as CSV or JSON, and a zip with each job's videos and image.

The CSV is for people (a spreadsheet): local dates with their zone, the status in words, prompt,
model, length, estimated cost and the names of the files in the zip. The JSON is for machines: what
the `jobs` table holds, column for column. Neither carries a setting or an API key (the store has
none to give). The zip is written to a file under `<data folder>/exports/` as it is built, one media
file at a time, so a large history never sits in memory. Each job has a folder named like its
result's single download, holding that download, its character image and its motion video.

    path = export_zip(JobStore(settings.database), settings.data_dir, price_for=settings.price_for)
    # motion_2026-11-23_2005_on-a-beach/motion_2026-11-23_2005_on-a-beach.mp4, character.png,
    # motion-video.mp4, ... history.json, history.csv
"""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lib.files.atomic import atomic_write
from lib.files.storage import Storage
from lib.history.gallery import download_name
from lib.history.times import local_time
from lib.jobs.models import Job
from lib.jobs.store import JobStore
from lib.money.estimate import PriceFor, job_estimate
from lib.novita.rules import Orientation, model_for

# Dataclass order: stable, and a column added to `Job` later lands at the end.
CSV_COLUMNS = (
    "Created",
    "Status",
    "Prompt",
    "Negative prompt",
    "Model",
    "Character faces",
    "Original sound",
    "Length (s)",
    "Estimated cost (USD)",
    "Result file",
    "Character image file",
    "Motion video file",
    "Favorite",
    "Note",
    "Why it did not finish",
    "Finished",
    "Job id",
    "Made by",
)
STALE_EXPORT_SECONDS = 3600

Progress = Callable[[int, int], None]


def exports_dir(data_dir: Path) -> Path:
    """Where prepared zips wait to be downloaded: `<data folder>/exports`."""
    return Path(data_dir) / "exports"


def all_jobs(store: JobStore) -> list[Job]:
    """Every job, newest first, read in one query so the export is one consistent moment."""
    return store.recent(limit=None)


def job_record(job: Job) -> dict[str, Any]:
    """A job as the database holds it (status as its value, flags as 0/1), with its payload parsed.

    `payload` is the service's last answer as JSON, or its raw text if it is not valid JSON.
    """
    record = job.to_row()
    raw = record.pop("payload_json")
    try:
        record["payload"] = None if raw is None else json.loads(raw)
    except ValueError:
        record["payload"] = raw
    return record


def history_csv(jobs: list[Job], price_for: PriceFor | None = None) -> bytes:
    """One row per job in a person's words (`CSV_COLUMNS`), UTF-8; an absent value is an empty cell.

    Estimated costs need `price_for` (the settings' price of a model); without it that column is empty.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    folders = job_folders(jobs)
    for job in jobs:
        model = model_for(job.model)
        files = {entry.kind: entry.name for entry in media_entries(job, folders[job.id])}
        cost = job_estimate(job, price_for).usd if price_for else None
        writer.writerow(
            [
                local_time(job.created_at),
                job.status.label,
                job.prompt,
                job.negative_prompt,
                model.label,
                Orientation(job.character_orientation).label,
                "kept" if job.keep_original_sound else "off",
                "" if job.output_seconds is None else f"{job.output_seconds:g}",
                "" if cost is None else f"{cost:.2f}",
                *(files.get(kind, "") for kind in ("result", "image", "motion")),
                "yes" if job.favorite else "",
                job.note,
                job.failure_reason or "",
                local_time(job.finished_at),
                job.id,
                job.made_by or "",
            ]
        )
    return out.getvalue().encode("utf-8")


def history_json(jobs: list[Job]) -> bytes:
    """A JSON list of `job_record`s, UTF-8 and readable (not escaped to ASCII)."""
    return json.dumps([job_record(job) for job in jobs], ensure_ascii=False, indent=2).encode("utf-8")


def job_folders(jobs: list[Job]) -> dict[str, str]:
    """Each job's folder in the zip, named like its result's download (`motion_<date>_<prompt words>`);
    a second job with the same name gets `_2`, and so on, oldest first, so names hold from export to export."""
    taken: dict[str, int] = {}
    folders = {}
    for job in sorted(jobs, key=lambda j: (j.created_at, j.id)):
        stem = Path(download_name(job)).stem
        taken[stem] = taken.get(stem, 0) + 1
        folders[job.id] = stem if taken[stem] == 1 else f"{stem}_{taken[stem]}"
    return folders


@dataclass(frozen=True)
class MediaEntry:
    """One file of a job in the zip: `name` inside it, `kind` ("result", "image" or "motion"), `path` on disk."""

    name: str
    kind: str
    path: str


def media_entries(job: Job, folder: str) -> list[MediaEntry]:
    """Each file the job recorded: its result under the name of its single download, then
    `character.<ext>` and `motion-video.<ext>`."""
    files = (
        ("result", job.result_path, download_name(job)),
        ("image", job.image_path, f"character{_suffix(job.image_path)}"),
        ("motion", job.video_path, f"motion-video{_suffix(job.video_path)}"),
    )
    return [MediaEntry(f"{folder}/{name}", kind, path) for kind, path, name in files if path]


def _suffix(path: str | None) -> str:
    return Path(path or "").suffix.lower() or ".bin"


def export_zip(
    store: JobStore,
    data_dir: Path,
    progress: Progress | None = None,
    *,
    price_for: PriceFor | None = None,
    storage: Storage | None = None,
) -> Path:
    """Write `history.json`, `history.csv` and every job's media to a new zip; return its path.

    Files that no longer exist are skipped and listed in `missing.txt`. With `storage`, each is read
    through it (a media bucket's files are fetched into this machine's data folder). The zip appears under its
    final name only once complete, and zips older than an hour are removed as a new one is made.
    `progress(done, total)` is called after each media file.
    """
    folder = exports_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale(data_dir)
    jobs = all_jobs(store)
    folders = job_folders(jobs)
    entries = [entry for job in jobs for entry in media_entries(job, folders[job.id])]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = folder / f"motion_studio-history-{stamp}.zip"
    missing: list[str] = []
    # The zip closes before atomic_write gives it its final name.
    with atomic_write(final) as partial, zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("history.json", history_json(jobs))
        archive.writestr("history.csv", history_csv(jobs, price_for))
        for done, entry in enumerate(entries, start=1):
            try:
                # Videos and images are compressed already: storing them is as small and much faster.
                local = storage.local_path(str(entry.path)) if storage else entry.path  # fetched if need be
                archive.write(local, entry.name, compress_type=zipfile.ZIP_STORED)
            except FileNotFoundError:  # gone before the export, or deleted while it ran
                missing.append(f"{entry.name}\t{entry.path}")
            if progress:
                progress(done, len(entries))
        if missing:
            listing = "\n".join(missing)
            archive.writestr("missing.txt", f"These files were recorded but no longer exist:\n{listing}\n")
    return final


def export_zips(data_dir: Path) -> list[Path]:
    """Every zip in the exports folder, with those left half written."""
    return sorted(exports_dir(data_dir).glob("motion_studio-history-*.zip*"))


def _remove_stale(data_dir: Path) -> None:
    cutoff = time.time() - STALE_EXPORT_SECONDS
    for old in export_zips(data_dir):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except FileNotFoundError:
            pass
