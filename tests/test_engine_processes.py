"""The engine end to end with real processes: a simulator, Streamlit apps and workers on one data folder.

Jobs are queued with `lib.worker.queue_job`, the call the Generate page makes, and followed by
`python -m lib.worker` processes over SQLite (`<data>/queue.db`) or a real redis-server. The
simulator's request log counts what was paid for (a POST to submit) and what was fetched (a result
download), so a job sent twice or a result saved twice by two workers shows as a number off by one.
Workers are killed with SIGKILL mid-poll and mid-download (held there by simulator faults); what
they held is taken over by the next one through the queue's stored schedule and the sweep. A
thread reads every job's status all along, so a job that goes backwards is seen.

tests/test_jobs.py forces each race in one process; here the processes race for real.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from lib.config import Settings, load_settings
from lib.jobs import Job, JobRequest, JobStatus, JobStore
from lib.media.mediainfo import PROBE_SECONDS, media_info
from lib.media.probe import VideoFacts, probe
from lib.novita import Orientation
from lib.simulator import SimulatorControl
from lib.worker import queue_job
from lib.worker.queue import queue_for
from lib.worker.tasks import timing_for
from tests.browser_support import ROOT, free_port, streamlit_server
from tests.conftest import TEST_API_KEY
from tests.processes import stop
from tests.redis_support import redis_server
from tests.worker_support import child_environment, start_worker

# The way every job in these runs goes: only forward, never "may have been sent", never failed.
HAPPY_PATH = [JobStatus.SUBMITTING, JobStatus.QUEUED, JobStatus.PROCESSING, JobStatus.DOWNLOADING, JobStatus.SUCCEEDED]
# Held answers keep a worker's threads inside a request until it is killed: longer than every
# thread takes to be caught and the kill to land, shorter than the client's read timeout (15 s).
POLL_HOLD_SECONDS = 6.0
DOWNLOAD_HOLD_SECONDS = 6.0


@dataclass(frozen=True)
class Simulator:
    """The simulator in its own process; `mark()` starts a test's count of requests."""

    url: str
    control: SimulatorControl

    def mark(self, processing_seconds: float) -> int:
        self.control.clear_faults()
        self.control.configure(processing_seconds=processing_seconds)
        return len(self.control.state()["requests"])

    def requests_since(self, mark: int) -> list[dict]:
        return self.control.state()["requests"][mark:]

    def counts(self, mark: int) -> Counter[str]:
        return Counter(r["route"] for r in self.requests_since(mark))


@dataclass(frozen=True)
class Apps:
    """Two app processes on one data folder; the first one's address is the public one."""

    data_dir: Path
    env: dict[str, str]

    @property
    def host_url(self) -> str:
        return self.env["PUBLIC_BASE_URL"]


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    folder = tmp_path_factory.mktemp("simulator")
    port = free_port()
    command = [
        *(sys.executable, "-m", "lib.simulator", "--port", str(port), "--state-dir", str(folder / "state")),
        *("--processing-seconds", "1", "--api-key", TEST_API_KEY, "--exit-after", "900"),
    ]
    with (folder / "simulator.log").open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(f"{url}/_simulator/state") or process.poll() is not None, 30, "the simulator")
        assert process.poll() is None, (folder / "simulator.log").read_text()
        yield Simulator(url, SimulatorControl(url))
    finally:
        stop(process)


@pytest.fixture(scope="module")
def apps(simulator: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Apps]:
    """Two apps on one data folder, in live mode against the simulator, with no worker of their own.

    The other tests use the first one only as the public host of motion videos (its static route).
    """
    folder = tmp_path_factory.mktemp("apps")
    port = free_port()
    env = live_env(simulator, f"http://127.0.0.1:{port}")
    data = folder / "data"
    with (
        streamlit_server(ROOT / "app.py", data, folder / "app-a.log", env=env, port=port, worker=False) as first,
        streamlit_server(ROOT / "app.py", data, folder / "app-b.log", env=env, worker=False) as second,
    ):
        for app in (first, second):
            requests.get(app.url, timeout=10).raise_for_status()
        yield Apps(data, env)


