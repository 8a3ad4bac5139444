"""Jobs per minute through the job engine (issue 10), against a bare sequential `requests` loop.

The simulator runs in its own process with a processing time near zero, so a job's time is the
work around it: recording and sending (hosting the video, the simulator fetching and checking it),
the polls, rendering the stand-in result (the simulator renders two at a time) and the download.
Each run queues `--jobs` jobs with distinct prompts through `lib.worker.queue_job` at once and is
timed from the first queue call to the last job recorded as succeeded. The engines: (a) one worker
process with 4 threads on the SQLite queue; (b) two worker processes with 4 threads each over
Redis; (c) one worker with 4 threads over Redis. The baseline, timed in the same run, does the same
work one job after another: POST, GET task-result every POLL_SECONDS, GET the video to a file.

    .venv/bin/python bench/bench_engine.py            # 60 jobs per run, POLL_SECONDS 2
    .venv/bin/python bench/bench_engine.py --quick    # 12 jobs per run
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import requests
from _common import (
    Service,
    bench_request,
    engine,
    finished_epoch,
    make_inputs,
    requests_between,
    run_bare,
    simulator_process,
    static_hosting,
    wait_until_final,
)

from lib.simulator import SimulatorControl
from lib.worker import queue_job
from tests.redis_support import redis_server


@dataclass(frozen=True)
class Run:
    name: str
    seconds: float
    queueing: float  # how long the queue_job calls took, part of `seconds`
    polls: int


@dataclass(frozen=True)
class Setup:
    name: str
    workers: int
    redis: bool


SETUPS = (
    Setup("(a) 1 worker x 4 threads, SQLite queue", 1, False),
    Setup("(b) 2 workers x 4 threads, Redis", 2, True),
    Setup("(c) 1 worker x 4 threads, Redis", 1, True),
)


def run_engine(setup: Setup, jobs: int, args: argparse.Namespace, work: Path, service: Service, image: Path) -> Run:
    control = SimulatorControl(service.url)
    data = work / f"data-{setup.workers}-{'redis' if setup.redis else 'sqlite'}"
    video = work / "media" / "motion.mp4"
    with (
        redis_server(work / f"{data.name}-redis.log") if setup.redis else nullcontext() as redis_url,
        engine(service, data, args.poll_seconds, workers=setup.workers, threads=4, redis_url=redis_url) as running,
    ):
        started = time.time()
        job_ids = [
            queue_job(bench_request(image, video, f"bench {data.name} {n}"), running.settings).id for n in range(jobs)
        ]
        queueing = time.time() - started
        done = wait_until_final(running.store, job_ids, 60 + jobs * 10, every=0.2)
        ended = max(finished_epoch(job) for job in done)
        polls = len(requests_between(control.state()["requests"], "task-result", started, ended))
    return Run(setup.name, ended - started, queueing, polls)


def run_baseline(jobs: int, poll_seconds: float, video: Path, service: Service, image: Path, out: Path) -> Run:
    control = SimulatorControl(service.url)
    video_url = service.hosting.url_for(video)
    out.mkdir()
    before = control.request_count("task-result")
    started = time.perf_counter()
    with requests.Session() as session:
        for n in range(jobs):
            run_bare(f"bench bare {n}", image, video_url, service.url, poll_seconds, session, out / f"{n}.mp4")
    return Run(
        "bare sequential loop (baseline)",
        time.perf_counter() - started,
        0.0,
        control.request_count("task-result") - before,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="12 jobs per run, for a smoke run")
    parser.add_argument("--jobs", type=int, default=None, help="jobs per run (default 60)")
    parser.add_argument("--poll-seconds", type=float, default=2.0, help="POLL_SECONDS, and the bare loop's interval")
    parser.add_argument("--processing-seconds", type=float, default=0.05)
    args = parser.parse_args()
    jobs = args.jobs or (12 if args.quick else 60)

    print(
        f"jobs per minute: {jobs} jobs per run, simulator processing {args.processing_seconds:g} s, "
        f"POLL_SECONDS={args.poll_seconds:g}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        work = Path(tmp)
        image, video = make_inputs(work / "media", 3.2)
        exit_after = 300 + (1 + len(SETUPS)) * jobs * 10
        with (
            static_hosting(work / "static") as hosting,
            simulator_process(work / "simulator", args.processing_seconds, exit_after) as url,
        ):
            service = Service(url, hosting)
            SimulatorControl(url).configure(balance_usd=1_000_000.0)  # the default 100 USD lasts about 220 jobs
            # One unmeasured job first: imports and moviepy in the simulator, connections.
            run_baseline(1, args.poll_seconds, video, service, image, work / "warm-up")
            baseline = run_baseline(jobs, args.poll_seconds, video, service, image, work / "bare")
            show(baseline, jobs, baseline.seconds)
            for setup in SETUPS:
                show(run_engine(setup, jobs, args, work, service, image), jobs, baseline.seconds)


def show(run: Run, jobs: int, baseline: float) -> None:
    queueing = f", queueing took {run.queueing:.1f} s" if run.queueing else ""
    print(
        f"  {run.name:40s} {run.seconds:6.1f} s = {jobs / run.seconds * 60:5.1f} jobs/min, "
        f"{baseline / run.seconds:4.2f}x the baseline; task-result polls per job {run.polls / jobs:.1f}{queueing}",
        flush=True,
    )


if __name__ == "__main__":
    main()
