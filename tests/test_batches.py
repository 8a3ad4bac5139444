"""Batches: the plan and its cost, the spending cap, the store, and `python -m lib.cli batch` through a
real worker in demo mode (its simulator), real ffmpeg fixes and a real SQLite file."""

from __future__ import annotations

import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from lib.batches import (
    MAX_SIDE,
    Batches,
    BatchPlan,
    BatchStatus,
    batch_jobs,
    batch_progress,
    batch_zip,
    compare_link,
    plan_batch,
    ready_zip,
    zips_dir,
)
from lib.batches.running import BatchRunner, run_batch
from lib.batches.sweep import orphaned_batches
from lib.config import Settings, load_settings
from lib.errors import BatchChanged, BatchOverCap, BatchTooLarge
from lib.files.storage import storage_for
from lib.history.gallery import download_name
from lib.jobs.models import JobStatus, now_iso
from lib.jobs.store import JobStore
from lib.media import check_image
from lib.novita.rules import DEFAULT_MODEL, Orientation, model_for
from lib.uploads.fix_runs import FixRuns, FixState
from lib.worker import queue_batch
from lib.worker.tasks import batch_runner
from tests import content_support as made
from tests.fixtures_media import MediaShelf
from tests.make_media import make_video
from tests.processes import stop
from tests.worker_support import ROOT, child_environment, start_worker, wait_until, worker_process

PRICE = 0.14


@pytest.fixture(scope="module")
def files(media: MediaShelf) -> dict[str, Path]:
    return {
        "ana": media.image("batch-ana.png", 480, 640),
        "ben": media.image("batch-ben.png", 640, 480),
        "tiny": media.image("batch-tiny.png", 200, 200),  # below 300 px: Fix it scales it up
        "dance": media.video("batch-dance.mp4", width=480, height=360, seconds=3.5),
        "long": media.video("batch-long.mp4", width=320, height=240, seconds=11.0, fps=8),
        "text": media.raw("batch-notes.txt", b"not an image\n" * 20),
    }


