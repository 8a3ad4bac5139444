"""Alembic runs this for every command: on the connection the store hands it, against tables.py."""

from __future__ import annotations

from alembic import context

from lib.store.tables import metadata


def run() -> None:
    context.configure(
        connection=context.config.attributes["connection"],
        target_metadata=metadata,
        render_as_batch=True,  # SQLite changes a column by copying its table, which batch mode writes for it
    )
    with context.begin_transaction():
        context.run_migrations()


# Alembic fills `context` only while one of its commands runs; imported any other way, this does nothing.
if hasattr(context, "config"):
    run()
