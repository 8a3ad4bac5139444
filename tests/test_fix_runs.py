""" "Fix it" as work on the queue, run by a real worker process: progress in the store, a second click
joins the run under way, and Stop kills the worker's ffmpeg and keeps nothing half made."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.config import Settings
from lib.media import preflight
from lib.uploads.fix_runs import FixRun, FixRuns, FixState, run_fix, run_strip
from lib.worker import queue_fix, queue_strip
from tests.make_media import make_video
from tests.processes import ffmpeg_children
from tests.worker_support import worker_process


@pytest.fixture
def worker(settings: Settings, tmp_path: Path) -> Iterator[int]:
    with worker_process(settings.data_dir, tmp_path / "worker.log", threads=2) as process:
        yield process.pid


def wait_for(runs: FixRuns, run_id: str, done, timeout: float = 60.0) -> FixRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = runs.get(run_id)
        if run is not None and done(run):
            return run
        time.sleep(0.05)
    raise AssertionError(f"the fix never got there: {runs.get(run_id)}")


def test_a_fix_reports_progress_joins_a_second_click_and_stops_its_ffmpeg(settings, worker, tmp_path) -> None:
    # Over the 10 s cap at 1080p: a re-encode of several seconds on two cores, with progress on the way.
    source = make_video(tmp_path / "long-1080p.mp4", 1920, 1080, seconds=12.0, fps=24, audio=False)
    runs = FixRuns(settings.db_path)
    run = queue_fix(settings, "video", source, orientation="image")
    seen = {wait_for(runs, run.id, lambda r: 0 < r.progress < 1).progress}
    again = queue_fix(settings, "video", source, orientation="image")
    assert again.id == run.id and again.status is FixState.RUNNING, "a second click started another fix"
    seen.add(wait_for(runs, run.id, lambda r: r.progress not in seen).progress)
    assert len(seen) >= 2 and all(0 < p < 1 for p in seen), seen
    assert ffmpeg_children(worker), "the fix ran somewhere other than the worker"

    runs.stop(run.id)
    stopped = wait_for(runs, run.id, lambda r: not r.status.active, timeout=15)
    assert stopped.status is FixState.STOPPED and "stopped" in (stopped.error or "")
    deadline = time.monotonic() + 5
    while ffmpeg_children(worker):
        assert time.monotonic() < deadline, "ffmpeg kept running after Stop"
        time.sleep(0.05)
    fixed = settings.inputs_dir / "fixed"
    assert not fixed.exists() or not list(fixed.iterdir()), "a stopped fix left a file"
    # Stopped is not final: the next click starts it again.
    assert queue_fix(settings, "video", source, orientation="image").status is FixState.WAITING


def test_a_fix_that_finishes_leaves_a_file_that_passes(settings, worker, tmp_path) -> None:
    source = make_video(tmp_path / "long.mp4", 480, 320, seconds=11.0, fps=12)
    runs = FixRuns(settings.db_path)
    run = queue_fix(settings, "video", source, orientation="image")
    done = wait_for(runs, run.id, lambda r: not r.status.active)
    assert done.status is FixState.DONE, done.error
    assert done.progress == 1.0 and done.result_path
    assert preflight.check_video(done.result_path, "image").ok
    # Done and still on disk: the same click again gives the same file at once.
    assert queue_fix(settings, "video", source, orientation="image").result_path == done.result_path


def test_a_stopped_video_fix_kills_ffmpeg_and_leaves_no_partial_file(settings, tmp_path) -> None:
    # Over the 10 s cap, so the fix is a 1080p encode of 10 s: about 8 s on two cores when nothing stops it.
    source = make_video(tmp_path / "long.mp4", 1920, 1080, seconds=12.0, fps=24, audio=False)
    out_dir = tmp_path / "fixed"
    assert not ffmpeg_children(os.getpid())
    runs = WatchedFixRuns(settings.db_path)
    run, _ = runs.request("video", source, "image")
    ended: list[tuple[FixRun | None, float]] = []
    # The worker's own task, on a thread of this process, so its ffmpeg is this process's child.
    fixing = threading.Thread(target=lambda: ended.append((run_fix(runs, run.id, out_dir), time.monotonic())))
    fixing.start()
    try:
        deadline = time.monotonic() + 30
        while not (runs.get(run.id).progress > 0 and ffmpeg_children(os.getpid())):
            assert time.monotonic() < deadline and fixing.is_alive(), runs.get(run.id)
            time.sleep(0.02)
        pressed = time.monotonic()
        runs.stop(run.id)
    finally:
        fixing.join(timeout=60)
    ((stopped, ended_at),) = ended
    # Measured from when the fix saw Stop: how soon ffmpeg's next progress report comes depends on the load.
    stopped_after = ended_at - runs.stop_seen_at[0]

    assert stopped is not None and stopped.status is FixState.STOPPED and "stopped" in (stopped.error or "")
    assert not ffmpeg_children(os.getpid()), "ffmpeg kept running after the fix was stopped"
    assert stopped_after < 1.5, f"the stopped fix took {stopped_after:.1f} s to end"
    assert ended_at - pressed < 10, "the fix did not see Stop at its next progress report"
    assert not list(out_dir.iterdir()), list(out_dir.iterdir())


def test_a_stopped_trim_strip_kills_its_ffmpeg_and_leaves_no_frame(settings, tmp_path) -> None:
    # Long and large enough that decoding it for the strip takes a few seconds on two cores.
    source = make_video(tmp_path / "long.mp4", 1920, 1080, seconds=24.0, fps=24, audio=False)
    strips = tmp_path / "strips"
    runs = FixRuns(settings.db_path)
    run, is_new = runs.request("strip", source)
    assert is_new and runs.request("strip", source) == (run, False), "a second ask started another strip"
    ended: list[FixRun | None] = []
    making = threading.Thread(target=lambda: ended.append(run_strip(runs, run.id, strips)))
    making.start()
    try:
        deadline = time.monotonic() + 30
        while not (runs.get(run.id).progress > 0 and ffmpeg_children(os.getpid())):
            assert time.monotonic() < deadline and making.is_alive(), runs.get(run.id)
            time.sleep(0.02)
        runs.stop(run.id)
    finally:
        making.join(timeout=60)
    assert ended[0] is not None and ended[0].status is FixState.STOPPED
    assert not ffmpeg_children(os.getpid()), "ffmpeg kept running after the strip was stopped"
    assert not list(strips.glob("**/*.jpg")), "a stopped strip left frames"
    # Stopped is not final: the page's "Make the timeline" asks again, and this time it is made.
    again = queue_strip(settings, source)
    assert again.id == run.id and again.status is FixState.WAITING
    made = run_strip(runs, run.id, strips)
    assert made is not None and made.status is FixState.DONE and len(list(strips.glob("strip-*.jpg"))) == 6


class WatchedFixRuns(FixRuns):
    """The store's fix runs, noting when the running fix's progress write is refused: it has seen Stop."""

    def __init__(self, db_path) -> None:
        super().__init__(db_path)
        self.stop_seen_at: list[float] = []

    def update(self, run_id: str, expect=None, **changes) -> FixRun | None:
        written = super().update(run_id, expect, **changes)
        if written is None and "progress" in changes:
            self.stop_seen_at.append(time.monotonic())
        return written


def test_a_run_is_joined_claimed_once_and_stopped_in_the_store_on_either_database(database, tmp_path) -> None:
    runs = FixRuns(database)
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"a clip")
    run, queue_it = runs.request("video", source, "image")
    joined, queue_again = runs.request("video", source, "image")
    assert queue_it and not queue_again and joined == run and run.status is FixState.WAITING

    claims: list[FixRun | None] = []
    barrier = threading.Barrier(4)

    def claim() -> None:
        barrier.wait()
        claims.append(runs.update(run.id, expect={"status": FixState.WAITING}, status=FixState.RUNNING))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([c for c in claims if c is not None]) == 1  # one worker runs it
    runs.stop(run.id)
    assert runs.get(run.id).stop_requested
    assert runs.update(run.id, expect={"stop_requested": False}, progress=0.5) is None  # the fix sees Stop
    stopped = runs.update(run.id, status=FixState.STOPPED)
    again, queue_new = runs.request("video", source, "image")
    assert stopped.status is FixState.STOPPED and queue_new and again.status is FixState.WAITING  # starts again
