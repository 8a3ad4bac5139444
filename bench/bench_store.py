"""Store contention (issue 20): compare-and-set writes per second from 8 threads in 2 processes, on SQLite
(the baseline, timed in the same run) and on PostgreSQL.

Every thread does what a follower does when it claims a job: read the job, then write a new lease only if
the lease it read is still there (`JobStore.update(job_id, expect={"lease": seen}, lease=new)`). The threads
of both processes pick among the same `--rows` jobs at random, so they race for the same rows; a write that
finds the lease changed writes nothing and counts as refused. The figure is written claims per second
over `--seconds`, both processes starting at the same moment.

    .venv/bin/python bench/bench_store.py            # 10 s per database, 8 contested rows
    .venv/bin/python bench/bench_store.py --quick    # 3 s per database
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from _common import ROOT

from lib.jobs import JobStore
from tests.jobs_support import a_job
from tests.postgres_support import postgres_server

PROCESSES, THREADS = 2, 4


def claim_for(store: JobStore, job_ids: list[str], until: float) -> tuple[int, int]:
    """(written, refused) compare-and-set claims of random `job_ids` until `until` (epoch seconds)."""
    written = refused = 0
    while time.time() < until:
        job_id = random.choice(job_ids)
        seen = store.get(job_id)
        if seen is None:
            raise RuntimeError(f"job {job_id} is gone")
        if store.update(job_id, expect={"lease": seen.lease}, lease=uuid.uuid4().hex):
            written += 1
        else:
            refused += 1
    return written, refused


def child(database: str, job_ids: list[str], seconds: float) -> None:
    """One process: says it is ready, reads when to start, runs THREADS threads claiming for `seconds` from
    then; prints its counts as JSON."""
    store = JobStore(database)
    store.get(job_ids[0])  # connect and migrate before the clock starts
    print("ready", flush=True)
    start = float(sys.stdin.readline())
    counts: list[tuple[int, int]] = []
    time.sleep(max(0.0, start - time.time()))

    def run() -> None:
        counts.append(claim_for(store, job_ids, start + seconds))

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"written": sum(c[0] for c in counts), "refused": sum(c[1] for c in counts)}))


def contend(database: str, rows: int, seconds: float) -> tuple[float, int]:
    """(written claims per second, refused claims) from PROCESSES x THREADS threads on `database`."""
    store = JobStore(database)
    job_ids = [store.add(a_job(content_hash=f"row {n}", lease="first")).id for n in range(rows)]
    command = [sys.executable, __file__, "--child", database, "--ids", ",".join(job_ids), "--seconds", str(seconds)]
    children = [
        subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(PROCESSES)
    ]
    for process in children:  # both have imported and connected
        if process.stdout is None or process.stdout.readline().strip() != "ready":
            raise RuntimeError("a contending process did not start")
    start = time.time() + 0.5
    for process in children:
        assert process.stdin is not None
        process.stdin.write(f"{start}\n")
        process.stdin.close()
    results = [json.loads(process.stdout.read()) for process in children if process.stdout is not None]
    for process in children:
        process.wait(timeout=120)
    if any(process.returncode for process in children):
        raise RuntimeError("a contending process failed")
    return sum(r["written"] for r in results) / seconds, sum(r["refused"] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s per database")
    parser.add_argument("--seconds", type=float, default=None, help="seconds of contention per database (10)")
    parser.add_argument("--rows", type=int, default=8, help="jobs the threads race for")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args()
    seconds = args.seconds or (3.0 if args.quick else 10.0)
    if args.child:
        child(args.child, args.ids.split(","), seconds)
        return
    print(f"compare-and-set claims: {PROCESSES} processes x {THREADS} threads on {args.rows} rows, {seconds:g} s")
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        baseline, refused = contend(str(work / "motion_studio.db"), args.rows, seconds)
        print(f"  SQLite (baseline)  {baseline:8.0f} writes/s = 1.00x ({refused} refused: the row had moved on)")
        database_url = stack.enter_context(postgres_server())
        rate, refused = contend(database_url, args.rows, seconds)
        verdict = "meets" if rate >= baseline / 1.5 else "misses"
        print(
            f"  PostgreSQL         {rate:8.0f} writes/s = {rate / baseline:4.2f}x ({refused} refused); "
            f"{verdict} the target of within 1.5x of SQLite"
        )


if __name__ == "__main__":
    main()
