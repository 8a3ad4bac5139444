"""The app in live mode against a simulator in its own process, for tests that watch the service side.

The simulator stands in for Novita (its request counts are readable through `SimulatorControl`). The
worker beside the app (`streamlit_server` starts one) sends the jobs with the key, putting uploaded
videos in the app's static folder, which the app serves and the simulator fetches over loopback.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from lib.simulator import SimulatorControl
from tests.browser_support import ROOT, RunningApp, free_port, streamlit_server
from tests.processes import simulator_command, stop


@dataclass(frozen=True)
class LiveSetup:
    app: RunningApp
    simulator: SimulatorControl


@contextmanager
def live_app(
    tmp: Path, api_key: str, processing_seconds: float, ready_result: Path | None = None
) -> Iterator[LiveSetup]:
    """The app, its worker and a simulator answering only `api_key`; with `ready_result`, every task's result
    is that MP4, copied at once instead of rendered."""
    port, app_port = free_port(), free_port()
    simulator = subprocess.Popen(
        simulator_command(port, tmp / "simulator", processing_seconds, 900, api_key, ready_result),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "Novita simulator on" in simulator.stdout.readline()
        environment = {
            "NOVITA_API_KEY": api_key,
            "NOVITA_BASE_URL": f"http://127.0.0.1:{port}",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
        }
        with streamlit_server(
            ROOT / "app.py", tmp / "data", tmp / "streamlit.log", env=environment, port=app_port
        ) as app:
            requests.get(app.url, timeout=10)
            yield LiveSetup(app, SimulatorControl(f"http://127.0.0.1:{port}"))
    finally:
        stop(simulator)
