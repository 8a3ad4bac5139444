"""Polling cost: the real Poller, default timing, following 100 jobs that stay pending.

The simulator runs in its own process with a processing time of an hour, so this process's CPU time
is the poller's (and the idle interpreter's, measured first as a baseline). Three windows of one
minute each: idle, the poller's first minute (its back-off ramping up from 2 s), the next minute
(settled at its 30 s ceiling). The simulator counts the task-result requests.

    .venv/bin/python bench/bench_polling.py            # 100 jobs, 1-minute windows
    .venv/bin/python bench/bench_polling.py --quick    # 10 jobs, 10-second windows
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import SERVICE, bench_client, bench_request, make_inputs, simulator_process, static_hosting

from lib.jobs import JobStatus, JobStore, submit_job
from lib.jobs.poller import Poller, PollTiming
from lib.simulator import SimulatorControl

PENDING_SECONDS = 3600.0
RENDER_WAIT = 600.0


def wait_for_renders(results: Path, count: int) -> float:
    """The simulator renders every task's video in the background: let it finish, so it is quiet."""
    started = time.monotonic()
    while len(list(results.glob("*.mp4"))) < count:
        if time.monotonic() - started > RENDER_WAIT:
            raise RuntimeError(f"the simulator rendered {len(list(results.glob('*.mp4')))} of {count} videos")
        time.sleep(1)
    return time.monotonic() - started


def measure(window: float, control: SimulatorControl) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, task-result requests) over one window."""
    requests_before = control.request_count("task-result")
    cpu_before, wall_before = time.process_time(), time.monotonic()
    time.sleep(window)
    cpu, wall = time.process_time() - cpu_before, time.monotonic() - wall_before
    return wall, cpu, control.request_count("task-result") - requests_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 jobs and 10-second windows, for a smoke run")
    parser.add_argument("--jobs", type=int, default=None, help="pending jobs (default 100)")
    parser.add_argument("--window", type=float, default=None, help="seconds per measured window (default 60)")
    args = parser.parse_args()
    jobs = args.jobs or (10 if args.quick else 100)
    window = args.window or (10.0 if args.quick else 60.0)

    with tempfile.TemporaryDirectory(prefix="bench-polling-") as tmp:
        work = Path(tmp)
        image, video = make_inputs(work / "media", 3.2)
        exit_after = RENDER_WAIT + 120 + jobs * 2 + 4 * window
        with simulator_process(work / "simulator", PENDING_SECONDS, exit_after) as url:
            control = SimulatorControl(url)
            store = JobStore(work / "data" / "motion_studio.db")
            client = bench_client(url)
            setup = time.monotonic()
            with static_hosting(work / "static") as hosting:
                for number in range(jobs):
                    job = submit_job(
                        bench_request(image, video, f"bench pending {number}"),
                        store=store,
                        client=client,
                        hosting=hosting,
                        service=SERVICE,
                    )
                    assert job.status is JobStatus.QUEUED and job.task_id
            submitted = time.monotonic() - setup
            rendered = wait_for_renders(work / "simulator" / "results", jobs)
            print(
                f"setup: {jobs} jobs submitted in {submitted:.0f} s, the simulator rendered them {rendered:.0f} s later"
            )

            idle = measure(window, control)
            poller = Poller(store, lambda: bench_client(url), work / "data" / "results", SERVICE, PollTiming()).start()
            try:
                first = measure(window, control)
                settled = measure(window, control)
            finally:
                poller.stop()
            still_pending = len(store.polled_jobs(SERVICE))

    print(f"polling cost: {jobs} pending jobs, default PollTiming(), {window:g} s windows, 2-core machine")
    for name, (wall, cpu, requests) in (
        ("idle process", idle),
        ("poller, 1st window", first),
        ("poller, 2nd window", settled),
    ):
        per_job = requests / jobs / (wall / 60)
        print(
            f"  {name:18s} CPU {cpu:6.3f} s = {cpu / wall:6.2%} of one core; "
            f"task-result requests {requests:4d} = {per_job:.2f} per job per minute"
        )
    worst = max(first[1] / first[0], settled[1] / settled[0]) - idle[1] / idle[0]
    verdict = "meets" if worst < 0.01 else "misses"
    print(
        f"  poller CPU over idle, worse window: {worst:.2%} of one core ({verdict} the target of under 1%); "
        f"{still_pending} of {jobs} jobs still pending"
    )


if __name__ == "__main__":
    main()
