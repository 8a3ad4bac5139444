"""The history's tables, described once: what the repositories read and write, and what Alembic compares.

Flat tables readable in plain SQL: text ids, ISO-8601 UTC times as text, flags as integers 0 and 1 (as
SQLite kept them, so a history moved from SQLite reads the same), paths of stored files, never the files.
This is the schema the frozen SQLite migrations (`lib/store/legacy.py`) left at 0013, index names
included, plus whatever Alembic revisions added since. A change here is a new revision in
`lib/store/migrations/versions/`; a test checks that the two agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, MetaData, Table, Text, text

metadata = MetaData()

FIRST_MODEL = "'kling-v2.6-pro'"  # the one model before there were several


def _text(name: str, *more: Any, required: bool = False, default: str | None = None, **options: Any) -> Column[Any]:
    server_default = text(default) if default else None
    nullable = not (required or options.get("primary_key"))
    return Column(name, Text, *more, nullable=nullable, server_default=server_default, **options)


def _int(name: str, *, required: bool = False, default: str | None = None) -> Column[Any]:
    return Column(name, Integer, nullable=not required, server_default=text(default) if default else None)


def _real(name: str, *, default: str | None = None) -> Column[Any]:
    return Column(name, Float, server_default=text(default) if default else None)


jobs = Table(
    "jobs",
    metadata,
    _text("id", primary_key=True),
    _text("submission_key"),
    _text("content_hash", required=True),
    _text("task_id"),
    _text("status", required=True),
    _text("remote_status", default="''"),
    _text("character_orientation", required=True),
    _text("prompt", default="''"),
    _text("negative_prompt", default="''"),
    _int("keep_original_sound", default="1"),
    _text("image_path"),
    _text("video_path"),
    _text("image_url"),
    _text("video_url"),
    _text("result_url"),
    _text("result_url_expires_at"),
    _text("result_path"),
    _int("progress_percent", default="0"),
    _int("eta_seconds"),
    _text("failure_reason"),
    _text("payload_json"),
    _text("created_at", required=True),
    _text("submitted_at"),
    _text("finished_at"),
    _text("updated_at", required=True),
    _int("favorite", required=True, default="0"),
    _text("note", required=True, default="''"),
    _text("poster_path"),
    _real("output_seconds"),
    _text("service", required=True, default="'novita'"),
    _text("key_fingerprint"),
    _text("lease"),
    _text("due_at"),
    _int("polls", required=True, default="0"),
    _text("model", required=True, default=FIRST_MODEL),
    _int("billed", required=True, default="0"),
    _text("video_link"),
    _text("public_base_url"),
    _text("hidden_at"),
    Index("idx_jobs_task_id", "task_id", unique=True),
    Index("idx_jobs_submission_key", "submission_key", unique=True),
    Index("idx_jobs_content_hash_status", "content_hash", "status"),
    Index("idx_jobs_status", "status"),
    Index("idx_jobs_created_at", "created_at"),
    Index("idx_jobs_status_created_at", "status", "created_at"),
    Index("idx_jobs_character_orientation_created_at", "character_orientation", "created_at"),
    Index("idx_jobs_favorite_created_at", "favorite", "created_at"),
    Index("idx_jobs_service_status", "service", "status"),
    Index("idx_jobs_key_fingerprint_status", "key_fingerprint", "status"),
    Index("idx_jobs_image_path_video_path_created_at", "image_path", "video_path", "created_at"),
)

prepared_inputs = Table(
    "prepared_inputs",
    metadata,
    _text("id", primary_key=True),
    _text("image_path", required=True),
    _text("video_path", required=True),
    _text("video_url"),
    _text("character_orientation", required=True),
    _text("created_at", required=True),
    _text("model", required=True, default=FIRST_MODEL),
    Index("idx_prepared_inputs_created_at", "created_at"),
)

fix_runs = Table(
    "fix_runs",
    metadata,
    _text("id", primary_key=True),
    _text("kind", required=True),
    _text("source_path", required=True),
    _text("orientation"),
    _real("start", default="0.0"),
    _text("status", required=True),
    _real("progress", default="0.0"),
    _text("result_path"),
    _text("error"),
    _int("stop_requested", default="0"),
    _text("created_at", required=True),
    _text("updated_at", required=True),
    _text("model", required=True, default=FIRST_MODEL),
    _text("fit", required=True, default="'solid'"),
    _text("short_clip", required=True, default="'loop'"),
)

workers = Table(
    "workers",
    metadata,
    _text("id", primary_key=True),
    _text("host"),
    _int("pid"),
    _text("key_fingerprint"),
    _int("threads"),
    _text("started_at"),
    _text("seen_at"),
    Index("idx_workers_key_fingerprint_seen_at", "key_fingerprint", "seen_at"),
)

drafts = Table(
    "drafts",
    metadata,
    _text("pair_id", primary_key=True),
    _text("prompt", default="''"),
    _text("negative_prompt", default="''"),
    _text("orientation"),
    _text("model"),
    _int("keep_sound", default="1"),
    _text("updated_at", required=True),
)

presets = Table(
    "presets",
    metadata,
    _text("name", primary_key=True),
    _text("prompt", default="''"),
    _text("negative_prompt", default="''"),
    _text("created_at", required=True),
)

library_items = Table(
    "library_items",
    metadata,
    _text("id", primary_key=True),
    _text("kind", required=True),
    _text("name", required=True),
    _text("tags", required=True, default="''"),
    _text("content_hash", required=True),
    _text("path", required=True),
    _text("thumbnail_path"),
    _text("created_at", required=True),
    _text("updated_at", required=True),
    Index("idx_library_items_kind_content_hash", "kind", "content_hash", unique=True),
    Index("idx_library_items_kind_created_at", "kind", "created_at"),
)

batches = Table(
    "batches",
    metadata,
    _text("id", primary_key=True),
    _text("status", required=True),
    _text("prompt", default="''"),
    _text("negative_prompt", default="''"),
    _text("character_orientation", required=True),
    _int("keep_original_sound", default="1"),
    _text("model", required=True),
    _real("estimated_cost"),
    _real("max_cost"),
    _int("files_to_fix", default="0"),
    _int("files_fixed", default="0"),
    _text("error"),
    _text("created_at", required=True),
    _text("updated_at", required=True),
    _text("key"),
    _text("lease"),
    _text("due_at"),
    _text("public_base_url"),
    _text("content_hash"),
    Index("idx_batches_key", "key", unique=True),
    Index("idx_batches_content_hash_status", "content_hash", "status"),
    Index("idx_batches_status_due_at", "status", "due_at"),
)

batch_cells = Table(
    "batch_cells",
    metadata,
    _text("batch_id", ForeignKey("batches.id"), primary_key=True),
    Column("row", Integer, primary_key=True),
    Column("col", Integer, primary_key=True),
    _text("image_path", required=True),
    _text("video_path", required=True),
    _real("estimated_cost"),
    _text("job_id"),
    _text("error"),
    _text("image_name", required=True, default="''"),
    _text("video_name", required=True, default="''"),
    Index("idx_batch_cells_job_id", "job_id"),
)
