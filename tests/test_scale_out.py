"""Machines that share no disk (issue 20): two apps and two workers, each with its own empty data folder,
sharing only a real PostgreSQL, a real redis-server and a moto S3 server, all on free loopback ports.

The apps and workers run the very commands docker-compose.yml gives them. Work is queued from both apps'
settings through the command line (`submit`, `batch`); one worker is killed with SIGKILL while it polls and
another while it downloads, and fresh workers finish what they left. The simulator answers every task at
once with a ready MP4 and counts the POSTs, so a job paid twice shows as a number off by one. Then both apps'
History pages play every result in Chromium, and a third, fresh data folder downloads one with the CLI.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml
from playwright.sync_api import Browser, expect

from lib.cli.main import main as cli
from lib.jobs import JobStatus, JobStore
from lib.media.ffmpeg import FFMPEG
from lib.media.probe import VideoFacts, probe
from lib.simulator import SimulatorControl
from tests.browser_support import ROOT, VIEWPORT, free_port, go_to, main_area, open_buttons
from tests.conftest import TEST_API_KEY
from tests.make_media import make_image, make_video
from tests.postgres_support import fresh_database
from tests.processes import simulator_command, stop
from tests.redis_support import redis_server
from tests.s3_support import REGION, admin_client
from tests.worker_support import child_environment, start_worker, wait_until

JOBS_PER_APP = 10
BATCH_CELLS = 4
HOLD_SECONDS = 6.0  # a held poll or download outlasts the kill that lands in it
PROCESSING_SECONDS = 20.0  # longer than sending all 24 takes on a busy machine: the kills land while they process
WORKER_THREADS = 4  # docker-compose.yml's worker command


def compose_command(service: str) -> list[str]:
    """The command docker-compose.yml runs for `service`, with this interpreter as `python`."""
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"][service]["command"]
    return [sys.executable if part == "python" else part for part in command]


@dataclass(frozen=True)
class Shared:
    """What the machines share, as settings, and the simulator standing in for Novita."""

    env: dict[str, str]
    control: SimulatorControl
    database: str

    def submits(self) -> int:
        return self.control.request_count("submit")


@contextmanager
def simulator_answering_at_once(folder: Path, ready: Path) -> Iterator[str]:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    command = simulator_command(port, folder / "state", 0.0, 600, TEST_API_KEY, ready_result=ready)
    with (folder / "simulator.log").open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(f"{url}/_simulator/state") or process.poll() is not None, 30, "the simulator")
        yield url
    finally:
        stop(process)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False


@contextmanager
def app(data_dir: Path, log_path: Path, env: dict[str, str]) -> Iterator[str]:
    """One app machine: the compose file's app command on its own data folder and a free port."""
    port = free_port()
    settings = {**env, "STREAMLIT_SERVER_ADDRESS": "127.0.0.1", "STREAMLIT_SERVER_PORT": str(port)}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(
            compose_command("app"), cwd=ROOT, env=child_environment(data_dir, settings), stdout=log, stderr=log
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(f"{url}/_stcore/health") or process.poll() is not None, 60, "an app")
        assert process.poll() is None, log_path.read_text()
        yield url
    finally:
        stop(process)


def worker(data_dir: Path, log_path: Path, env: dict[str, str]) -> subprocess.Popen:
    return start_worker(data_dir, log_path, env, command=compose_command("worker"))


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def kill_when_held(shared: Shared, process: subprocess.Popen, route: str, times: int) -> None:
    """Hold the next `times` requests to `route`, and SIGKILL `process` once they all wait."""
    before = len(shared.control.state()["requests"])
    shared.control.fault("hold", match=route, seconds=HOLD_SECONDS, times=times)

    def held() -> list[dict]:
        return [r for r in shared.control.state()["requests"][before:] if r["route"] == route]

    wait_until(lambda: len(held()) >= times, 60, f"{times} {route} requests held")
    kill(process)
    assert time.time() - held()[0]["at"] < HOLD_SECONDS, f"the held {route} was answered before the kill"
    shared.control.clear_faults()


def queue_from(monkeypatch: pytest.MonkeyPatch, data_dir: Path, env: dict[str, str], argv: list[str]) -> None:
    """Run the command line in-process as an app machine would: its own data folder, the shared settings."""
    for name, value in child_environment(data_dir, env).items():
        monkeypatch.setenv(name, value)
    code = cli([*argv, "--json"])
    assert code == 0, f"{argv[0]} exited {code}"


def playable(path: Path) -> None:
    """The whole file decodes, and it is an MP4 of a few seconds."""
    decoded = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "null", "-"], capture_output=True)
    assert decoded.returncode == 0 and not decoded.stderr, decoded.stderr.decode()
    facts = probe(path)
    assert isinstance(facts, VideoFacts) and facts.format == "mp4" and (facts.duration or 0) > 1, facts


