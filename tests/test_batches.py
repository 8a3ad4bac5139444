"""Batches: the plan and its cost, the spending cap, the store, and `python -m lib.cli batch` through a
real worker in demo mode (its simulator), real ffmpeg fixes and a real SQLite file."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest

from lib.batches import (
    MAX_SIDE,
    Batches,
    BatchStatus,
    batch_progress,
    batch_zip,
    compare_link,
    plan_batch,
)
from lib.config import load_settings
from lib.errors import BatchOverCap, BatchTooLarge
from lib.history.gallery import download_name
from lib.jobs.store import JobStore
from lib.media import check_image
from lib.novita.rules import DEFAULT_MODEL, Orientation, model_for
from tests.fixtures_media import MediaShelf
from tests.worker_support import ROOT, child_environment, worker_process

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


def test_the_store_keeps_a_batch_and_its_grid(files, settings) -> None:
    plan = plan_batch(
        [files["ana"], files["ben"]], [files["dance"]], Orientation.VIDEO, DEFAULT_MODEL, PRICE, prompt="on a beach"
    )
    batches = Batches(settings.db_path)
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
    with zipfile.ZipFile(BytesIO(batch_zip(batch, by_id))) as archive:
        names = archive.namelist()
    first = download_name(by_id[batch.job_ids[0]])
    assert names == [first, first.replace(".mp4", "_2.mp4")]  # same prompt, same minute: the second gets _2
    assert compare_link(batch, by_id) == "/Compare?jobs=" + ",".join(batch.job_ids)


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


# --- the pages ------------------------------------------------------------------------------------


def test_history_shows_a_batch_as_one_group_and_the_batch_page_follows_it(files, settings) -> None:
    from streamlit.testing.v1 import AppTest

    plan = plan_batch([files["ana"], files["ben"]], [files["long"]], Orientation.IMAGE, DEFAULT_MODEL, PRICE)
    batch = Batches(settings.db_path).create(plan)

    history = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).switch_page("pages/3_History.py")
    history.run()
    assert not history.exception, history.exception
    assert any("Batches (1 most recent)" in expander.label for expander in history.expander)
    shown = [markdown.value for markdown in history.markdown]
    assert "**Fixing files on the worker: 0 of 1 done.**" in shown
    assert any("2 x 1 on Kling 2.6 Pro" in caption.value for caption in history.caption)

    page = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).switch_page("pages/5_Batch.py")
    page.query_params["batch"] = batch.id
    page.run()
    assert not page.exception, page.exception
    assert "**Fixing files on the worker: 0 of 1 done.**" in [markdown.value for markdown in page.markdown]
    assert [caption.value for caption in page.caption].count("Waiting for its fixes") == 2