def test_the_cost_is_cells_times_billed_seconds_times_the_price(files) -> None:
    plan = plan_batch(
        [files["ana"], files["ben"]], [files["dance"], files["long"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE
    )

    assert [(cell.row, cell.col) for cell in plan.cells] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    # The 11 s clip is trimmed to the 10 s that "As in the image" allows, and billed for those.
    assert [video.billed_seconds for video in plan.videos] == [pytest.approx(3.5, abs=0.1), 10.0]
    assert plan.total_cost == pytest.approx(2 * (3.5 + 10.0) * PRICE, abs=0.03)
    assert [file.path for file in plan.files_to_fix] == [str(files["long"])]
    assert plan.summary().startswith("2 characters x 2 motion videos = 4 jobs, about $")
    assert "1 file will be fixed first" in plan.summary()


def test_more_than_ten_on_a_side_and_a_cost_over_the_cap_are_refused_in_plain_words(files) -> None:
    with pytest.raises(BatchTooLarge) as too_large:
        plan_batch([files["ana"]] * (MAX_SIDE + 1), [files["dance"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE)
    assert "at most 10 characters and 10 motion videos" in str(too_large.value)
    assert "11 characters" in str(too_large.value)

    one = plan_batch([files["ana"]], [files["dance"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE)
    assert plan_batch(
        [files["ana"]], [files["dance"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE, max_cost=one.total_cost
    )
    with pytest.raises(BatchOverCap) as over:
        plan_batch(
            [files["ana"], files["ben"]], [files["dance"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE, max_cost=0.5
        )
    assert f"about ${2 * one.total_cost:.2f} against a cap of $0.50" in str(over.value)
    assert str(over.value).startswith("Nothing was sent")


def test_send_takes_the_prompt_typed_before_the_press_but_never_a_cost_it_did_not_show(files) -> None:
    """Send's button is drawn with its plan; a prompt typed just before the press reaches the app with the
    press. Seen in CI: the batch went out without the prompt the person had typed."""
    shown = plan_batch([files["ana"]], [files["dance"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE, names={})

    def pressed(orientation: Orientation = Orientation.IMAGE, price: float = PRICE, **words: Any) -> BatchPlan:
        return plan_batch(
            list(shown.files("image")), list(shown.files("video")), orientation, DEFAULT_MODEL, price, **words
        )

    sent = shown.as_pressed(pressed(prompt="dancing on a beach", keep_original_sound=False))
    assert (sent.prompt, sent.keep_original_sound, sent.total_cost) == ("dancing on a beach", False, shown.total_cost)

    with pytest.raises(BatchChanged) as changed:
        shown.as_pressed(pressed(price=2 * PRICE))
    assert str(changed.value).startswith("Nothing was sent: the batch changed after its cost was shown.")
    assert f"was about ${shown.total_cost:.2f}, and is now about ${2 * shown.total_cost:.2f}" in str(changed.value)
    with pytest.raises(BatchChanged):
        shown.as_pressed(pressed(orientation=Orientation.VIDEO))


def test_the_store_keeps_a_batch_and_its_grid(files, database) -> None:
    plan = plan_batch(
        [files["ana"], files["ben"]], [files["dance"]], Orientation.VIDEO, DEFAULT_MODEL, PRICE, prompt="on a beach"
    )
    batches = Batches(database)
    batch = batches.create(plan)

    again = batches.get(batch.id)
    assert again == batch
    assert (batch.rows, batch.cols, batch.status) == (2, 1, BatchStatus.FIXING)
    assert batch.images == [str(files["ana"]), str(files["ben"])] and batch.videos == [str(files["dance"])]
    assert batch.estimated_cost == plan.total_cost and batch.prompt == "on a beach"
    batches.set_job(batch.id, 1, 0, "job-b")
    assert batches.get(batch.id).cells[1].job_id == "job-b"  # type: ignore[union-attr]
    assert batches.batch_of("job-b") == batch.id and batches.batch_of("nope") is None
    assert [b.id for b in batches.recent()] == [batch.id]


# --- running a batch, in this process ---------------------------------------------------------------


@dataclass
class Sent:
    """A runner's `send`, counting what it was asked to send."""

    job_ids: list[str] = field(default_factory=list)

    def __call__(self, job_id: str, public_base_url: str | None) -> None:
        self.job_ids.append(job_id)


def runner(settings: Settings, sent: Sent, fix_stale_seconds: float = 120.0) -> BatchRunner:
    """The worker's own runner (it records through the engine), with a test's send, lease and patience."""
    return replace(batch_runner(settings, sent), lease_seconds=30.0, fix_stale_seconds=fix_stale_seconds)


def copies(files: dict[str, Path], folder: Path, *names: str) -> list[Path]:
    """Copies the test may move or delete (the shelf's files are shared)."""
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(files[name], folder / f"batch-{name}{files[name].suffix}")) for name in names]


def test_a_batch_whose_take_was_deleted_from_history_has_ended(files, settings) -> None:
    plan = plan_batch([files["ana"], files["ben"]], [files["dance"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE)
    batches, store, sent = Batches(settings.db_path), JobStore(settings.db_path), Sent()
    batch = run_batch(settings, batches.create(plan).id, runner(settings, sent))
    assert batch is not None and batch.status is BatchStatus.SENT and len(sent.job_ids) == 2

    first, second = batch.job_ids
    store.update(first, status=JobStatus.FAILED, failure_reason="refused", finished_at=now_iso())
    store.delete(second)  # deleted from History before it ended

    progress = batch_progress(batch, batch_jobs(store, batch))
    assert (progress.ended, progress.total) == (2, 2)
    assert not progress.under_way(batch)


def test_any_failure_ends_as_a_plain_sentence_on_its_cell(files, settings, tmp_path) -> None:
    tiny, ana, dance = copies(files, tmp_path / "mine", "tiny", "ana", "dance")
    plan = plan_batch([tiny, ana], [dance], Orientation.IMAGE, DEFAULT_MODEL, PRICE)
    tiny.unlink()  # gone before the worker fixes it: a FileNotFoundError, not a MotionStudioError
    batches, sent = Batches(settings.db_path), Sent()

    batch = run_batch(settings, batches.create(plan).id, runner(settings, sent))

    assert batch is not None and batch.status is BatchStatus.SENT
    broken, fine = batch.cells
    assert broken.job_id is None and broken.error == (
        "The character image batch-tiny.png could not be fixed: the file is no longer there (it was moved or deleted)."
    )
    assert fine.job_id is not None and fine.error is None and sent.job_ids == [fine.job_id]
    progress = batch_progress(batch, batch_jobs(JobStore(settings.db_path), batch))
    assert (progress.ended, progress.recorded) == (1, 1)

    again = plan_batch([ana], [dance], Orientation.IMAGE, DEFAULT_MODEL, PRICE, prompt="again")
    dance.unlink()  # every cell fails: the batch says so, and why, in words
    failed = run_batch(settings, batches.create(again).id, runner(settings, Sent()))
    assert failed is not None and failed.status is BatchStatus.FAILED
    assert failed.error == (
        "Nothing was sent. The motion video batch-dance.mp4 could not be fixed: "
        "the file is no longer there (it was moved or deleted)."
    )
    assert "None" not in failed.error


def test_a_fix_whose_worker_died_is_taken_over_and_never_ends_as_none(files, settings) -> None:
    plan = plan_batch([files["tiny"]], [files["dance"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE)
    runs = FixRuns(settings.db_path)
    orphan, _ = runs.request("image", files["tiny"], None, 0.0, DEFAULT_MODEL)
    runs.update(orphan.id, status=FixState.RUNNING)
    with sqlite3.connect(settings.db_path) as db:  # its worker died a while ago: it went silent
        db.execute("update fix_runs set updated_at = ? where id = ?", [now_iso(-60), orphan.id])
    sent = Sent()

    started = time.monotonic()
    batch = run_batch(
        settings, Batches(settings.db_path).create(plan).id, runner(settings, sent, fix_stale_seconds=5.0)
    )

    assert time.monotonic() - started < 60
    assert batch is not None and batch.status is BatchStatus.SENT and batch.files_fixed == 1
    assert runs.get(orphan.id).status is FixState.DONE  # type: ignore[union-attr]
    assert [cell.error for cell in batch.cells] == [None] and len(sent.job_ids) == 1


def test_the_sweep_takes_over_a_batch_whose_worker_died_and_sends_each_cell_once(files, settings) -> None:
    plan = plan_batch([files["ana"], files["ben"]], [files["dance"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE)
    batches, sent = Batches(settings.db_path), Sent()
    batch = batches.create(plan)
    assert orphaned_batches(settings.db_path, 60.0) == []  # just queued: its task is on its way
    # A worker took it and died holding it: its lease ran out.
    batches.update(batch.id, lease="dead-worker", due_at=now_iso(-1))
    assert orphaned_batches(settings.db_path, 60.0) == [batch.id]

    ended = run_batch(settings, batch.id, runner(settings, sent))
    again = run_batch(settings, batch.id, runner(settings, sent))  # the same task delivered twice

    assert ended is not None and ended.status is BatchStatus.SENT and ended.lease is None
    assert again == ended and sorted(sent.job_ids) == sorted(ended.job_ids) and len(sent.job_ids) == 2
    assert orphaned_batches(settings.db_path, 0.0) == []


def test_a_batch_is_created_once_under_its_key_and_once_per_plan_in_flight(files, database, settings) -> None:
    plan = plan_batch([files["ana"]], [files["dance"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE)
    batches = Batches(database)

    first = queue_batch(plan, settings, key="click-1")
    double_click = queue_batch(plan, settings, key="click-1")
    other_tab = batches.create(plan, key="click-of-another-tab")

    assert double_click.id == other_tab.id == first.id
    assert [b.id for b in batches.recent(10)] == [first.id]
    # Once that batch has been sent, the same plan again is a new batch, on purpose.
    batches.update(first.id, status=BatchStatus.SENT)
    second = batches.create(plan, key="click-2")
    assert second.id != first.id
    batches.update(second.id, status=BatchStatus.SENT)
    unkeyed = batches.create(plan)  # no key is no key: never the same as another batch without one
    batches.update(unkeyed.id, status=BatchStatus.SENT)
    assert len({unkeyed.id, batches.create(plan).id, second.id}) == 3


def test_cli_wait_stops_when_what_is_left_can_never_be_followed_and_says_so(files, settings) -> None:
    from io import StringIO

    from lib.cli.batch import follow
    from lib.cli.output import Out
    from lib.worker.heartbeat import WorkerBeat, Workers
    from lib.worker.wiring import key_fingerprint

    plan = plan_batch([files["ana"], files["ben"]], [files["dance"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE)
    batch = run_batch(settings, Batches(settings.db_path).create(plan).id, runner(settings, Sent()))
    assert batch is not None and batch.status is BatchStatus.SENT
    first, second = batch.job_ids
    # Made with a key this command line does not hold (a tab's typed key, a rotated server key).
    JobStore(settings.db_path).update(second, key_fingerprint="a-closed-tabs-key")
    JobStore(settings.db_path).update(first, status=JobStatus.FAILED, failure_reason="refused", finished_at=now_iso())
    Workers(settings.db_path).beat(WorkerBeat.for_this_process(key_fingerprint(settings), 1))  # a worker runs

    started = time.monotonic()
    shown, why = follow(batch.id, Out(True, StringIO(), StringIO()), settings, wait_for_worker=60, wait_limit=60)

    assert time.monotonic() - started < 10
    assert why == f"Nothing more can come of waiting: job {second}: waiting for a worker with the key that made it."
    assert (shown.done, shown.total) == (0, 2)


# --- the command line, through a real worker ------------------------------------------------------


@pytest.fixture(scope="module")
def worker_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("batch-served")
    data_dir = root / "data"
    env = {"SIMULATOR_PROCESSING_SECONDS": "0.5", "MOTION_STUDIO_STATIC_DIR": str(root / "static")}
    with worker_process(data_dir, root / "worker.log", env):
        yield data_dir


def cli(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lib.cli", *args],
        cwd=ROOT,
        env=child_environment(data_dir, {"MOTION_STUDIO_STATIC_DIR": str(data_dir.parent / "static")}),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def batch_args(*images: Path, video: Path, extra: tuple[str, ...] = ()) -> list[str]:
    return ["batch", *(a for image in images for a in ("--image", str(image))), "--video", str(video), *extra]


def test_cli_batch_fixes_first_then_every_cell_succeeds_and_the_zip_holds_each(files, worker_data) -> None:
    import json

    done = cli(
        worker_data,
        *batch_args(
            files["ana"],
            files["tiny"],
            video=files["dance"],
            extra=("--prompt", "on a beach", "--yes", "--wait", "--json"),
        ),
    )

    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert (shown["status"], shown["done"], shown["total"], shown["rows"], shown["cols"]) == ("sent", 2, 2, 2, 1)
    assert re.search(r"2 characters x 1 motion video = 2 jobs, about \$\d+\.\d\d", done.stderr)
    assert "1 file will be fixed first" in done.stderr and "To fix:" in done.stderr
    jobs = [cell["job"] for cell in shown["cells"]]
    assert [job["status"] for job in jobs] == ["succeeded", "succeeded"]
    # The small image was sent as its fixed copy, which passes.
    assert check_image(jobs[1]["image_path"], model_for(DEFAULT_MODEL.word)).ok
    assert not check_image(files["tiny"]).ok

    settings = load_settings(secrets={}, environ={"MOTION_STUDIO_DATA": str(worker_data)})
    batch = Batches(settings.db_path).get(shown["id"])
    assert batch is not None and batch.files_fixed == batch.files_to_fix == 1
    store = JobStore(settings.db_path)
    found = {job_id: store.get(job_id) for job_id in batch.job_ids}
    by_id = {k: v for k, v in found.items() if v is not None}
    assert batch_progress(batch, by_id).done == 2
    # The worker's sweep wrote the zip once every cell had ended; the page only finds it.
    folder, storage = zips_dir(worker_data), storage_for(settings)
    wait_until(lambda: ready_zip(batch, by_id, folder, storage) is not None, 30, "the worker to write the zip")
    zipped = ready_zip(batch, by_id, folder, storage)
    assert zipped is not None and str(batch_zip(batch, by_id, folder, storage)) == zipped
    with zipfile.ZipFile(zipped) as archive:
        names = archive.namelist()
    first = download_name(by_id[batch.job_ids[0]])
    assert names == [first, first.replace(".mp4", "_2.mp4")]  # same prompt, same minute: the second gets _2
    assert compare_link(batch, by_id) == batch.job_ids


def test_cli_batch_asks_first_and_refuses_over_the_cap_or_too_many(files, worker_data) -> None:
    settings = load_settings(secrets={}, environ={"MOTION_STUDIO_DATA": str(worker_data)})
    before = len(Batches(settings.db_path).recent(100))

    declined = cli(worker_data, *batch_args(files["ana"], video=files["dance"]), stdin="n\n")
    assert declined.returncode == 1 and "Send it? [y/N]" in declined.stderr and "Nothing was sent." in declined.stderr
    assert re.search(r"1 character x 1 motion video = 1 job, about \$0\.\d\d", declined.stderr)

    capped = cli(
        worker_data,
        *batch_args(files["ana"], files["ben"], video=files["dance"], extra=("--max-cost", "0.10", "--yes")),
    )
    assert capped.returncode == 1 and "would cost more than your spending cap" in capped.stderr
    assert "against a cap of $0.10" in capped.stderr

    eleven = [files["ana"]] * 11
    too_many = cli(worker_data, *batch_args(*eleven, video=files["dance"], extra=("--yes",)))
    assert too_many.returncode == 2 and "at most 10 characters and 10 motion videos" in too_many.stderr

    unreadable = cli(worker_data, *batch_args(files["text"], video=files["dance"], extra=("--yes",)))
    assert unreadable.returncode == 1, unreadable.stderr

    assert len(Batches(settings.db_path).recent(100)) == before  # nothing was recorded


def test_cli_batch_copies_its_inputs_so_moving_the_originals_breaks_nothing(
    files, worker_data, tmp_path, monkeypatch
) -> None:
    import json

    from streamlit.testing.v1 import AppTest

    ana, dance = copies(files, tmp_path / "originals", "ana", "dance")
    done = cli(worker_data, *batch_args(ana, video=dance, extra=("--prompt", "copied", "--yes", "--wait", "--json")))
    assert done.returncode == 0, done.stderr
    shutil.move(tmp_path / "originals", tmp_path / "moved")  # the person tidies up their folder

    settings = load_settings(secrets={}, environ={"MOTION_STUDIO_DATA": str(worker_data)})
    batch = Batches(settings.db_path).get(json.loads(done.stdout)["id"])
    assert batch is not None
    assert all(Path(path).parent == settings.inputs_dir and Path(path).exists() for path in batch.images + batch.videos)
    assert (batch.characters, batch.motions) == (["batch-ana.png"], ["batch-dance.mp4"])
    monkeypatch.setenv("MOTION_STUDIO_DATA", str(worker_data))
    history = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).switch_page("pages/3_History.py")
    history.run()
    assert not history.exception, history.exception


# --- the pages ------------------------------------------------------------------------------------


def test_history_shows_a_batch_as_one_group_and_the_batch_page_follows_it(files, settings) -> None:
    from streamlit.testing.v1 import AppTest

    plan = plan_batch([files["ana"], files["ben"]], [files["long"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE)
    batch = Batches(settings.db_path).create(plan)

    history = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).switch_page("pages/3_History.py")
    history.run()
    assert not history.exception, history.exception
    folded = [expander for expander in history.expander if expander.label.startswith("Batch of 2 x 1, ")]
    assert len(folded) == 1 and folded[0].label.endswith(": Fixing files on the worker: 0 of 1 done.")
    shown = [markdown.value for markdown in history.markdown]
    assert "**Fixing files on the worker: 0 of 1 done.**" in shown
    assert any("2 x 1 on Kling 2.6 Pro" in caption.value for caption in history.caption)

    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).switch_page("pages/5_Batch.py")
    page.query_params["batch"] = batch.id
    page.run()
    assert not page.exception, page.exception
    assert "**Fixing files on the worker: 0 of 1 done.**" in [markdown.value for markdown in page.markdown]
    grid = "".join(element.proto.body for element in page.get("html"))
    assert grid.count(">Waiting for its fixes<") == 2
    # Rows and columns go by the files' names, never by a content hash.
    assert f">{files['ana'].name}<" in grid and f">{files['long'].name}<" in grid


# --- workers killed mid-batch ---------------------------------------------------------------------


def charges(data_dir: Path) -> int:
    """How many tasks the demo simulator created, each a POST paid for (kept on disk across workers)."""
    return len(list((data_dir / "simulator" / "charges").glob("[0-9a-f]*.json")))


def killed_mid_batch(media: MediaShelf, tmp_path: Path, images: list[Path], videos: list[Path], when) -> None:
    """Queue a batch, SIGKILL the worker once `when(batch, fix_runs)` holds, start a new one, and check
    that every cell ends, succeeded, with exactly one POST."""
    data_dir = tmp_path / "data"
    env = {"SIMULATOR_PROCESSING_SECONDS": "0.5", "MOTION_STUDIO_STATIC_DIR": str(tmp_path / "static")}
    settings = load_settings(secrets={}, environ=child_environment(data_dir, env))
    plan = plan_batch(images, videos, Orientation.IMAGE, DEFAULT_MODEL, PRICE)
    batch = queue_batch(plan, settings, key="killed")
    batches, runs, store = Batches(settings.db_path), FixRuns(settings.db_path), JobStore(settings.db_path)
    worker = start_worker(data_dir, tmp_path / "worker-1.log", env)
    try:
        deadline = time.monotonic() + 120
        while not when(batches.get(batch.id), runs):
            assert time.monotonic() < deadline, "the moment to kill the worker never came"
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stop(worker)
    with worker_process(data_dir, tmp_path / "worker-2.log", env):

        def ended() -> bool:
            now = batches.get(batch.id)
            return now is not None and not batch_progress(now, batch_jobs(store, now)).under_way(now)

        wait_until(ended, 240, "every cell of the batch to end after the kill")
    final = batches.get(batch.id)
    assert final is not None and final.status is BatchStatus.SENT
    jobs = batch_jobs(store, final)
    assert len(jobs) == len(final.cells) == len(plan.cells)
    assert {job.status for job in jobs.values()} == {JobStatus.SUCCEEDED}
    assert len({job.task_id for job in jobs.values()}) == len(final.cells)
    assert charges(data_dir) == len(final.cells)  # exactly one POST per cell


def test_a_worker_killed_while_a_batch_fixes_is_taken_over_and_each_cell_is_paid_once(files, media, tmp_path) -> None:
    slow = media.video("batch-slow.mp4", width=1280, height=720, seconds=12.0, fps=30)  # 12 s: trimmed to 10

    def fixing(batch, runs: FixRuns) -> bool:
        with sqlite3.connect(runs.db_path) as db:
            return db.execute("select count(*) from fix_runs where status = 'running'").fetchone()[0] > 0

    killed_mid_batch(media, tmp_path, [files["ana"], files["tiny"]], [files["dance"], slow], fixing)


def test_a_worker_killed_while_a_batch_records_its_cells_leaves_each_cell_paid_once(files, media, tmp_path) -> None:
    images = [media.image(f"batch-person-{n}.png", 480 + 8 * n, 640) for n in range(6)]
    recorded_at_kill: list[int] = []

    def recording(batch, runs: FixRuns) -> bool:
        recorded = len(batch.job_ids)
        if recorded > 0:
            recorded_at_kill.append(recorded)
            return True
        return False

    killed_mid_batch(media, tmp_path, images, [files["dance"]], recording)
    assert recorded_at_kill[0] < len(images), "the kill came after every cell was recorded"


def test_sending_the_batch_page_again_under_its_token_makes_one_batch(files, settings) -> None:
    from streamlit.testing.v1 import AppTest

    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).switch_page("pages/5_Batch.py")
    page.session_state["batch_files"] = {
        "batch_image": {str(files["ana"]): "Ana (library)"},
        "batch_video": {str(files["dance"]): "dance.mp4"},
    }
    page.run()
    assert not page.exception, page.exception
    page.button(key="batch_send").click().run()
    first = page.query_params["batch"]
    # The same press again (a second click that arrives late, or a rerun): the batch made the first time.
    del page.query_params["batch"]
    page.run()
    page.button(key="batch_send").click().run()

    assert page.query_params["batch"] == first
    batches = Batches(settings.db_path).recent(10)
    assert [b.id for b in batches] == [first]
    assert batches[0].characters == ["Ana (library)"]


def test_a_result_that_is_gone_shows_what_is_missing_never_a_traceback(files, settings, tmp_path) -> None:
    from streamlit.testing.v1 import AppTest

    plan = plan_batch([files["ana"], files["ben"]], [files["dance"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE)
    batch = run_batch(settings, Batches(settings.db_path).create(plan).id, runner(settings, Sent()))
    assert batch is not None
    kept = Path(shutil.copy(files["dance"], tmp_path / "result.mp4"))
    store = JobStore(settings.db_path)
    for job_id, result in zip(batch.job_ids, [kept, tmp_path / "removed.mp4"], strict=True):
        store.update(job_id, status=JobStatus.SUCCEEDED, result_path=str(result), finished_at=now_iso())

    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).switch_page("pages/5_Batch.py")
    page.query_params["batch"] = batch.id
    page.run()

    assert not page.exception, page.exception
    grid = "".join(element.proto.body for element in page.get("html"))
    assert grid.count("<video ") == 1 and "/app/static/" in grid
    assert "its video is missing from the data folder" in grid and ">Video missing<" in grid


def test_the_batch_page_gives_content_advice_per_file_and_per_pair_once_per_file(tmp_path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    from lib.media.content import advise

    looks: list[Path] = []
    sample_video = advise.sample_video
    monkeypatch.setattr(advise, "sample_video", lambda path: looks.append(path) or sample_video(path))
    close, dark = made.image(tmp_path, "astronaut-close"), made.image(tmp_path, "astronaut-dark")
    cut, wide = made.clip(tmp_path, "cut_1_5"), made.clip(tmp_path, "wide_one")
    also_wide = Path(shutil.copy(wide, tmp_path / "also-wide.mp4"))  # the same content: looked at once
    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).switch_page("pages/5_Batch.py")
    page.session_state["batch_files"] = {
        "batch_image": {str(close): "Ana close", str(dark): "Ana dark"},
        "batch_video": {str(cut): "cut.mp4", str(wide): "wide.mp4", str(also_wide): "also wide.mp4"},
    }
    page.run()
    assert not page.exception, page.exception

    popovers = {block.proto.popover.label: block for block in page.get("popover")}
    # The pairs of one character image under one button, each pair's advice inside.
    assert {"Ana dark · 1", "Ana close x 2 motion videos"} <= set(popovers)
    assert not [label for label in popovers if label.startswith("Ana close ·")]  # nothing to say: not shown
    cut_label = next(label for label in popovers if label.startswith("cut.mp4 · "))
    opened = " ".join(markdown.value for markdown in popovers[cut_label].get("markdown"))
    assert "The clip cuts to another shot at 0:01.6" in opened and "Keep the longest shot" in opened
    assert popovers[cut_label].get("image"), "the cut's still is not in its popover"
    pairs = " ".join(markdown.value for markdown in popovers["Ana close x 2 motion videos"].get("markdown"))
    assert "**Ana close x wide.mp4**" in pairs and "**Ana close x also wide.mp4**" in pairs
    assert pairs.count("The image is framed") == 2
    assert sorted(looks) == sorted([cut, wide])

    page.run()  # a rerun reads each file's answer; it decodes nothing again
    assert not page.exception and sorted(looks) == sorted([cut, wide])
    assert {block.proto.popover.label for block in page.get("popover")} == set(popovers)


def test_the_batch_page_says_nothing_of_content_with_content_advice_off(tmp_path, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CONTENT_ADVICE", "off")
    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).switch_page("pages/5_Batch.py")
    page.session_state["batch_files"] = {
        "batch_image": {str(made.image(tmp_path, "astronaut-dark")): "Ana dark"},
        "batch_video": {str(made.clip(tmp_path, "cut_1_5")): "cut.mp4"},
    }
    page.run()
    assert not page.exception, page.exception
    assert not page.get("popover") and "Advice" not in " ".join(markdown.value for markdown in page.markdown)


def test_the_batch_summary_names_each_file_to_fix_in_plain_words(tmp_path, character_png) -> None:
    from streamlit.testing.v1 import AppTest

    # Too long and too small: two fixes, each said in its own sentence.
    stored = make_video(tmp_path / f"{'3f' * 32}.mp4", 240, 180, seconds=11.0, fps=12)
    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).switch_page("pages/5_Batch.py")
    page.session_state["batch_files"] = {
        "batch_image": {str(character_png): "ana.png"},
        "batch_video": {str(stored): "dance.mp4"},
    }
    page.run()
    assert not page.exception, page.exception
    said = " ".join(e.value for e in [*page.markdown, *page.caption])
    assert "dance.mp4" in said and "3f3f" not in said and ".;" not in said
    # Both drop zones are Upload's, with its sizes and words.
    assert sum("Up to 2 GB" in str(zone.proto) for zone in page.get("component_instance")) == 2


def test_the_batch_page_says_a_batch_is_over_the_cap_before_send_is_pressed(files, settings) -> None:
    from streamlit.testing.v1 import AppTest

    from lib.team.budgets import TEAM, Budgets

    Budgets(settings.database).set(TEAM, 0.50, set_by="boss@studio.test")
    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).switch_page("pages/5_Batch.py")
    page.session_state["batch_files"] = {
        "batch_image": {str(files["ana"]): "ana.png", str(files["ben"]): "ben.png"},
        "batch_video": {str(files["dance"]): "dance.mp4"},
    }
    page.run()

    assert not page.exception, page.exception
    said = " ".join(warning.value for warning in page.warning)
    assert "Over budget: $0.50 of the team's $0.50 left this month; this batch needs $" in said
    assert page.button(key="batch_send").disabled, "Send was offered for a batch the cap refuses"
    assert Batches(settings.db_path).recent(10) == []
