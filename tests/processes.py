"""The processes tests and benchmarks start: the simulator's command; stopping one, politely first, then for
sure; finding its ffmpeg."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lib.media.ffmpeg import FFMPEG


def simulator_command(
    port: int,
    state_dir: Path,
    processing_seconds: float,
    exit_after: float,
    api_key: str | None = None,
    ready_result: Path | None = None,
) -> list[str]:
    """`python -m lib.simulator` on `port`, keeping its tasks in `state_dir`, answering only `api_key` if given,
    and every task at once with `ready_result` if given."""
    command = [sys.executable, "-m", "lib.simulator", "--port", str(port), "--state-dir", str(state_dir)]
    command += ["--processing-seconds", str(processing_seconds), "--exit-after", str(exit_after)]
    command += ["--ready-result", str(ready_result)] if ready_result else []
    return command + (["--api-key", api_key] if api_key else [])


def stop(child: subprocess.Popen, grace: float = 10.0) -> None:
    """Terminate `child`; kill it if it has not exited after `grace` seconds."""
    child.terminate()
    try:
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait(timeout=grace)


def ffmpeg_children(parent: int) -> list[int]:
    """Process ids of ffmpeg processes whose parent is `parent`, zombies included."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue
        parent_line = next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:"))
        if int(parent_line) == parent and (command == FFMPEG or "ffmpeg" in status.splitlines()[0]):
            found.append(int(entry.name))
    return found
