"""Runner overhead: submit to result on disk, the real runner against a bare `requests` loop.

Both flows run against one simulator (its own process), interleaved, and poll no faster than the
same floor interval. The figure per run is the wall time from the start of the submit to the result
file on disk, minus the simulator's processing time P; the ratio of the medians is the runner's
overhead. P steps across a 2 s span from pair to pair (the same P for both runs of a pair), so that
neither flow gains or loses by where P falls on its poll grid or on the whole-second ETA.

    .venv/bin/python bench/bench_runner.py            # 5 repetitions of each
    .venv/bin/python bench/bench_runner.py --quick    # 2 of each, a smoke run
"""

from __future__ import annotations

import argparse
import base64
import statistics
import tempfile
import time
from pathlib import Path

import requests
from _common import BENCH_API_KEY, SERVICE, bench_client, bench_request, make_inputs, simulator_process, static_hosting

from lib.files.hosting import VideoHosting
from lib.jobs import JobStatus, JobStore, submit_job
from lib.jobs.poller import Poller, PollTiming
from lib.novita import RESULT_PATH, SUBMIT_PATH, NovitaClient
from lib.simulator import SimulatorControl

RESULT_WAIT = 120.0


def run_real(
    label: str, image: Path, video: Path, store: JobStore, poller: Poller, hosting: VideoHosting, client: NovitaClient
) -> tuple[float, float]:
    """`submit_job` then the running Poller; seconds until the result file is on disk, and until
    the store records the job as succeeded (after the poller has made its gallery poster)."""
    started = time.perf_counter()
    job = submit_job(bench_request(image, video, label), store=store, client=client, hosting=hosting, service=SERVICE)
    poller.wake()
    result = poller.results_dir / f"{job.id}.mp4"
    # The poller writes `<id>.mp4.part` and renames it once the file checks out as playable.
    while not result.exists():
        if time.perf_counter() - started > RESULT_WAIT:
            raise RuntimeError(f"job {job.id} has no result after {RESULT_WAIT:.0f} s: {store.get(job.id)}")
        time.sleep(0.002)
    on_disk = time.perf_counter() - started
    while (status := store.get(job.id).status) is not JobStatus.SUCCEEDED:
        if status.final or time.perf_counter() - started > RESULT_WAIT:
            raise RuntimeError(f"job {job.id} is {status.value}, not succeeded")
        time.sleep(0.005)
    return on_disk, time.perf_counter() - started


def run_bare(
    label: str, image: Path, video_url: str, url: str, interval: float, session: requests.Session, dest: Path
) -> float:
    """The same flow as a plain loop: POST, GET task-result every `interval`, GET the video to a file."""
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
        if status == "TASK_STATUS_FAILED" or time.perf_counter() - started > RESULT_WAIT:
            raise RuntimeError(f"bare task {task_id} did not succeed: {payload['task']}")
        time.sleep(interval)
    with session.get(payload["videos"][0]["video_url"], stream=True, timeout=(5, 60)) as download:
        download.raise_for_status()
        with dest.open("wb") as out:
            for chunk in download.iter_content(1024 * 1024):
                out.write(chunk)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repetitions of each, for a smoke run")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument(
        "--processing-seconds", type=float, default=3.0, help="the shortest P; pairs step up to P + 2 s"
    )
    parser.add_argument("--clip-seconds", type=float, default=3.5)
    parser.add_argument(
        "--min-interval", type=float, default=PollTiming.min_interval, help="the poll floor of both flows"
    )
    parser.add_argument("--growth", type=float, default=PollTiming.growth, help="the Poller's back-off factor")
    args = parser.parse_args()
    reps = 2 if args.quick else args.reps
    spread = 2.0
    timing = PollTiming(min_interval=args.min_interval, growth=args.growth)

    with tempfile.TemporaryDirectory(prefix="bench-runner-") as tmp:
        work = Path(tmp)
        image, video = make_inputs(work / "media", args.clip_seconds)
        exit_after = 120 + (reps + 1) * 2 * (args.processing_seconds + spread + 15)
        with (
            static_hosting(work / "static") as hosting,
            simulator_process(work / "simulator", args.processing_seconds, exit_after) as url,
        ):
            control = SimulatorControl(url)
            store = JobStore(work / "data" / "motion_studio.db")
            poller = Poller(store, lambda: bench_client(url), work / "data" / "results", SERVICE, timing).start()
            client = bench_client(url)
            session = requests.Session()
            video_url = hosting.url_for(video)
            bare_dir = work / "bare"
            bare_dir.mkdir()
            times: dict[str, list[float]] = {"runner": [], "bare": []}
            polls: dict[str, list[int]] = {"runner": [], "bare": []}
            recorded: list[float] = []
            try:
                # One unmeasured run of each first: imports, moviepy in the simulator, connections.
                for rep in range(-1, reps):
                    processing = args.processing_seconds + spread * max(rep, 0) / reps
                    control.configure(processing_seconds=processing)
                    flows = ["runner", "bare"] if rep % 2 == 0 else ["bare", "runner"]
                    for flow in flows:
                        label = f"bench {flow} {rep}"
                        before = control.request_count("task-result")
                        if flow == "runner":
                            elapsed, succeeded = run_real(label, image, video, store, poller, hosting, client)
                            if rep >= 0:
                                recorded.append(succeeded - elapsed)
                        else:
                            elapsed = run_bare(
                                label, image, video_url, url, args.min_interval, session, bare_dir / f"{rep}.mp4"
                            )
                        if rep >= 0:
                            times[flow].append(elapsed - processing)
                            polls[flow].append(control.request_count("task-result") - before)
            finally:
                poller.stop()
                session.close()

    runner, bare = statistics.median(times["runner"]), statistics.median(times["bare"])
    print(
        f"runner overhead: {reps} runs each, processing "
        f"{args.processing_seconds:g}-{args.processing_seconds + spread * (reps - 1) / reps:g} s, "
        f"clip {args.clip_seconds:g} s, "
        f"poll floor {args.min_interval:g} s (Poller growth {args.growth:g})"
    )
    for flow in ("runner", "bare"):
        runs = ", ".join(f"{t:.2f}" for t in times[flow])
        print(
            f"  {flow:6s} median {statistics.median(times[flow]):.3f} s over processing (runs: {runs}); "
            f"task-result polls per job: median {statistics.median(polls[flow]):g}"
        )
    print(
        "  after its result is on disk, the runner records the job as succeeded "
        f"{statistics.median(recorded) * 1000:.0f} ms later (median)"
    )
    verdict = "meets" if runner / bare <= 1.2 else "misses"
    print(f"  ratio runner/bare: {runner / bare:.2f} ({verdict} the target of at most 1.2)")


if __name__ == "__main__":
    main()
