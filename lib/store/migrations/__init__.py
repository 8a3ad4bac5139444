"""The history's schema changes, as Alembic revisions run at start; no alembic.ini is needed anywhere.

A fresh database, SQLite or PostgreSQL, is made by the baseline revision, which is the schema the
frozen SQLite migrations left at 0013. A SQLite file made before Alembic is first finished with those
(`lib.store.legacy`) and then stamped at the baseline, its rows untouched. Every later change is a new
revision in `versions/`, never an edit of one released, and `lib/store/tables.py` changes with it:

    python -m lib.store.migrations "add a job's tags"    # writes versions/<n>_<slug>.py from tables.py
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import Connection

from lib.store import legacy

BASELINE = "0001"
HERE = Path(__file__).resolve().parent
# Two processes starting at once on a fresh PostgreSQL database migrate one after the other.
MIGRATION_LOCK = 0x6D6F74696F6E


def alembic_config(conn: Connection | None = None) -> Config:
    """Alembic's settings for these revisions, on `conn` when given."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(HERE / "versions"))
    config.attributes["connection"] = conn
    return config


def bring_up_to_date(engine: Engine) -> None:
    """Apply every revision this database lacks, in one transaction that holds the write lock."""
    if engine.dialect.name == "sqlite" and _made_before_alembic(engine):
        legacy.finish(Path(engine.url.database or ""))
    with engine.connect() as conn:
        conn.execution_options(immediate=True)
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("select pg_advisory_xact_lock(:lock)"), {"lock": MIGRATION_LOCK})
            config = alembic_config(conn)
            tables = inspect(conn).get_table_names()
            if "alembic_version" not in tables and "jobs" in tables:
                command.stamp(config, BASELINE)
            command.upgrade(config, "head")


def _made_before_alembic(engine: Engine) -> bool:
    path = Path(engine.url.database or "")
    if not path.exists():
        return False
    names = set(inspect(engine).get_table_names())
    return legacy.migrations.migrations_table in names and "alembic_version" not in names
