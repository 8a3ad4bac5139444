"""History's first render over 100,000 jobs on PostgreSQL, against 10 jobs (issue 20). Target: at most 1.5x.

Two PostgreSQL databases (one server each, started here on free loopback ports) hold 10 and `--jobs`
finished jobs, written in bulk through the store's own table. Each round opens pages/3_History.py in a
fresh AppTest session (the app's entry point, then a switch to History, as the sidebar does) and times
its first run, the server's whole work for a person who opens History; the two databases alternate, so
drift hits both alike. One untimed session first pays for the imports and the first connections.

    .venv/bin/python bench/bench_history_scale.py            # 100,000 jobs, 9 rounds
    .venv/bin/python bench/bench_history_scale.py --quick    # 10,000 jobs, 3 rounds
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from _common import ROOT
from sqlalchemy import insert
from streamlit.testing.v1 import AppTest

from lib.jobs import JobStatus, JobStore
from lib.store.engine import open_store
from lib.store.ids import new_id
from lib.store.tables import jobs as jobs_table
from lib.store.times import now_iso
from tests.postgres_support import postgres_server

TARGET = 1.5
BULK = 5_000


def fill(database_url: str, count: int) -> float:
    """`count` finished jobs in the database, in bulk; the seconds it took."""
    started = time.perf_counter()
    engine = open_store(database_url)
    stamp = now_iso()
    for first in range(0, count, BULK):
        rows = [
            {
                "id": new_id(),
                "content_hash": f"bench-{n}",
                "status": JobStatus.SUCCEEDED.value,
                "character_orientation": "image",
                "created_at": stamp,
                "updated_at": stamp,
                "finished_at": stamp,
                "prompt": f"bench job {n}: a dancer on a rooftop at dusk",
                "task_id": f"task-{n}",
                "output_seconds": 5.0,
                "service": "simulator",
            }
            for n in range(first, min(count, first + BULK))
        ]
        with engine.begin() as conn:
            conn.execute(insert(jobs_table), rows)
    if JobStore(database_url).count() != count:
        raise RuntimeError(f"the database does not hold {count} jobs")
    return time.perf_counter() - started


def first_render(database_url: str, data_dir: Path, count: int) -> float:
    """Seconds of a fresh session's first run of History over `database_url`."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["MOTION_STUDIO_DATA"] = str(data_dir)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).switch_page("pages/3_History.py")
    started = time.perf_counter()
    app.run()
    took = time.perf_counter() - started
    if app.exception:
        raise RuntimeError(app.exception)
    if not any(f"{count} jobs" in m.value for m in app.markdown):
        raise RuntimeError(f"History does not show {count} jobs")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 jobs, 3 rounds")
    parser.add_argument("--jobs", type=int, default=None, help="jobs in the big history (default 100,000)")
    parser.add_argument("--rounds", type=int, default=None, help="timed sessions per database (default 9)")
    args = parser.parse_args()
    big = args.jobs or (10_000 if args.quick else 100_000)
    rounds = args.rounds or (3 if args.quick else 9)
    os.environ.pop("NOVITA_API_KEY", None)
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        urls = {count: stack.enter_context(postgres_server()) for count in (10, big)}
        for count, url in urls.items():
            print(f"filled {count:,} jobs in {fill(url, count):.1f} s", flush=True)
        first_render(urls[10], work / "warm-up", 10)
        times: dict[int, list[float]] = {count: [] for count in urls}
        for round_ in range(rounds):
            for count, url in urls.items():
                times[count].append(first_render(url, work / f"data-{count}-{round_}", count))
    small, large = statistics.median(times[10]), statistics.median(times[big])
    verdict = "meets" if large / small <= TARGET else "misses"
    print(f"History's first render on PostgreSQL, median of {rounds} fresh sessions:")
    print(f"  10 jobs (baseline)   {small * 1000:7.0f} ms = 1.00x")
    print(f"  {big:,} jobs {large * 1000:9.0f} ms = {large / small:4.2f}x ({verdict} the target of at most {TARGET}x)")


if __name__ == "__main__":
    main()
