"""What both benchmarks need: the simulator in its own process, a static file server, test media.

Everything listens on 127.0.0.1 and stops by itself: the simulator gets `--exit-after` and is
terminated on the way out, the static server is a daemon thread shut down by its context manager.
"""

from __future__ import annotations

import functools
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lib.files.hosting import STATIC_ROUTE, VideoHosting  # noqa: E402
from lib.jobs import JobRequest  # noqa: E402
from lib.novita import NovitaClient, Orientation  # noqa: E402
from tests.make_media import make_image, make_video  # noqa: E402
from tests.processes import stop  # noqa: E402

BENCH_API_KEY = "sk_bench_simulator"
SERVICE = "simulator"  # what `submit_job` records and the Poller follows


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def simulator_process(state_dir: Path, processing_seconds: float, exit_after: float) -> Iterator[str]:
    """`python -m lib.simulator` in a child process; yields its base URL once it answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = state_dir.parent / "simulator.log"
    state_dir.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lib.simulator",
                "--port",
                str(port),
                "--state-dir",
                str(state_dir),
                "--processing-seconds",
                str(processing_seconds),
                "--exit-after",
                str(exit_after),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                if child.poll() is not None:
                    raise RuntimeError(f"the simulator exited early; see {log_path}")
                try:
                    requests.get(f"{url}/_simulator/state", timeout=1).raise_for_status()
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield url
        finally:
            stop(child)


class _StaticHandler(SimpleHTTPRequestHandler):
    """Serves a folder at /app/static/, as Streamlit's static serving does."""

    def translate_path(self, path: str) -> str:
        if not path.startswith(STATIC_ROUTE):
            return "/nonexistent"
        return super().translate_path("/" + path[len(STATIC_ROUTE) :])

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@contextmanager
def static_hosting(static_dir: Path) -> Iterator[VideoHosting]:
    """`VideoHosting` in front of a loopback server for `static_dir`, where the simulator fetches videos."""
    static_dir.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_StaticHandler, directory=str(static_dir)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="bench-static", daemon=True)
    thread.start()
    try:
        yield VideoHosting(static_dir, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


def make_inputs(folder: Path, seconds: float) -> tuple[Path, Path]:
    """A character image and a short motion video, small enough to render fast."""
    folder.mkdir(parents=True, exist_ok=True)
    return make_image(folder / "character.png", 480, 640), make_video(folder / "motion.mp4", 480, 360, seconds=seconds)


def bench_request(image: Path, video: Path, label: str) -> JobRequest:
    """A job for the bench; `label` goes in the prompt so no two are "the same submission"."""
    return JobRequest(image, video, Orientation.IMAGE, prompt=label)


def bench_client(url: str) -> NovitaClient:
    return NovitaClient(BENCH_API_KEY, url)
