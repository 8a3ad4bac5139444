"""A batch in a real browser, with a real worker and the simulator: a 2 x 1 batch shows its cost before
anything is sent, both results arrive, and the zip it offers holds both. And a 10 x 10 batch of 20 MB
results opens in a compact grid that fits a laptop screen without the app's memory growing."""

from __future__ import annotations

import os
import re
import time
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, expect

from lib.batches import Batches, BatchPlan, BatchStatus, PlannedCell, PlannedFile
from lib.jobs.models import Job, JobStatus, new_job_id, now_iso
from lib.jobs.store import JobStore
from lib.media.thumbnails import poster_for
from lib.novita.rules import DEFAULT_MODEL, Orientation
from tests import content_support
from tests.bigfiles_support import drop_zone, memory_mib, pid_listening_on
from tests.browser_support import (
    ROOT,
    SCREENSHOTS,
    VIEWPORT,
    app_in_browser,
    main_area,
    readme_screenshot,
    streamlit_server,
    wait_until_idle,
)
from tests.fixtures_media import MediaShelf
from tests.worker_support import wait_until

pytestmark = pytest.mark.browser


def test_the_batch_page_shows_each_file_and_pair_advice_behind_a_small_button(browser: Browser, tmp_path: Path) -> None:
    image = content_support.framed(tmp_path, "astronaut")  # close: a half-body portrait
    cut, wide = content_support.clip(tmp_path, "cut_1_5"), content_support.clip(tmp_path, "wide_one")
    started = time.monotonic()
    with app_in_browser(browser, tmp_path / "data", "batch-advice", worker=False) as (page, shots):
        page.get_by_test_id("stSidebar").get_by_role("link", name=re.compile(r"Batch$")).click()
        main = main_area(page)
        drop_zone(page, 0).set_input_files(str(image))
        expect(main.get_by_role("button", name=f"Remove {image.name}")).to_be_visible()
        for video in (cut, wide):
            drop_zone(page, 1).set_input_files(str(video))
            expect(main.get_by_role("button", name=f"Remove {video.name}")).to_be_visible(timeout=60_000)
            wait_until_idle(page, timeout=60_000)  # the first look at a clip takes a few seconds

        pair = main.get_by_role("button", name=re.compile(rf"{image.name} x {wide.name}"))
        expect(pair).to_be_visible(timeout=60_000)  # a close portrait and a wide clip: framed unlike
        expect(main.get_by_text(re.compile(r"^Advice \(\d+\)"))).to_be_visible()
        main.get_by_role("button", name=re.compile(rf"{cut.name} · \d+")).click()
        opened = page.get_by_test_id("stPopoverBody")
        expect(opened.get_by_text(re.compile(r"The clip cuts to another shot at 0:01"))).to_be_visible()
        still = opened.get_by_test_id("stImage").locator("img").first
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=still.element_handle())
        shots("cut")
    print(f"batch advice in the browser: {time.monotonic() - started:.1f} s")