def live_env(simulator: Simulator, public_base_url: str, redis_url: str | None = None) -> dict[str, str]:
    env = {"NOVITA_API_KEY": TEST_API_KEY, "NOVITA_BASE_URL": simulator.url, "PUBLIC_BASE_URL": public_base_url}
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def settings_for(data_dir: Path, env: dict[str, str]) -> Settings:
    """The settings a worker started with `env` on `data_dir` reads, as the app would queue with them."""
    return load_settings(environ=child_environment(data_dir, env), secrets={})


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.05)


def queue_jobs(settings: Settings, image: Path, video: Path, count: int, label: str) -> list[Job]:
    jobs = [
        queue_job(JobRequest(image, video, Orientation.IMAGE, prompt=f"{label}, take {n}"), settings)
        for n in range(count)
    ]
    assert len({job.id for job in jobs}) == count, "two distinct prompts were taken for the same job"
    return jobs


def statuses(store: JobStore, jobs: list[Job]) -> list[JobStatus]:
    return [store.get(job.id).status for job in jobs]


def wait_until_final(store: JobStore, jobs: list[Job], timeout: float) -> list[Job]:
    deadline = time.monotonic() + timeout
    while True:
        now = [store.get(job.id) for job in jobs]
        if all(job.status.final for job in now):
            return now
        if time.monotonic() > deadline:
            raise AssertionError(f"not all final after {timeout:.0f} s: {Counter(j.status.value for j in now)}")
        time.sleep(0.1)


def kill(worker: subprocess.Popen) -> None:
    """SIGKILL: no Ctrl-C, no finally, no chance to hand anything back."""
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)


def kill_while_polling(simulator: Simulator, worker: subprocess.Popen, threads_in_flight: int) -> None:
    """Hold the next polls and SIGKILL `worker` once `threads_in_flight` of them wait: with that many
    threads in all, each of the worker's threads dies mid-poll and its look is lost with it."""
    before = len(simulator.control.state()["requests"])
    simulator.control.fault("hold", match="task-result", seconds=POLL_HOLD_SECONDS, times=threads_in_flight)

    def held() -> list[dict]:
        return [r for r in simulator.requests_since(before) if r["route"] == "task-result"]

    wait_for(lambda: len(held()) >= threads_in_flight, 15, f"{threads_in_flight} polls held")
    kill(worker)
    assert time.time() - held()[0]["at"] < POLL_HOLD_SECONDS, "a held poll was answered before the kill"
    simulator.control.clear_faults()


@contextmanager
def status_watch(store: JobStore) -> Iterator[dict[str, list[JobStatus]]]:
    """Every status each job shows while the block runs, read every 50 ms from another thread."""
    seen: dict[str, list[JobStatus]] = {}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for job in store.jobs_with_status(*JobStatus):
                history = seen.setdefault(job.id, [])
                if not history or history[-1] is not job.status:
                    history.append(job.status)
            done.wait(0.05)

    watcher = threading.Thread(target=watch, name="status-watch", daemon=True)
    watcher.start()
    try:
        yield seen
    finally:
        done.set()
        watcher.join(10)


def assert_never_backwards(seen: dict[str, list[JobStatus]], jobs: list[Job]) -> None:
    for job in jobs:
        history = seen.get(job.id, [])
        assert history, f"job {job.id} was never seen"
        names = [s.value for s in history]
        assert JobStatus.MAYBE_SUBMITTED not in history, f"job {job.id} was taken for a lost submit: {names}"
        assert set(history) <= set(HAPPY_PATH), f"job {job.id} left the happy path: {names}"
        ranks = [HAPPY_PATH.index(s) for s in history]
        assert ranks == sorted(ranks) and history.count(JobStatus.SUCCEEDED) <= 1, (
            f"job {job.id} went backwards: {names}"
        )


def assert_each_paid_and_saved_once(finished: list[Job], counts: Counter[str], downloads: int | None = None) -> None:
    """Every job succeeded with a playable MP4, the service was paid once per job, and each result
    was fetched once (or `downloads` times, when a kill cut some downloads short)."""
    assert Counter(job.status.value for job in finished) == {"succeeded": len(finished)}, [
        (job.status.value, job.failure_reason) for job in finished if job.status is not JobStatus.SUCCEEDED
    ]
    assert counts["submit"] == len(finished), f"{counts['submit']} submits for {len(finished)} jobs"
    expected = len(finished) if downloads is None else downloads
    assert counts["download"] == expected, f"{counts['download']} result downloads, expected {expected}"
    assert len({job.task_id for job in finished}) == len(finished), "two jobs share a task"
    for job in finished:
        assert job.result_path and Path(job.result_path).is_file(), f"job {job.id} has no result file"
        facts = probe(job.result_path)
        assert isinstance(facts, VideoFacts) and facts.format == "mp4", f"{job.result_path}: {facts}"
        assert facts.duration and facts.duration > 1, f"{job.result_path} is not a whole video: {facts}"


