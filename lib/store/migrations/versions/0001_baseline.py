"""The baseline: the schema the SQLite migrations left at 0013, which makes a fresh database.

Written by Alembic from tables.py at the time, and frozen since. A SQLite history from before Alembic
is stamped here instead (it already has these tables), so both go on from the same revision.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), server_default=sa.text("('')"), nullable=True),
        sa.Column("negative_prompt", sa.Text(), server_default=sa.text("('')"), nullable=True),
        sa.Column("character_orientation", sa.Text(), nullable=False),
        sa.Column("keep_original_sound", sa.Integer(), server_default=sa.text("1"), nullable=True),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("estimated_cost", sa.Float(), nullable=True),
        sa.Column("max_cost", sa.Float(), nullable=True),
        sa.Column("files_to_fix", sa.Integer(), server_default=sa.text("0"), nullable=True),
        sa.Column("files_fixed", sa.Integer(), server_default=sa.text("0"), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("lease", sa.Text(), nullable=True),
        sa.Column("due_at", sa.Text(), nullable=True),
        sa.Column("public_base_url", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.create_index("idx_batches_content_hash_status", ["content_hash", "status"], unique=False)
        batch_op.create_index("idx_batches_key", ["key"], unique=True)
        batch_op.create_index("idx_batches_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "drafts",
        sa.Column("pair_id", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), server_default=sa.text("('')"), nullable=True),
        sa.Column("negative_prompt", sa.Text(), server_default=sa.text("('')"), nullable=True),
        sa.Column("orientation", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("keep_sound", sa.Integer(), server_default=sa.text("1"), nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pair_id"),
    )
    op.create_table(
        "fix_runs",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("orientation", sa.Text(), nullable=True),
        sa.Column("start", sa.Float(), server_default=sa.text("(0.0)"), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("progress", sa.Float(), server_default=sa.text("(0.0)"), nullable=True),
        sa.Column("result_path", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("stop_requested", sa.Integer(), server_default=sa.text("0"), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), server_default=sa.text("'kling-v2.6-pro'"), nullable=False),
        sa.Column("fit", sa.Text(), server_default=sa.text("'solid'"), nullable=False),
        sa.Column("short_clip", sa.Text(), server_default=sa.text("'loop'"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("submission_key", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("task_id", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("remote_status", sa.Text(), server_default=sa.text("('')"), nullable=True),
        sa.Column("character_orientation", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), server_default=sa.text("('')"), nullable=True),
        sa.Column("negative_prompt", sa.Text(), server_default=sa.text("('')"), nullable=True),
        sa.Column("keep_original_sound", sa.Integer(), server_default=sa.text("1"), nullable=True),
        sa.Column("image_path", sa.Text(), nullable=True),
        sa.Column("video_path", sa.Text(), nullable=True),
        sa.Column("image_url", sa.Text(), nullable=True),
        sa.Column("video_url", sa.Text(), nullable=True),
        sa.Column("result_url", sa.Text(), nullable=True),
        sa.Column("result_url_expires_at", sa.Text(), nullable=True),
        sa.Column("result_path", sa.Text(), nullable=True),
        sa.Column("progress_percent", sa.Integer(), server_default=sa.text("0"), nullable=True),
        sa.Column("eta_seconds", sa.Integer(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("payload_json", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.Column("favorite", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("note", sa.Text(), server_default=sa.text("('')"), nullable=False),
        sa.Column("poster_path", sa.Text(), nullable=True),
        sa.Column("output_seconds", sa.Float(), nullable=True),
        sa.Column("service", sa.Text(), server_default=sa.text("'novita'"), nullable=False),
        sa.Column("key_fingerprint", sa.Text(), nullable=True),
        sa.Column("lease", sa.Text(), nullable=True),
        sa.Column("due_at", sa.Text(), nullable=True),
        sa.Column("polls", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("model", sa.Text(), server_default=sa.text("'kling-v2.6-pro'"), nullable=False),
        sa.Column("billed", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("video_link", sa.Text(), nullable=True),
        sa.Column("public_base_url", sa.Text(), nullable=True),
        sa.Column("hidden_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(
            "idx_jobs_character_orientation_created_at", ["character_orientation", "created_at"], unique=False
        )
        batch_op.create_index("idx_jobs_content_hash_status", ["content_hash", "status"], unique=False)
        batch_op.create_index("idx_jobs_created_at", ["created_at"], unique=False)
        batch_op.create_index("idx_jobs_favorite_created_at", ["favorite", "created_at"], unique=False)
        batch_op.create_index(
            "idx_jobs_image_path_video_path_created_at", ["image_path", "video_path", "created_at"], unique=False
        )
        batch_op.create_index("idx_jobs_key_fingerprint_status", ["key_fingerprint", "status"], unique=False)
        batch_op.create_index("idx_jobs_service_status", ["service", "status"], unique=False)
        batch_op.create_index("idx_jobs_status", ["status"], unique=False)
        batch_op.create_index("idx_jobs_status_created_at", ["status", "created_at"], unique=False)
        batch_op.create_index("idx_jobs_submission_key", ["submission_key"], unique=True)
        batch_op.create_index("idx_jobs_task_id", ["task_id"], unique=True)

    op.create_table(
        "library_items",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), server_default=sa.text("('')"), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("thumbnail_path", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("library_items", schema=None) as batch_op:
        batch_op.create_index("idx_library_items_kind_content_hash", ["kind", "content_hash"], unique=True)
        batch_op.create_index("idx_library_items_kind_created_at", ["kind", "created_at"], unique=False)

    op.create_table(
        "prepared_inputs",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("image_path", sa.Text(), nullable=False),
        sa.Column("video_path", sa.Text(), nullable=False),
        sa.Column("video_url", sa.Text(), nullable=True),
        sa.Column("character_orientation", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), server_default=sa.text("'kling-v2.6-pro'"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("prepared_inputs", schema=None) as batch_op:
        batch_op.create_index("idx_prepared_inputs_created_at", ["created_at"], unique=False)

    op.create_table(
        "presets",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prompt", sa.Text(), server_default=sa.text("('')"), nullable=True),
        sa.Column("negative_prompt", sa.Text(), server_default=sa.text("('')"), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "workers",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("host", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("key_fingerprint", sa.Text(), nullable=True),
        sa.Column("threads", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.Text(), nullable=True),
        sa.Column("seen_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.create_index("idx_workers_key_fingerprint_seen_at", ["key_fingerprint", "seen_at"], unique=False)

    op.create_table(
        "batch_cells",
        sa.Column("batch_id", sa.Text(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("col", sa.Integer(), nullable=False),
        sa.Column("image_path", sa.Text(), nullable=False),
        sa.Column("video_path", sa.Text(), nullable=False),
        sa.Column("estimated_cost", sa.Float(), nullable=True),
        sa.Column("job_id", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("image_name", sa.Text(), server_default=sa.text("('')"), nullable=False),
        sa.Column("video_name", sa.Text(), server_default=sa.text("('')"), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batches.id"],
        ),
        sa.PrimaryKeyConstraint("batch_id", "row", "col"),
    )
    with op.batch_alter_table("batch_cells", schema=None) as batch_op:
        batch_op.create_index("idx_batch_cells_job_id", ["job_id"], unique=False)
