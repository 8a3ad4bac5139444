"""What the engine benchmarks share: the simulator and worker processes, a static file server, test
media, the bare `requests` flow they are measured against, and reading a process's CPU time.

Everything listens on 127.0.0.1 and stops by itself: the simulator gets `--exit-after` and is
terminated on the way out, workers are stopped by their process id when their block ends, the
static server is a daemon thread shut down by its context manager.
"""

from __future__ import annotations

import base64
import functools
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lib.config import Settings, load_settings  # noqa: E402
from lib.files.hosting import STATIC_ROUTE, VideoHosting  # noqa: E402
from lib.jobs import Job, JobRequest, JobStatus, JobStore  # noqa: E402
from lib.novita import RESULT_PATH, SUBMIT_PATH, Orientation  # noqa: E402
from lib.simulator import SimulatorControl  # noqa: E402
from tests.make_media import make_image, make_video  # noqa: E402
from tests.processes import simulator_command, stop  # noqa: E402
from tests.worker_support import start_worker  # noqa: E402

BENCH_API_KEY = "sk_bench_simulator"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def simulator_process(
    state_dir: Path,
    processing_seconds: float,
    exit_after: float,
    api_key: str | None = BENCH_API_KEY,
    ready_result: Path | None = None,
) -> Iterator[str]:
    """`python -m lib.simulator` in a child process; yields its base URL once it answers. With `ready_result`
    every task ends with that MP4 instead of a render, so the engine is what a run measures."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = state_dir.parent / "simulator.log"
    state_dir.mkdir(parents=True, exist_ok=True)
    command = simulator_command(port, state_dir, processing_seconds, exit_after, api_key, ready_result)
    with log_path.open("w") as log:
        child = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
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


# The engine: worker processes and the app's side of the queue ---------------------------------


@dataclass(frozen=True)
class Service:
    """The simulator (as the service, with the bench key) and the static server it fetches videos from."""

    url: str
    hosting: VideoHosting

    def environment(
        self, data_dir: Path, poll_seconds: float, redis_url: str | None = None, database_url: str | None = None
    ) -> dict[str, str]:
        """The settings of the app and its workers on `data_dir`, live mode against this simulator; the
        history in PostgreSQL with `database_url`."""
        env = {
            "NOVITA_API_KEY": BENCH_API_KEY,
            "NOVITA_BASE_URL": self.url,
            "PUBLIC_BASE_URL": self.hosting.base_url or "",
            "MOTION_STUDIO_STATIC_DIR": str(self.hosting.static_dir),
            "MOTION_STUDIO_DATA": str(data_dir),
            "POLL_SECONDS": str(poll_seconds),
        }
        if redis_url:
            env["REDIS_URL"] = redis_url
        if database_url:
            env["DATABASE_URL"] = database_url
        return env


@dataclass(frozen=True)
class Engine:
    """Running workers and the settings the app uses to queue work for them."""

    settings: Settings
    workers: list[subprocess.Popen]

    @property
    def store(self) -> JobStore:
        return JobStore(self.settings.database)


@contextmanager
def engine(
    service: Service,
    data_dir: Path,
    poll_seconds: float,
    *,
    workers: int = 1,
    threads: int = 4,
    redis_url: str | None = None,
    database_url: str | None = None,
) -> Iterator[Engine]:
    """`workers` real `python -m lib.worker` processes on `data_dir`; all stopped when the block ends."""
    env = service.environment(data_dir, poll_seconds, redis_url, database_url)
    with ExitStack() as stack:
        started = []
        for number in range(workers):
            worker = start_worker(data_dir, data_dir.parent / f"{data_dir.name}-worker{number}.log", env, threads)
            stack.callback(stop, worker)
            started.append(worker)
        # The environment wins over the secrets file anyway; an empty mapping keeps a developer's
        # secrets.toml out of the bench entirely.
        yield Engine(load_settings(env, {}), started)


def wait_until_final(store: JobStore, job_ids: list[str], timeout: float, every: float = 0.02) -> list[Job]:
    """The jobs once every one has ended; raises if one has not within `timeout` seconds or did not succeed."""
    deadline = time.monotonic() + timeout
    pending = list(job_ids)
    done: dict[str, Job] = {}
    while pending:
        still = []
        for job_id in pending:
            job = store.get(job_id)
            if job is not None and job.status.final:
                done[job_id] = job
            else:
                still.append(job_id)
        pending = still
        if pending:
            if time.monotonic() > deadline:
                stuck = store.get(pending[0])
                raise RuntimeError(f"{len(pending)} jobs not done after {timeout:.0f} s, e.g. {stuck}")
            time.sleep(every)
    failed = [job for job in done.values() if job.status is not JobStatus.SUCCEEDED]
    if failed:
        raise RuntimeError(f"{len(failed)} jobs did not succeed, e.g. {failed[0]}")
    return [done[job_id] for job_id in job_ids]


def finished_epoch(job: Job) -> float:
    """When the store recorded the job as ended, in seconds since the epoch (as `time.time()`)."""
    return datetime.fromisoformat(job.finished_at or "").timestamp()


# The baseline: the same work as a plain loop -----------------------------------------------------


def run_bare(
    label: str, image: Path, video_url: str, url: str, interval: float, session: requests.Session, dest: Path
) -> float:
    """POST, GET task-result every `interval`, GET the video to a file; seconds from start to file on disk."""
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {BENCH_API_KEY}"}
    body = {
        "image": base64.b64encode(image.read_bytes()).decode(),
        "video": video_url,
        "character_orientation": "image",
        "prompt": label,
        "keep_original_sound": True,
    }
    answer = session.post(url + SUBMIT_PATH, json=body, headers=headers, timeout=(5, 120))
    answer.raise_for_status()
    task_id = answer.json()["task_id"]
    while True:
        answer = session.get(url + RESULT_PATH, params={"task_id": task_id}, headers=headers, timeout=(5, 30))
        answer.raise_for_status()
        payload = answer.json()
        status = payload["task"]["status"]
        if status == "TASK_STATUS_SUCCEED":
            break
        if status == "TASK_STATUS_FAILED" or time.perf_counter() - started > 300:
            raise RuntimeError(f"bare task {task_id} did not succeed: {payload['task']}")
        time.sleep(interval)
    with session.get(payload["videos"][0]["video_url"], stream=True, timeout=(5, 60)) as download:
        download.raise_for_status()
        with dest.open("wb") as out:
            for chunk in download.iter_content(1024 * 1024):
                out.write(chunk)
    return time.perf_counter() - started


# Measuring ------------------------------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid`, all its threads and its reaped children."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the name in parentheses may hold spaces
    # After the name: state is field 3 of proc(5), so utime (14) .. cstime (17) are [11:15] here.
    return sum(int(value) for value in fields[11:15]) / _TICKS


def requests_between(log: list[dict], route: str, start: float, end: float) -> list[float]:
    """Times (epoch seconds) of the simulator's logged requests to `route` from `start` to `end`."""
    return [entry["at"] for entry in log if entry["route"] == route and start <= entry["at"] <= end]