@pytest.mark.slow
def test_twenty_jobs_two_apps_two_workers_each_job_paid_once_and_saved_once(
    simulator, apps, character_png, motion_mp4, tmp_path
) -> None:
    mark = simulator.mark(processing_seconds=1.0)
    settings = settings_for(apps.data_dir, apps.env)
    store = JobStore(settings.db_path)
    with ExitStack() as stack, status_watch(store) as seen:
        for name in ("a", "b"):
            stack.callback(stop, start_worker(apps.data_dir, tmp_path / f"worker-{name}.log", apps.env))
        started = time.monotonic()
        jobs = queue_jobs(settings, character_png, motion_mp4, 20, "two workers")
        finished = wait_until_final(store, jobs, timeout=150)
        took = time.monotonic() - started
    print(f"20 jobs on two workers took {took:.1f} s")
    assert_each_paid_and_saved_once(finished, simulator.counts(mark))
    assert_never_backwards(seen, jobs)
    assert settings.queue_path.exists(), "the work did not go through the SQLite queue"


@pytest.mark.slow
def test_every_send_and_look_delivered_twice_still_pays_and_saves_each_job_once(
    simulator, apps, character_png, motion_mp4, tmp_path
) -> None:
    """A queue may deliver a task twice (a redelivery, two sweeps that both saw a job): here each
    send is queued twice, and each job's look twice more once it is processing, with the lease it
    holds then, so threads of two workers race for every claim. Only a claim that is exclusive
    across processes keeps the counts at one per job."""
    mark = simulator.mark(processing_seconds=3.0)
    data = tmp_path / "data"
    env = live_env(simulator, apps.host_url)
    settings = settings_for(data, env)
    store = JobStore(settings.db_path)
    tasks = queue_for(settings).tasks
    with ExitStack() as stack, status_watch(store) as seen:
        for name in ("a", "b"):
            stack.callback(stop, start_worker(data, tmp_path / f"worker-{name}.log", env))
        jobs = queue_jobs(settings, character_png, motion_mp4, 6, "delivered twice")
        for job in jobs:
            tasks.send(job.id, None)
        doubled: set[str] = set()

        def double_the_looks() -> bool:
            for job in map(store.get, (job.id for job in jobs)):
                if job.id not in doubled and job.status is JobStatus.PROCESSING and job.lease:
                    tasks.look(job.id, job.lease)
                    tasks.look(job.id, job.lease)
                    doubled.add(job.id)
            return len(doubled) == len(jobs)

        wait_for(double_the_looks, 30, "every job processing")
        finished = wait_until_final(store, jobs, timeout=60)
    assert_each_paid_and_saved_once(finished, simulator.counts(mark))
    assert_never_backwards(seen, jobs)


@dataclass(frozen=True)
class KilledRun:
    finished: list[Job]
    counts: Counter[str]
    cut_downloads: int
    seen: dict[str, list[JobStatus]]
    settings: Settings


