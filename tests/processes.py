"""Stopping a child process that tests and benchmarks started: politely first, then for sure."""

from __future__ import annotations

import subprocess


def stop(child: subprocess.Popen, grace: float = 10.0) -> None:
    """Terminate `child`; kill it if it has not exited after `grace` seconds."""
    child.terminate()
    try:
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait(timeout=grace)
