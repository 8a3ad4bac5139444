"""A real redis-server for a test: on a free loopback port, nothing written to disk, stopped by its pid.

with redis_server(tmp_path / "redis.log") as url:   # redis://127.0.0.1:<port>/0
    ...
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.browser_support import free_port
from tests.processes import stop

REDIS_SERVER = Path("/usr/bin/redis-server")
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: Linux sends it SIGTERM if the test process dies, so even a killed
    test run leaves no redis-server behind."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextmanager
def redis_server(log_path: Path | None = None, startup_timeout: float = 15.0) -> Iterator[str]:
    """Start redis-server, wait until it answers PING, yield its URL; stop it when the block ends."""
    if not REDIS_SERVER.exists():
        raise RuntimeError(f"{REDIS_SERVER} is missing: apt-get install -y redis-server")
    port = free_port()
    command = [str(REDIS_SERVER), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with Path(log_path or os.devnull).open("w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    try:
        _wait_for_ping(server, port, startup_timeout)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(server)


def _wait_for_ping(server: subprocess.Popen, port: int, timeout: float) -> None:
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1, socket_timeout=1)
    deadline = time.monotonic() + timeout
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"redis-server exited with {server.returncode} before it answered")
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer PING within {timeout:.0f} s")
            time.sleep(0.05)
    finally:
        client.close()