# Following pending jobs -------------------------------------------------------------------------

RENDER_WAIT = 600.0


def wait_until_sent_and_rendered(jobs: Callable[[], list[Job | None]], results: Path, count: int) -> float:
    """Every job is with the simulator, and it has rendered every result (so it is quiet)."""
    started = time.monotonic()
    while True:
        statuses = [job.status for job in jobs() if job is not None]
        sent = sum(status in (JobStatus.QUEUED, JobStatus.PROCESSING) for status in statuses)
        rendered = len(list(results.glob("*.mp4")))
        if sent == count and rendered == count:
            return time.monotonic() - started
        if any(status.final or status is JobStatus.MAYBE_SUBMITTED for status in statuses):
            raise RuntimeError(f"a job left the pending states: {sorted(s.value for s in statuses)}")
        if time.monotonic() - started > RENDER_WAIT:
            raise RuntimeError(f"{sent} of {count} jobs sent, {rendered} rendered after {RENDER_WAIT:.0f} s")
        time.sleep(1)


def measure(pid: int, window: float, control: SimulatorControl) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of process `pid`, task-result requests) over one window."""
    cpu_before, wall_before, start = cpu_seconds(pid), time.monotonic(), time.time()
    time.sleep(window)
    cpu, wall, end = cpu_seconds(pid) - cpu_before, time.monotonic() - wall_before, time.time()
    return wall, cpu, len(requests_between(control.state()["requests"], "task-result", start, end))