@pytest.fixture(scope="module")
def killed_run(simulator, apps, character_png, motion_mp4, tmp_path_factory: pytest.TempPathFactory) -> KilledRun:
    """Four jobs and three workers in turn: the first is killed while every thread of it polls, the
    second while it downloads results, the third finishes what they left."""
    folder = tmp_path_factory.mktemp("killed")
    # Long enough that every job is sent and seen processing, even on a busy machine, before any is done.
    mark = simulator.mark(processing_seconds=6.0)
    data = folder / "data"
    env = live_env(simulator, apps.host_url)
    settings = settings_for(data, env)
    store = JobStore(settings.db_path)
    with ExitStack() as stack, status_watch(store) as seen:
        first = start_worker(data, folder / "worker-1.log", env, threads=2)
        stack.callback(stop, first)
        jobs = queue_jobs(settings, character_png, motion_mp4, 4, "killed worker")
        wait_for(lambda: set(statuses(store, jobs)) == {JobStatus.PROCESSING}, 30, "every job processing")
        kill_while_polling(simulator, first, threads_in_flight=2)
        assert simulator.counts(mark)["download"] == 0, "the first kill was meant to land before any result"

        # The next two downloads hang: the second worker is killed in them.
        simulator.control.fault("hold", match="download", seconds=DOWNLOAD_HOLD_SECONDS, times=2)
        second = start_worker(data, folder / "worker-2.log", env, threads=2)
        stack.callback(stop, second)
        wait_for(
            lambda: simulator.counts(mark)["download"] and JobStatus.DOWNLOADING in statuses(store, jobs),
            60,
            "a result download",
        )
        kill(second)
        cut = [r for r in simulator.requests_since(mark) if r["route"] == "download"]
        assert time.time() - cut[0]["at"] < DOWNLOAD_HOLD_SECONDS - 1, "the kill came after the download"
        assert JobStatus.SUCCEEDED not in statuses(store, jobs)
        simulator.control.clear_faults()

        third = start_worker(data, folder / "worker-3.log", env, threads=2)
        stack.callback(stop, third)
        finished = wait_until_final(store, jobs, timeout=90)
    return KilledRun(finished, simulator.counts(mark), len(cut), seen, settings)


@pytest.mark.slow
def test_workers_killed_while_polling_and_while_downloading_leave_no_job_behind(killed_run: KilledRun) -> None:
    # Each download the kill cut short is fetched once more, by the worker that took it over; no other.
    finished = killed_run.finished
    assert_each_paid_and_saved_once(finished, killed_run.counts, downloads=len(finished) + killed_run.cut_downloads)
    assert_never_backwards(killed_run.seen, finished)


@pytest.mark.slow
def test_a_download_cut_short_by_a_kill_leaves_no_partial_file(killed_run: KilledRun) -> None:
    results = killed_run.settings.results_dir
    left = sorted(path.name for path in results.iterdir() if path.is_file())
    assert left == sorted(f"{job.id}.mp4" for job in killed_run.finished), "a killed download left a file"


@pytest.mark.slow
def test_jobs_queued_before_any_worker_are_sent_once_and_finish_after_the_app_stops(
    simulator, character_png, motion_mp4, tmp_path
) -> None:
    # Long enough that the first job sent cannot end before the last is sent and the app has stopped, on
    # a machine busy with other tests (both workers start, and send, one after the other).
    mark = simulator.mark(processing_seconds=10.0)
    data = tmp_path / "data"
    port = free_port()
    env = live_env(simulator, f"http://127.0.0.1:{port}")
    settings = settings_for(data, env)
    store = JobStore(settings.db_path)
    with ExitStack() as stack, status_watch(store) as seen:
        with streamlit_server(ROOT / "app.py", data, tmp_path / "app.log", env=env, port=port, worker=False) as app:
            requests.get(app.url, timeout=10).raise_for_status()
            jobs = queue_jobs(settings, character_png, motion_mp4, 4, "before any worker")
            # Past the sweep's patience: each worker's first sweep sends these again, racing the
            # sends that wait on the queue; only one send of each job may reach the service.
            time.sleep(timing_for(settings).max_interval + 0.5)
            for name in ("a", "b"):
                stack.callback(stop, start_worker(data, tmp_path / f"worker-{name}.log", env))
            # The service fetches each motion video from the app's static route while the job is sent.
            wait_for(lambda: JobStatus.SUBMITTING not in statuses(store, jobs), 60, "every job sent")
            assert set(statuses(store, jobs)) <= {JobStatus.QUEUED, JobStatus.PROCESSING}, statuses(store, jobs)
        assert not _answers(f"{app.url}/_stcore/health"), "the app still answers"
        assert not any(status.final for status in statuses(store, jobs)), "the jobs ended before the app stopped"
        finished = wait_until_final(store, jobs, timeout=60)
    assert_each_paid_and_saved_once(finished, simulator.counts(mark))
    assert_never_backwards(seen, jobs)
    assert {Path(job.result_path).parent for job in finished} == {settings.results_dir}


