"""The README's run command, `./scripts/run.sh`: it brings up the app and a worker, and Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
import requests

from lib.config import load_settings
from lib.worker import live_workers
from tests.browser_support import ROOT, free_port
from tests.worker_support import child_environment

T = TypeVar("T")


def wait_for(check: Callable[[], T], seconds: float, what: str, process: subprocess.Popen) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"run.sh exited with {process.returncode} before {what}"
        try:
            if found := check():
                return found
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"no {what} after {seconds:g} s")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_run_command_brings_up_app_and_worker_and_ctrl_c_stops_both(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    env = child_environment(data, {"MOTION_STUDIO_STATIC_DIR": str(tmp_path / "static")})
    args = ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"]
    log = (tmp_path / "run.log").open("w")
    # A session of its own, as a terminal gives: Ctrl-C goes to the whole foreground group.
    run = subprocess.Popen(
        [str(ROOT / "scripts" / "run.sh"), *args],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker_pid = None
    try:
        health = f"http://127.0.0.1:{port}/_stcore/health"
        wait_for(lambda: requests.get(health, timeout=2).ok, 90, "app answering", run)
        settings = load_settings(environ=env, secrets={})
        (worker,) = wait_for(lambda: live_workers(settings), 60, "worker heartbeat", run)
        worker_pid = worker.pid
        assert alive(worker_pid)

        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C in the terminal
        assert run.wait(timeout=40) == 0 or run.returncode == -signal.SIGINT
        deadline = time.monotonic() + 30  # the worker gets SIGTERM and finishes what is under way
        while alive(worker_pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(worker_pid), "the worker outlived the run command"
        with pytest.raises(requests.ConnectionError):  # the app is gone too
            requests.get(health, timeout=2)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
        if worker_pid is not None and alive(worker_pid):
            os.kill(worker_pid, signal.SIGKILL)  # its own session: the group kill above does not reach it
        log.close()