def test_a_2_by_1_batch_confirms_its_cost_first_and_its_zip_holds_both(
    browser: Browser, media: MediaShelf, tmp_path: Path
) -> None:
    images = [media.image("browser-batch-ana.png", 480, 640), media.image("browser-batch-ben.png", 640, 480)]
    video = media.video("browser-batch-dance.mp4", width=480, height=360, seconds=3.5)
    data = tmp_path / "data"
    with streamlit_server(
        ROOT / "app.py", data, SCREENSHOTS.parent / "batch-streamlit.log", processing_seconds=1
    ) as app:
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{app.url}/Batch")
        expect(main_area(page).get_by_role("heading", name="Batch", exact=True)).to_be_visible()
        # Upload's drop zones, one file after another: each lands in the batch under its own name.
        for image in images:
            drop_zone(page, 0).set_input_files(str(image))
            expect(main_area(page).get_by_role("button", name=f"Remove {image.name}")).to_be_visible()
        drop_zone(page, 1).set_input_files(str(video))
        expect(main_area(page).get_by_role("button", name=f"Remove {video.name}")).to_be_visible()
        wait_until_idle(page)
        summary = main_area(page).get_by_text(re.compile(r"2 characters x 1 motion video = 2 jobs, about \$\d+\.\d\d"))
        expect(summary).to_be_visible(timeout=60_000)
        send = main_area(page).get_by_role("button", name=re.compile(r"Send 2 jobs for about \$\d+\.\d\d"))
        expect(send).to_be_visible()
        assert Batches(data / "motion_studio.db").recent() == [], "a batch was recorded before its cost was confirmed"

        # Typed, then Send pressed at once: the prompt reaches the app with the press, after Send was drawn.
        page.get_by_label("Prompt (for every job)").fill("dancing on a beach")
        send.click()
        expect(page).to_have_url(re.compile(r"[?&]batch="), timeout=30_000)
        expect(main_area(page).get_by_text("2 of 2 done")).to_be_visible(timeout=60_000)
        expect(main_area(page).get_by_role("link", name=re.compile("Compare$"))).to_be_visible()
        readme_screenshot(page, "batch")
        grid = main_area(page).locator(".batch-grid")
        expect(grid.get_by_text(images[0].name)).to_be_visible()
        expect(grid.locator("video")).to_have_count(2)
        wait_until(lambda: list((data / "zips").glob("batch_*.zip")), 30, "the worker's zip")
        page.reload()  # the page finds the zip the worker wrote once both jobs had ended
        expect(main_area(page).get_by_text("2 of 2 done")).to_be_visible(timeout=60_000)

        with page.expect_download() as download_info:
            main_area(page).get_by_role("link", name=re.compile(r"Download 2 results \(zip\)$")).click()
        zipped = tmp_path / "batch.zip"
        download_info.value.save_as(zipped)
        with zipfile.ZipFile(zipped) as archive:
            names = archive.namelist()
            assert all(archive.getinfo(name).file_size > 1000 for name in names)
        assert len(names) == 2 and all(re.fullmatch(r"motion_\S+dancing-on-a-beach(_2)?\.mp4", n) for n in names), names
        context.close()


RESULT_BYTES = 20 * 1024 * 1024
SIDE = 10
LAPTOP = {"width": 1400, "height": 900}
MAX_GROWTH_MIB = 100


def a_done_batch(media: MediaShelf, data: Path, side: int = SIDE, result_bytes: int | None = RESULT_BYTES) -> str:
    """A batch recorded as done: side x side succeeded jobs, each with its own result (hard links of one
    real MP4, padded to `result_bytes`) and a poster; the batch's id."""
    video = media.video("batch-result.mp4", width=480, height=640, seconds=3.0)
    video = media.padded(video, result_bytes) if result_bytes else video
    image = media.image("batch-face.png", 480, 640)
    results = data / "results"
    results.mkdir(parents=True, exist_ok=True)
    names = [f"character-{n + 1}.png" for n in range(side)], [f"motion-{n + 1}.mp4" for n in range(side)]
    plan = BatchPlan(
        tuple(PlannedFile(str(image), "image", (), name=name) for name in names[0]),
        tuple(PlannedFile(str(video), "video", (), 3.0, name) for name in names[1]),
        tuple(
            PlannedCell(row, col, str(image), str(video), 0.42, names[0][row], names[1][col])
            for row in range(side)
            for col in range(side)
        ),
        Orientation.IMAGE,
        DEFAULT_MODEL,
        0.14,
        prompt=f"a {side} by {side}",
    )
    db_path = data / "motion_studio.db"
    batches, store = Batches(db_path), JobStore(db_path)
    batch = batches.create(plan, key=new_job_id())
    poster = poster_for(video)
    for cell in plan.cells:
        job_id = new_job_id()
        result = results / f"{job_id}.mp4"
        os.link(video, result)
        now = now_iso()
        store.add(
            Job(
                id=job_id,
                content_hash=job_id,
                status=JobStatus.SUCCEEDED,
                character_orientation="image",
                prompt=f"a {side} by {side}",
                image_path=str(image),
                video_path=str(video),
                result_path=str(result),
                poster_path=str(poster) if poster else None,
                output_seconds=3.0,
                created_at=now,
                updated_at=now,
                finished_at=now,
            )
        )
        batches.set_job(batch.id, cell.row, cell.col, job_id)
    batches.update(batch.id, status=BatchStatus.SENT)
    return batch.id


