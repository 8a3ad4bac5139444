"""One SQLAlchemy engine per process and database, with its pool of connections.

The history is the SQLite file in the data folder, or PostgreSQL when DATABASE_URL names one
(`postgresql://user:password@host:5432/motion_studio`, spoken through psycopg 3). Either way the
repositories see the same engine and the same SQL. The first open in a process brings the schema up
to date (`lib.store.migrations`), and one that cannot reach PostgreSQL raises `DatabaseUnreachable`.

    engine = open_store(settings.database)     # a Path to a SQLite file, or a database URL
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.engine import Connection

from lib.errors import DatabaseUnreachable
from lib.store.migrations import bring_up_to_date

# A process of the app uses one or two databases; a test run uses many, one after another, so the
# least recently used engines beyond these let go of their connections (they reconnect if used again).
ENGINES_KEPT = 8
# Each thread of a page, a worker or a follower holds a connection only for one read or write.
POOL_SIZE, POOL_OVERFLOW = 5, 20
CONNECT_SECONDS = 5
# SQLite waits this long for another process's write before it gives up with "database is locked".
SQLITE_BUSY_SECONDS = 30

_engines: OrderedDict[tuple[int, str], Engine] = OrderedDict()
_ready: set[tuple[int, str]] = set()
_lock = threading.Lock()


def database_url(where: Path | str) -> str:
    """The SQLAlchemy URL of `where`: a path is a SQLite file; `postgresql://` speaks psycopg 3."""
    text = str(where)
    if "://" not in text:
        return f"sqlite:///{Path(text).resolve()}"
    for scheme in ("postgresql://", "postgres://"):
        if text.startswith(scheme):
            return "postgresql+psycopg://" + text.removeprefix(scheme)
    return text


def engine_for(where: Path | str) -> Engine:
    """This process's engine for `where`, made on first use (a forked child makes its own)."""
    key = (os.getpid(), database_url(where))
    with _lock:
        engine = _engines.pop(key, None) or _create(key[1])
        _engines[key] = engine
        while len(_engines) > ENGINES_KEPT:
            _engines.popitem(last=False)[1].dispose()
    return engine


def open_store(where: Path | str) -> Engine:
    """The engine for `where`, its schema brought up to date once per process.

    Raises `DatabaseUnreachable` when PostgreSQL does not answer, naming its host and port.
    """
    engine = engine_for(where)
    key = (os.getpid(), str(engine.url))
    if key in _ready and _still_there(engine):
        return engine
    try:
        bring_up_to_date(engine)
    except exc.OperationalError as error:
        if engine.dialect.name == "sqlite":
            raise
        raise DatabaseUnreachable(f"{engine.url.host}:{engine.url.port or 5432}", str(error.orig)) from None
    with _lock:
        _ready.add(key)
    return engine


def _still_there(engine: Engine) -> bool:
    """A SQLite file deleted since it was opened (a test's, a person's) is made again."""
    return engine.dialect.name != "sqlite" or Path(engine.url.database or "").exists()


def _create(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(
            url,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            pool_pre_ping=True,  # a connection PostgreSQL closed (a restart) is replaced, not handed out
            connect_args={"connect_timeout": CONNECT_SECONDS},
        )
    Path(make_url(url).database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, connect_args={"timeout": SQLITE_BUSY_SECONDS}
    )
    event.listen(engine, "connect", _sqlite_connected)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connected(conn: sqlite3.Connection, _record: Any) -> None:
    # The driver's own transactions would begin late and deferred; the door says when and how (below).
    conn.isolation_level = None
    conn.execute("pragma journal_mode = wal")  # kept in the file: readers and one writer never wait on each other


def _sqlite_begin(conn: Connection) -> None:
    """A write transaction takes SQLite's write lock at once (`BEGIN IMMEDIATE`), so a second process
    waits its turn instead of failing with "database is locked" when it moves from reading to writing."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")
