"""Export of the history: every job as CSV or JSON, and a zip with each job's videos and image.

The exports hold what the `jobs` table holds, column for column, and nothing else: no setting and
no API key ever reaches them (the store has none to give). The zip is written to a file under
`<data folder>/exports/` as it is built, one media file at a time, so a large history never sits in
memory.

    path = export_zip(JobStore(settings.db_path), settings.data_dir)
    # jobs/2026-11-23_2005_1a2b3c4d/result.mp4, image.png, motion.mp4, ... history.json, history.csv
"""

from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lib.files.atomic import atomic_write
from lib.jobs.models import Job
from lib.jobs.store import JobStore

# Dataclass order: stable, and a column added to `Job` later lands at the end.
CSV_COLUMNS = tuple(f.name for f in fields(Job) if f.name != "payload_json")
STALE_EXPORT_SECONDS = 3600

Progress = Callable[[int, int], None]


def exports_dir(data_dir: Path) -> Path:
    """Where prepared zips wait to be downloaded: `<data folder>/exports`."""
    return Path(data_dir) / "exports"


def all_jobs(store: JobStore) -> list[Job]:
    """Every job, newest first, read in one query so the export is one consistent moment."""
    return store.recent(limit=-1)  # SQLite reads LIMIT -1 as "no limit"


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


def history_csv(jobs: list[Job]) -> bytes:
    """One row per job, every column but the raw payload, UTF-8; an absent value is an empty cell."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for job in jobs:
        writer.writerow({k: "" if v is None else v for k, v in job.to_row().items()})
    return out.getvalue().encode("utf-8")


def history_json(jobs: list[Job]) -> bytes:
    """A JSON list of `job_record`s, UTF-8 and readable (not escaped to ASCII)."""
    return json.dumps([job_record(job) for job in jobs], ensure_ascii=False, indent=2).encode("utf-8")


def job_folder(job: Job) -> str:
    """`jobs/<created date and time>_<first 8 characters of the id>`: sorts by date, never collides."""
    created = datetime.fromisoformat(job.created_at).astimezone(UTC).strftime("%Y-%m-%d_%H%M%S")
    return f"jobs/{created}_{job.id[:8]}"


def media_entries(job: Job) -> list[tuple[str, str]]:
    """(name inside the zip, path on disk) for each file the job recorded: result, image, motion video."""
    folder = job_folder(job)
    entries = []
    for stem, path in (("result", job.result_path), ("image", job.image_path), ("motion", job.video_path)):
        if path:
            entries.append((f"{folder}/{stem}{Path(path).suffix.lower() or '.bin'}", path))
    return entries


def export_zip(store: JobStore, data_dir: Path, progress: Progress | None = None) -> Path:
    """Write `history.json`, `history.csv` and every job's media to a new zip; return its path.

    Files that no longer exist are skipped and listed in `missing.txt`. The zip appears under its
    final name only once complete, and zips older than an hour are removed as a new one is made.
    `progress(done, total)` is called after each media file.
    """
    folder = exports_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder)
    jobs = all_jobs(store)
    entries = [entry for job in jobs for entry in media_entries(job)]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = folder / f"motion_studio-history-{stamp}.zip"
    missing: list[str] = []
    # The zip closes before atomic_write gives it its final name.
    with atomic_write(final) as partial, zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("history.json", history_json(jobs))
        archive.writestr("history.csv", history_csv(jobs))
        for done, (name, path) in enumerate(entries, start=1):
            try:
                # Videos and images are compressed already: storing them is as small and much faster.
                archive.write(path, name, compress_type=zipfile.ZIP_STORED)
            except FileNotFoundError:  # gone before the export, or deleted while it ran
                missing.append(f"{name}\t{path}")
            if progress:
                progress(done, len(entries))
        if missing:
            listing = "\n".join(missing)
            archive.writestr("missing.txt", f"These files were recorded but no longer exist:\n{listing}\n")
    return final


def _remove_stale(folder: Path) -> None:
    cutoff = time.time() - STALE_EXPORT_SECONDS
    for old in folder.glob("motion_studio-history-*.zip*"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except FileNotFoundError:
            pass
