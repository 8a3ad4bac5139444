"""A team: who made each job, batch and library item (`made_by`), monthly caps, and the audit log.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("who", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("what", sa.Text(), nullable=True),
        sa.Column("usd", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("idx_audit_log_at", ["at"], unique=False)

    op.create_table(
        "budgets",
        sa.Column("person", sa.Text(), nullable=False),
        sa.Column("monthly_usd", sa.Float(), nullable=False),
        sa.Column("set_by", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("person"),
    )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("made_by", sa.Text(), nullable=True))

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("made_by", sa.Text(), nullable=True))
        batch_op.create_index("idx_jobs_made_by_created_at", ["made_by", "created_at"], unique=False)

    with op.batch_alter_table("library_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("made_by", sa.Text(), nullable=True))
