"""Submit to result on disk: the job engine (queue + worker process) against a bare `requests` loop.

Both flows run against one simulator (its own process), alternated, and poll no faster than the
same floor: the engine is a real `python -m lib.worker` (4 threads, SQLite queue) with POLL_SECONDS
set to the floor; the bare loop sleeps that floor between polls. The engine's time runs from
`lib.worker.queue_job` to the store recording the job as succeeded (after its file is on disk and
its poster made); the bare loop's from its POST to its file on disk. The figure per run is that
time minus the simulator's processing time P; the ratio of the medians is the engine's overhead.
P steps across a 2 s span from pair to pair (the same P for both runs of a pair), so that neither
flow gains or loses by where P falls on its poll grid or on the whole-second ETA.

    .venv/bin/python bench/bench_runner.py                     # POLL_SECONDS 2 and 0.5, 5 pairs each
    .venv/bin/python bench/bench_runner.py --poll-seconds 2     # only the app's default
    .venv/bin/python bench/bench_runner.py --quick              # 2 pairs each, a smoke run
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from _common import (
    Engine,
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

RESULT_WAIT = 120.0


@dataclass
class Timeline:
    """Where an engine run's time went, from the simulator's request log (seconds from the queue call)."""

    submit: float
    polls: list[float]
    download: float
    on_disk: float
    succeeded: float


@dataclass
class Flows:
    engine: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    bare_whole: list[float] = field(default_factory=list)
    bare_polls: list[int] = field(default_factory=list)
    timelines: list[Timeline] = field(default_factory=list)


def run_engine(label: str, image: Path, video: Path, running: Engine, control: SimulatorControl) -> Timeline:
    started = time.time()
    job = queue_job(bench_request(image, video, label), running.settings)
    (done,) = wait_until_final(running.store, [job.id], RESULT_WAIT, every=0.005)
    succeeded = finished_epoch(done)
    on_disk = Path(done.result_path or "").stat().st_mtime
    log = control.state()["requests"]

    def since(route: str) -> list[float]:
        return [at - started for at in requests_between(log, route, started, succeeded + 1)]

    return Timeline(
        since("submit")[0], since("task-result"), since("download")[0], on_disk - started, succeeded - started
    )


def measure(
    poll_seconds: float, reps: int, processing: float, spread: float, work: Path, service: Service, image: Path
) -> Flows:
    control = SimulatorControl(service.url)
    video = work / "media" / "motion.mp4"
    video_url = service.hosting.url_for(video)
    flows = Flows()
    with (
        engine(service, work / f"data-{poll_seconds:g}", poll_seconds) as running,
        requests.Session() as session,
    ):
        bare_dir = work / f"bare-{poll_seconds:g}"
        bare_dir.mkdir()
        # One unmeasured run of each first: imports, connections, moviepy in the simulator.
        for rep in range(-1, reps):
            p = processing + spread * max(rep, 0) / reps
            control.configure(processing_seconds=p)
            for flow in ("engine", "bare") if rep % 2 == 0 else ("bare", "engine"):
                label = f"bench {flow} {poll_seconds:g} {rep}"
                if flow == "engine":
                    timeline = run_engine(label, image, video, running, control)
                    if rep >= 0:
                        flows.engine.append(timeline.succeeded - p)
                        flows.timelines.append(timeline)
                else:
                    before = control.request_count("task-result")
                    elapsed = run_bare(
                        label, image, video_url, service.url, poll_seconds, session, bare_dir / f"{rep}.mp4"
                    )
                    if rep >= 0:
                        flows.bare.append(elapsed - p)
                        flows.bare_whole.append(elapsed)
                        flows.bare_polls.append(control.request_count("task-result") - before)
    return flows


def report(poll_seconds: float, flows: Flows, processing: float, spread: float, reps: int) -> None:
    engine_median, bare_median = statistics.median(flows.engine), statistics.median(flows.bare)
    top = processing + spread * (reps - 1) / reps
    print(f"POLL_SECONDS={poll_seconds:g}: {reps} pairs, processing P {processing:g}-{top:g} s")
    for name, times in (("engine", flows.engine), ("bare", flows.bare)):
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"  {name:6s} median {statistics.median(times):.2f} s over P (runs: {runs})")
    lines = flows.timelines

    def median(values: list[float]) -> str:
        return f"{statistics.median(values):.2f}"

    print(
        f"  task-result polls per job: engine {median([len(t.polls) for t in lines])}, "
        f"bare {statistics.median(flows.bare_polls):g}"
    )
    print(
        "  engine timeline, medians in s from queue_job: submit arrives "
        f"{median([t.submit for t in lines])}, first poll {median([t.polls[0] for t in lines])} "
        f"(submit + {median([t.polls[0] - t.submit for t in lines])}), "
        f"gaps between polls {median([b - a for t in lines for a, b in zip(t.polls, t.polls[1:], strict=False)])}, "
        f"last poll to download {median([t.download - t.polls[-1] for t in lines])}, "
        f"file on disk {median([t.on_disk for t in lines])}, succeeded {median([t.succeeded for t in lines])}"
    )
    ratio = engine_median / bare_median
    verdict = "meets" if ratio <= 1.2 else "misses"
    print(f"  ratio engine/bare over P: {ratio:.2f} ({verdict} the target of at most 1.2)")
    whole = statistics.median([t.succeeded for t in lines]) / statistics.median(flows.bare_whole)
    print(f"  ratio of the whole times (P included): {whole:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 pairs for each floor, a smoke run")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument(
        "--processing-seconds", type=float, default=3.0, help="the shortest P; pairs step up to P + 2 s"
    )
    parser.add_argument(
        "--poll-seconds", type=float, action="append", help="the poll floor of both flows (default: 2 and 0.5)"
    )
    args = parser.parse_args()
    reps = 2 if args.quick else args.reps
    floors = args.poll_seconds or [2.0, 0.5]
    spread = 2.0

    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-runner-") as tmp:
        work = Path(tmp)
        image, _ = make_inputs(work / "media", 3.5)
        exit_after = 120 + len(floors) * (reps + 1) * 2 * (args.processing_seconds + spread + 15)
        with (
            static_hosting(work / "static") as hosting,
            simulator_process(work / "simulator", args.processing_seconds, exit_after) as url,
        ):
            service = Service(url, hosting)
            for floor in floors:
                results[floor] = measure(floor, reps, args.processing_seconds, spread, work, service, image)

    print("submit to result on disk: engine (queue_job + one worker process) against a bare requests loop")
    for floor, flows in results.items():
        report(floor, flows, args.processing_seconds, spread, reps)


if __name__ == "__main__":
    main()
