"""Real worker processes for tests: `python -m lib.worker` on a test's data folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import stop

ROOT = Path(__file__).resolve().parent.parent
# Settings that would change what a child process talks to or where it keeps files; it gets none from
# the caller's environment, only what the test gives it.
APP_VARIABLES = (
    "NOVITA_API_KEY",
    "NOVITA_BASE_URL",
    "PUBLIC_BASE_URL",
    "MOTION_STUDIO_STATIC_DIR",
    "MOTION_STUDIO_DATA",
    "REDIS_URL",
    "DATABASE_URL",
    "MEDIA_BUCKET",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "POLL_SECONDS",
    "WORKER_THREADS",
)
# Fast enough that a test waits seconds, not minutes; every lease and sweep scales with it.
TEST_POLL_SECONDS = "0.2"


def child_environment(data_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for an app or worker process on `data_dir`, with `env` on top."""
    child = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
    child.update({"MOTION_STUDIO_DATA": str(data_dir), "POLL_SECONDS": TEST_POLL_SECONDS, **(env or {})})
    return child


def start_worker(
    data_dir: Path,
    log_path: Path,
    env: dict[str, str] | None = None,
    threads: int = 2,
    command: list[str] | None = None,
) -> subprocess.Popen:
    """Start a worker (`command`, or `python -m lib.worker` with `threads`) and return once it says it runs;
    the caller stops it (`tests.processes.stop`)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a") as log:
        worker = subprocess.Popen(
            command or [sys.executable, "-m", "lib.worker", "--threads", str(threads)],
            cwd=ROOT,
            env=child_environment(data_dir, env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "Motion Studio worker" not in log_path.read_text():
        if worker.poll() is not None or time.monotonic() > deadline:
            stop(worker)
            raise RuntimeError(f"the worker did not start; see {log_path}")
        time.sleep(0.05)
    return worker


@contextmanager
def worker_process(
    data_dir: Path, log_path: Path, env: dict[str, str] | None = None, threads: int = 2
) -> Iterator[subprocess.Popen]:
    """A worker on `data_dir` for the length of the block."""
    worker = start_worker(data_dir, log_path, env, threads)
    try:
        yield worker
    finally:
        stop(worker)


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Wait for `condition` to hold, looking every 0.1 s; fail saying `what` did not come."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.1)