@pytest.mark.slow
def test_over_redis_two_workers_share_the_work_and_a_killed_one_is_replaced(
    simulator, apps, character_png, motion_mp4, tmp_path
) -> None:
    mark = simulator.mark(processing_seconds=6.0)
    data = tmp_path / "data"
    with redis_server(tmp_path / "redis.log") as redis_url:
        env = live_env(simulator, apps.host_url, redis_url)
        settings = settings_for(data, env)
        assert settings.redis_url == redis_url
        store = JobStore(settings.db_path)
        with ExitStack() as stack, status_watch(store) as seen:
            first = start_worker(data, tmp_path / "worker-a.log", env, threads=2)
            stack.callback(stop, first)
            stack.callback(stop, start_worker(data, tmp_path / "worker-b.log", env, threads=2))
            started = time.monotonic()
            jobs = queue_jobs(settings, character_png, motion_mp4, 8, "over redis")
            wait_for(lambda: set(statuses(store, jobs)) == {JobStatus.PROCESSING}, 30, "every job processing")
            # Four polls held means every thread of both workers is in one: two die with the first.
            kill_while_polling(simulator, first, threads_in_flight=4)
            assert simulator.counts(mark)["download"] == 0, "the kill was meant to land before any result"
            stack.callback(stop, start_worker(data, tmp_path / "worker-c.log", env, threads=2))
            finished = wait_until_final(store, jobs, timeout=90)
            took = time.monotonic() - started
    print(f"8 jobs over Redis, one worker killed, took {took:.1f} s")
    assert_each_paid_and_saved_once(finished, simulator.counts(mark))
    assert_never_backwards(seen, jobs)
    assert not settings.queue_path.exists(), "the work went through the SQLite queue, not Redis"
    assert "on Redis" in (tmp_path / "worker-a.log").read_text()


def test_a_worker_stopped_with_sigterm_mid_send_finishes_that_send_first(
    simulator, apps, character_png, motion_mp4, tmp_path
) -> None:
    """SIGTERM is how run.sh, Docker and Procfile platforms stop a worker, at every deploy. If the
    worker quits mid-POST, the service has the task (and is paid) while the job has no task id:
    the sweep later shows it as "May have been sent", and a creator who tries again pays twice."""
    mark = simulator.mark(processing_seconds=1.0)
    data = tmp_path / "data"
    env = live_env(simulator, apps.host_url)
    settings = settings_for(data, env)
    store = JobStore(settings.db_path)
    simulator.control.fault("hold", match="submit", seconds=3.0, times=1)
    with ExitStack() as stack:
        worker = start_worker(data, tmp_path / "worker-1.log", env)
        stack.callback(stop, worker)
        [job] = queue_jobs(settings, character_png, motion_mp4, 1, "stopped mid-send")
        wait_for(lambda: simulator.counts(mark)["submit"], 15, "the submit")
        stop(worker)  # SIGTERM, then SIGKILL after 10 s
        sent = store.get(job.id)
        assert sent.task_id and sent.status is JobStatus.QUEUED, f"the worker quit mid-send: {sent.status.value}"
        stack.callback(stop, start_worker(data, tmp_path / "worker-2.log", env))
        finished = wait_until_final(store, [job], timeout=30)
    assert_each_paid_and_saved_once(finished, simulator.counts(mark))


def test_a_slow_start_of_the_media_reader_is_not_a_damaged_result(motion_mp4, tmp_path, monkeypatch) -> None:
    """The worker checks every downloaded result with the MediaInfo helper process. Its start (a
    Python interpreter importing pymediainfo: 0.1-0.25 s here, far more from a cold disk) counts
    against the 5 s meant for a hung parser, so a paid, whole result is failed as unplayable."""
    slow_start = f"import sys, time\nif sys.argv == ['-c']:\n    time.sleep({PROBE_SECONDS + 1})\n"
    (tmp_path / "sitecustomize.py").write_text(slow_start)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), str(ROOT)]))
    media_info.stop()  # the next probe starts a helper, slowly
    try:
        facts = probe(motion_mp4)
    finally:
        media_info.stop()  # the next test's probe starts one at normal speed
    assert isinstance(facts, VideoFacts) and facts.duration
