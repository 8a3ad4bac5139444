"""Engine capacity on one machine and on the set-up for many (issue 20): SQLite against PostgreSQL + Redis.

The simulator runs in its own process and answers every task at once with a ready MP4 (`--ready-result`),
so no moviepy render is timed: a job's time is the engine's own work (recording, hosting the motion video,
the one POST, the looks, the download, every compare-and-set write). Two measures:

- **Jobs per minute**: `--jobs` jobs queued at once through `lib.worker.queue_job`, timed from the first
  queue call to the last job recorded as succeeded, for 1 and 2 worker processes (4 threads each) on
  SQLite (history and queue in the data folder) and on PostgreSQL + Redis. The baseline is one worker on
  SQLite, timed in the same run; every other figure is a ratio against it.
- **Following**: `--pending` jobs that stay in flight (the simulator keeps them processing, with an ETA of
  ten minutes), followed by one worker process; its CPU time over `--window` seconds once each job has been
  looked at once, as a share of one core. The default window (180 s) holds a whole round of looks: a job
  ten minutes from done is looked at every three minutes.

    .venv/bin/python bench/bench_scale.py            # 200 jobs per run, 1000 followed for 180 s
    .venv/bin/python bench/bench_scale.py --quick    # 30 jobs per run, 100 followed for 15 s
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from _common import (
    RENDER_WAIT,
    Engine,
    Service,
    bench_request,
    engine,
    finished_epoch,
    make_inputs,
    measure,
    simulator_process,
    static_hosting,
    wait_until_final,
    wait_until_sent_and_rendered,
)

from lib.files.hosting import VideoHosting
from lib.simulator import SimulatorControl
from lib.worker import queue_job
from tests.postgres_support import postgres_server
from tests.redis_support import redis_server


@dataclass(frozen=True)
class Setup:
    name: str
    workers: int
    shared: bool  # PostgreSQL + Redis, as machines that share no disk run; else SQLite in the data folder


CAPACITY = (
    Setup("1 worker, SQLite (baseline)", 1, False),
    Setup("2 workers, SQLite", 2, False),
    Setup("1 worker, PostgreSQL + Redis", 1, True),
    Setup("2 workers, PostgreSQL + Redis", 2, True),
)


@contextmanager
def engine_on(setup: Setup, work: Path, service: Service, poll_seconds: float) -> Iterator[Engine]:
    """The workers of `setup` on a fresh data folder (and a fresh PostgreSQL database and Redis when shared)."""
    label = f"{setup.workers}w-{'shared' if setup.shared else 'sqlite'}-{time.monotonic_ns()}"
    with ExitStack() as stack:
        redis_url = database_url = None
        if setup.shared:
            redis_url = stack.enter_context(redis_server(work / f"{label}-redis.log"))
            database_url = stack.enter_context(postgres_server())
        yield stack.enter_context(
            engine(
                service,
                work / f"data-{label}",
                poll_seconds,
                workers=setup.workers,
                redis_url=redis_url,
                database_url=database_url,
            )
        )


def jobs_per_minute(setup: Setup, jobs: int, args: argparse.Namespace, work: Path, service: Service) -> float:
    image, video = work / "media" / "character.png", work / "media" / "motion.mp4"
    with engine_on(setup, work, service, args.poll_seconds) as running:
        started = time.time()
        job_ids = [
            queue_job(bench_request(image, video, f"bench {setup.name} {n}"), running.settings).id for n in range(jobs)
        ]
        done = wait_until_final(running.store, job_ids, 120 + jobs * 5, every=0.2)
        return jobs / (max(finished_epoch(job) for job in done) - started) * 60


def following_share(shared: bool, pending: int, args: argparse.Namespace, work: Path, hosting: VideoHosting) -> float:
    """The worker's CPU share of one core while it follows `pending` jobs in flight, on a simulator of its own
    that keeps every task processing for `--pending-seconds`."""
    image, video = work / "media" / "character.png", work / "media" / "motion.mp4"
    state = work / f"simulator-following-{'shared' if shared else 'sqlite'}"
    exit_after = RENDER_WAIT + args.window + 120
    with simulator_process(state, args.pending_seconds, exit_after, ready_result=video) as url:
        control = SimulatorControl(url)
        control.configure(balance_usd=1_000_000_000.0)
        with engine_on(Setup("following", 1, shared), work, Service(url, hosting), args.poll_seconds) as running:
            store = running.store
            job_ids = [
                queue_job(bench_request(image, video, f"bench pending {n}"), running.settings).id
                for n in range(pending)
            ]
            settled = wait_until_sent_and_rendered(
                lambda: [store.get(job_id) for job_id in job_ids], state / "results", pending
            )
            # The first look of each comes 2 s after its send; the window measures the following after them.
            while any((job := store.get(job_id)) is not None and job.polls < 1 for job_id in job_ids):
                time.sleep(1)
            wall, cpu, polls = measure(running.workers[0].pid, args.window, control)
    print(f"    (all sent in {settled:.0f} s; {polls} task-result requests in {wall:.0f} s)", flush=True)
    return cpu / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 jobs per run, 100 followed for 15 s")
    parser.add_argument("--jobs", type=int, default=None, help="jobs per capacity run (default 200)")
    parser.add_argument("--pending", type=int, default=None, help="jobs in flight followed (default 1000)")
    parser.add_argument("--window", type=float, default=None, help="seconds the following is measured (default 180)")
    parser.add_argument("--pending-seconds", type=float, default=600.0, help="how long a followed job stays pending")
    parser.add_argument("--poll-seconds", type=float, default=2.0, help="POLL_SECONDS of the workers (the app's: 2)")
    parser.add_argument("--only", choices=("capacity", "following"), help="run one of the two measures")
    args = parser.parse_args()
    jobs = args.jobs or (30 if args.quick else 200)
    pending = args.pending or (100 if args.quick else 1000)
    args.window = args.window or (15.0 if args.quick else 180.0)

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        _image, video = make_inputs(work / "media", 3.2)
        exit_after = len(CAPACITY) * (120 + jobs * 5) + 2 * (RENDER_WAIT + args.window + 120)
        with (
            static_hosting(work / "static") as hosting,
            simulator_process(work / "simulator", 0.0, exit_after, ready_result=video) as url,
        ):
            service = Service(url, hosting)
            SimulatorControl(url).configure(balance_usd=1_000_000_000.0)
            baseline = 0.0
            if args.only != "following":
                print(f"jobs per minute: {jobs} jobs per run, ready results, POLL_SECONDS={args.poll_seconds:g}")
            for setup in CAPACITY if args.only != "following" else ():
                rate = jobs_per_minute(setup, jobs, args, work, service)
                baseline = baseline or rate
                print(f"  {setup.name:32s} {rate:7.1f} jobs/min = {rate / baseline:4.2f}x the baseline", flush=True)
            if args.only == "capacity":
                return
            print(f"following: {pending} jobs in flight, one worker process (4 threads), {args.window:.0f} s measured")
            shares = {}
            for shared in (False, True):
                shares[shared] = following_share(shared, pending, args, work, hosting)
                name = "PostgreSQL + Redis" if shared else "SQLite"
                verdict = "meets" if shares[shared] < 0.05 else "misses"
                print(f"  {name:32s} {shares[shared]:6.2%} of one core ({verdict} the target of under 5%)", flush=True)
            print(f"  PostgreSQL + Redis against SQLite: {shares[True] / shares[False]:4.2f}x the CPU")


if __name__ == "__main__":
    main()