def history_shows_every_result(browser: Browser, url: str, total: int) -> None:
    """Every take's poster loads on History's pages, and the newest take's video plays."""
    context = browser.new_context(viewport={**VIEWPORT, "height": 2400})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(url)
        go_to(page, "History", "History")
        expect(main_area(page).get_by_text(f"{total} jobs")).to_be_visible(timeout=60_000)
        shown = 0
        while True:
            posters = main_area(page).get_by_test_id("stImage").locator("img")
            expect(posters.first).to_be_visible(timeout=60_000)
            page.wait_for_function(
                "() => [...document.querySelectorAll('[data-testid=stImage] img')]"
                ".every(i => i.complete && i.naturalWidth > 0)"
            )
            shown += posters.count()
            older = main_area(page).get_by_role("button", name="Older")
            if older.is_disabled():
                break
            older.click()
            expect(main_area(page).get_by_role("button", name="Newer")).to_be_enabled(timeout=60_000)
        assert shown == total, f"History at {url} showed {shown} of {total} results"
        page.goto(url)
        go_to(page, "History", "History")
        open_buttons(main_area(page)).first.click()
        # The opened job's player: a batch's posters (folded, so hidden) are videos too.
        expect(main_area(page).locator("video:visible").first).to_be_visible(timeout=60_000)
        # Queried afresh each time: a rerun may replace the element a handle would hold.
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=stMain] video')]"
            ".some(v => v.offsetParent !== null && v.readyState >= 2)",
            timeout=60_000,
        )
    finally:
        context.close()


@pytest.mark.browser
def test_two_apps_and_two_workers_sharing_only_postgresql_redis_and_a_bucket(
    postgres: str,
    moto_url: str,
    character_png: Path,
    motion_mp4: Path,
    browser: Browser,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = time.monotonic()
    bucket = "shared-nothing"
    admin_client(moto_url).create_bucket(Bucket=bucket)
    database = fresh_database(postgres)
    with ExitStack() as stack:
        redis_url = stack.enter_context(redis_server(tmp_path / "redis.log"))
        sim_url = stack.enter_context(simulator_answering_at_once(tmp_path / "simulator", motion_mp4))
        env = {
            "NOVITA_API_KEY": TEST_API_KEY,
            "NOVITA_BASE_URL": sim_url,
            "DATABASE_URL": database,
            "REDIS_URL": redis_url,
            "MEDIA_BUCKET": bucket,
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": moto_url,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": "AKIASTUDIO0000000000",
            "S3_SECRET_ACCESS_KEY": "studio-secret-key-0123456789",
        }
        shared = Shared(env, SimulatorControl(sim_url), database)
        shared.control.configure(balance_usd=1000.0)
        machines = {name: tmp_path / name / "data" for name in ("app-a", "app-b", "w1", "w2", "w3", "w4", "fresh")}
        urls = [stack.enter_context(app(machines[n], tmp_path / f"{n}.log", env)) for n in ("app-a", "app-b")]
        # Every task stays processing long enough for both kills to land before any result is ready.
        shared.control.configure(processing_seconds=PROCESSING_SECONDS)
        for n in range(JOBS_PER_APP):
            for name in ("app-a", "app-b"):
                argv = ["submit", "--image", str(character_png), "--video", str(motion_mp4), "--orientation", "image"]
                queue_from(monkeypatch, machines[name], env, [*argv, "--prompt", f"{name} take {n}"])
        images = [character_png, make_image(tmp_path / "ben.png", 640, 480)]
        videos = [motion_mp4, make_video(tmp_path / "wave.mp4", 480, 360, seconds=3.0)]
        argv = ["batch", *(f"--image={p}" for p in images), *(f"--video={p}" for p in videos), "--yes"]
        queue_from(monkeypatch, machines["app-b"], env, argv)
        capsys.readouterr()

        store = JobStore(database)
        total = 2 * JOBS_PER_APP + BATCH_CELLS
        first, second = (worker(machines[n], tmp_path / f"{n}.log", env) for n in ("w1", "w2"))
        stack.callback(stop, first)
        stack.callback(stop, second)
        # Every job is sent before the first kill: a kill that lands in a send leaves a job "may have been
        # sent", which waits for a person by design (CI once killed a worker between its balance check and its POST).
        wait_until(
            lambda: store.count() == total and JobStatus.SUBMITTING not in {j.status for j in store.recent(limit=None)},
            120,
            "every job sent",
        )
        # Every thread of both workers waits in a poll (every job is still processing); the first dies in its four.
        kill_when_held(shared, first, "task-result", times=2 * WORKER_THREADS)
        kill_when_held(shared, second, "download", times=1)
        for name in ("w3", "w4"):
            stack.callback(stop, worker(machines[name], tmp_path / f"{name}.log", env))

        wait_until(
            lambda: all(job.status.final for job in store.recent(limit=total)),
            90,
            "every job to end",
        )
        jobs = store.recent(limit=total)
        assert [job.status for job in jobs] == [JobStatus.SUCCEEDED] * total, [
            (job.status.value, job.failure_reason) for job in jobs if job.status is not JobStatus.SUCCEEDED
        ]
        assert shared.submits() == total, f"{shared.submits()} POSTs for {total} jobs"
        assert len({job.task_id for job in jobs}) == total

        for url in urls:
            history_shows_every_result(browser, url, total)

        for name, value in child_environment(machines["fresh"], env).items():
            monkeypatch.setenv(name, value)
        out = tmp_path / "downloaded"
        assert cli(["download", jobs[0].id, str(out), "--json"]) == 0
        downloaded = Path(json.loads(capsys.readouterr().out)["path"])
        assert downloaded.parent == out
        playable(downloaded)
    print(f"shared nothing: {total} jobs, two kills, two browsers: {time.monotonic() - started:.0f} s")
