"""Write a new revision from what tables.py says and a fresh database lacks: `python -m lib.store.migrations "what"`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from lib.store.engine import open_store
from lib.store.migrations import alembic_config


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "history.db").connect() as conn:
        versions = sorted((Path(__file__).parent / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
        number = f"{len(versions) + 1:04d}"
        command.revision(alembic_config(conn), message, autogenerate=True, rev_id=number)


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "a change")
