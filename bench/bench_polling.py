"""Polling cost: one worker process following 100 jobs that stay pending, with the app's timing.

The simulator runs in its own process and keeps every task processing for `--pending` seconds (an
ETA of ten minutes), so the worker's CPU time (read from /proc/<pid>/stat: all its threads) is what
following costs. First a window with the worker running and nothing queued (its idle cost: Huey's
queue polling, the heartbeat), then the jobs are queued through `lib.worker.queue_job` and sent by
the worker; once every job is with the simulator and it has rendered all results (so it is quiet),
a second window. The simulator's request log counts the task-result requests in each window.

    .venv/bin/python bench/bench_polling.py            # 100 jobs, 30 s idle + 60 s measured
    .venv/bin/python bench/bench_polling.py --quick    # 10 jobs, 10 s windows
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import (
    RENDER_WAIT,
    Service,
    bench_request,
    engine,
    make_inputs,
    measure,
    simulator_process,
    static_hosting,
    wait_until_sent_and_rendered,
)

from lib.jobs import JobStatus
from lib.simulator import SimulatorControl
from lib.worker import queue_job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 jobs and 10-second windows, for a smoke run")
    parser.add_argument("--jobs", type=int, default=None, help="pending jobs (default 100)")
    parser.add_argument("--window", type=float, default=None, help="seconds of the measured window (default 60)")
    parser.add_argument("--idle-window", type=float, default=None, help="seconds of the idle window (default 30)")
    parser.add_argument("--pending", type=float, default=600.0, help="the simulator's processing time, seconds")
    parser.add_argument("--poll-seconds", type=float, default=2.0, help="POLL_SECONDS of the worker (the app's: 2)")
    args = parser.parse_args()
    jobs = args.jobs or (10 if args.quick else 100)
    window = args.window or (10.0 if args.quick else 60.0)
    idle_window = args.idle_window or (10.0 if args.quick else 30.0)

    with tempfile.TemporaryDirectory(prefix="bench-polling-") as tmp:
        work = Path(tmp)
        image, video = make_inputs(work / "media", 3.2)
        exit_after = RENDER_WAIT + 120 + idle_window + window
        with (
            static_hosting(work / "static") as hosting,
            simulator_process(work / "simulator", args.pending, exit_after) as url,
            engine(Service(url, hosting), work / "data", args.poll_seconds) as running,
        ):
            control = SimulatorControl(url)
            worker = running.workers[0].pid
            time.sleep(2)  # past the worker's start-up sweep
            idle = measure(worker, idle_window, control)
            setup = time.monotonic()
            job_ids = [
                queue_job(bench_request(image, video, f"bench pending {n}"), running.settings).id for n in range(jobs)
            ]
            queued = time.monotonic() - setup
            store = running.store
            settled = wait_until_sent_and_rendered(
                lambda: [store.get(job_id) for job_id in job_ids], work / "simulator" / "results", jobs
            )
            print(
                f"setup: {jobs} jobs queued in {queued:.1f} s; all sent and rendered by the simulator "
                f"{settled:.0f} s later"
            )
            following = measure(worker, window, control)
            pending = sum(store.get(job_id).status in (JobStatus.QUEUED, JobStatus.PROCESSING) for job_id in job_ids)

    print(
        f"polling cost: {jobs} pending jobs (ETA about {args.pending:.0f} s), one worker process "
        f"(4 threads, SQLite queue), POLL_SECONDS={args.poll_seconds:g}"
    )
    for name, (wall, cpu, requests) in (("worker, nothing queued", idle), ("worker, following", following)):
        per_job = requests / jobs / (wall / 60)
        print(
            f"  {name:22s} {wall:4.0f} s: CPU {cpu:6.2f} s = {cpu / wall:6.2%} of one core; "
            f"task-result requests {requests:4d} = {per_job:.2f} per job per minute"
        )
    share = following[1] / following[0]
    verdict = "meets" if share < 0.01 else "misses"
    print(
        f"  worker CPU while following: {share:.2%} of one core ({verdict} the target of under 1%), "
        f"{share - idle[1] / idle[0]:.2%} over its idle cost; {pending} of {jobs} jobs still pending"
    )


if __name__ == "__main__":
    main()