def test_a_10_by_10_batch_of_20_mb_results_fits_a_laptop_screen_and_keeps_memory_flat(
    browser: Browser, media: MediaShelf, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    batch_id = a_done_batch(media, data)
    with streamlit_server(ROOT / "app.py", data, SCREENSHOTS.parent / "batch-10x10-streamlit.log", worker=False) as app:
        pid = pid_listening_on(urlparse(app.url).port or 0)
        context = browser.new_context(viewport=LAPTOP)
        page = context.new_page()
        page.set_default_timeout(60_000)
        # The baseline has the Batch page's own code loaded (the store, its engine, the page's modules): what
        # grows after it is what the 100 results cost.
        page.goto(f"{app.url}/Batch")
        expect(main_area(page).get_by_role("heading").first).to_be_visible(timeout=60_000)
        wait_until_idle(page)
        before = memory_mib(pid, "VmRSS")

        page.goto(f"{app.url}/Batch?batch={batch_id}")
        expect(main_area(page).get_by_text("100 of 100 done")).to_be_visible(timeout=120_000)
        grid = main_area(page).locator(".batch-grid")
        started = time.monotonic()
        # The first view copies each result into the static folder (by its content, so hashing it once).
        expect(grid.locator("video")).to_have_count(SIDE * SIDE, timeout=180_000)
        print(f"first view of the 10 x 10 grid: {time.monotonic() - started:.1f} s after its progress line")
        for _ in range(3):  # refreshes, as a page that follows a batch makes
            page.reload()
            expect(grid.locator("video")).to_have_count(SIDE * SIDE)
        wait_until_idle(page)
        grown = memory_mib(pid, "VmRSS") - before
        print(f"10 x 10 batch of 20 MB results: the app's RSS grew by {grown:.1f} MiB (before {before:.0f} MiB)")

        # Rows and columns go by name; the whole grid fits the screen's width and height.
        expect(grid.get_by_text("character-10.png")).to_be_visible()
        expect(grid.get_by_text("motion-10.mp4")).to_be_visible()
        box = grid.bounding_box()
        assert box is not None and box["width"] <= LAPTOP["width"] and box["height"] <= LAPTOP["height"], box
        page.screenshot(path=str(SCREENSHOTS / "batch-10x10.png"))

        # A cell plays when clicked, from the static route.
        first = grid.locator("video").first
        assert (first.get_attribute("src") or "").startswith("/app/static/")
        first.click()
        page.wait_for_function(
            "() => { const v = document.querySelector('.batch-grid video'); return !v.paused && v.readyState >= 2 }",
            timeout=30_000,
        )
        context.close()
    assert grown <= MAX_GROWTH_MIB


def test_history_folds_its_batches_and_a_4_by_4_batch_fits_a_laptop_screen(
    browser: Browser, media: MediaShelf, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    batch_id = a_done_batch(media, data, side=4, result_bytes=None)
    a_done_batch(media, data, side=2, result_bytes=None)
    with streamlit_server(ROOT / "app.py", data, SCREENSHOTS.parent / "batch-4x4-streamlit.log", worker=False) as app:
        context = browser.new_context(viewport=LAPTOP)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{app.url}/History")
        main = main_area(page)
        # Batches are folded, one line each: the search is on the first screen.
        expect(main.get_by_label("Search prompts and notes")).to_be_in_viewport(timeout=60_000)
        main.get_by_text(re.compile(r"^Batch of 4 x 4")).click()
        grid = main.locator(".batch-grid:visible")
        expect(grid.locator("video")).to_have_count(16)
        box = grid.bounding_box()
        assert box is not None and box["height"] <= 480, box  # two batches' grids open fit one screen

        page.goto(f"{app.url}/Batch?batch={batch_id}")
        expect(main.get_by_text("16 of 16 done")).to_be_visible()
        expect(grid.locator("video")).to_have_count(16)
        wait_until_idle(page)
        box = grid.bounding_box()
        assert box is not None and box["y"] + box["height"] <= LAPTOP["height"] and box["width"] <= LAPTOP["width"], box
        page.screenshot(path=str(SCREENSHOTS / "batch-4x4.png"))
        context.close()
