"""A real PostgreSQL for the tests: one server per test process on a free loopback port, a fresh database
per test, and the `database` fixture that runs a test on SQLite and on PostgreSQL.

    def test_something(database):          # runs twice: a SQLite file, then a PostgreSQL database URL
        store = JobStore(database)

The server is Debian's `postgresql` package (`initdb` and `postgres`); they refuse to run as root, so as
root they run as the `postgres` user, in a folder it may write. Durability is off: a test's data
never needs to survive a crash, and it makes each commit cheap.
"""

from __future__ import annotations

import ctypes
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.browser_support import free_port
from tests.processes import stop

_PR_SET_PDEATHSIG = 1
FAST_AND_FORGETFUL = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def _program(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None)
    if found is None:
        raise RuntimeError(f"{name} is missing: apt-get install -y postgresql")
    return found


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _die_with_parent() -> None:
    """In the child before exec: Linux sends it SIGTERM if the test process dies."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextmanager
def postgres_server(startup_timeout: float = 30.0) -> Iterator[str]:
    """Start a PostgreSQL server in a temporary folder; yield its URL (to the `postgres` database); stop it."""
    with tempfile.TemporaryDirectory(prefix="motion-studio-pg-") as folder:
        os.chmod(folder, 0o777)
        data = Path(folder) / "data"
        subprocess.run(
            _as_postgres([_program("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-N"]),
            check=True,
            capture_output=True,
        )
        port = free_port()
        settings = [part for setting in FAST_AND_FORGETFUL for part in ("-c", setting)]
        command = [_program("postgres"), "-D", str(data), "-p", str(port), "-k", folder, *settings]
        with (Path(folder) / "server.log").open("w") as log:
            server = subprocess.Popen(
                _as_postgres([*command, "-c", "listen_addresses=127.0.0.1"]),
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        try:
            url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
            _wait_until_it_answers(server, url, startup_timeout, Path(folder) / "server.log")
            yield url
        finally:
            _shut_down(data)
            stop(server)


def _wait_until_it_answers(server: subprocess.Popen, url: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"postgres exited with {server.returncode}: {log.read_text()[-2000:]}")
        try:
            psycopg.connect(url, connect_timeout=1).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"postgres did not answer within {timeout:.0f} s") from None
            time.sleep(0.1)


def _shut_down(data: Path) -> None:
    """A fast shutdown of the postmaster itself (runuser, its parent, may not pass a signal on)."""
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGINT)
    except (OSError, ValueError, IndexError):
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.05)


def fresh_database(server_url: str) -> str:
    """A new, empty database on the server; its URL."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """This test process's PostgreSQL server, started on first use."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh PostgreSQL database, also set as DATABASE_URL for whatever loads the settings."""
    url = fresh_database(request.getfixturevalue("postgres"))
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, data_dir: Path) -> Path | str:
    """Where the history is, once on each database: the SQLite file in the data folder, or a fresh
    PostgreSQL database (then also DATABASE_URL)."""
    if request.param == "sqlite":
        return data_dir / "motion_studio.db"
    return str(request.getfixturevalue("postgres_database"))
