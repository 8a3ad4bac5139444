"""The engine as a person sees it in a real browser: with no worker the page says how to start one,
and a queued fix keeps its place through a page switch and a reload until a worker runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.bigfiles_support import drop_zone
from tests.browser_support import app_in_browser, checklist_line, go_to, main_area, wait_until_idle
from tests.make_media import make_video
from tests.processes import stop
from tests.worker_support import start_worker

pytestmark = pytest.mark.browser


def test_a_fix_waits_for_a_worker_through_a_page_switch_and_a_reload(browser: Browser, tmp_path: Path) -> None:
    too_long = make_video(tmp_path / "too-long.mp4", 480, 320, seconds=12.0, fps=12)
    data = tmp_path / "data"
    with app_in_browser(browser, data, "engine-fix-waits", worker=False) as (page, shots):
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("No worker is running")).to_be_visible(timeout=30_000)
        expect(sidebar.get_by_text("python -m lib.worker")).to_be_visible()
        shots("home-without-a-worker")

        go_to(page, "Upload", "Upload and check")
        drop_zone(page, 1).set_input_files(str(too_long))
        expect(checklist_line(page, "video", "Length")).to_be_visible(timeout=30_000)
        wait_until_idle(page)
        main_area(page).get_by_role("button", name="Fix it").click()
        waiting = main_area(page).get_by_text("Fixing… waiting for a worker")
        expect(waiting).to_be_visible(timeout=30_000)
        wait_until_idle(page)
        shots("fix-waiting")

        go_to(page, "Generate", "Generate")
        go_to(page, "Upload", "Upload and check")
        expect(waiting).to_be_visible(timeout=30_000)
        page.reload()
        expect(waiting).to_be_visible(timeout=30_000)
        assert "video_fix=" in page.url

        worker = start_worker(data, tmp_path / "worker.log")
        try:
            expect(sidebar.get_by_text("1 worker running")).to_be_visible(timeout=30_000)
            expect(waiting).to_have_count(0, timeout=60_000)
            expect(main_area(page).get_by_role("button", name="Fix it")).to_have_count(0, timeout=60_000)
            expect(checklist_line(page, "video", "Length")).to_contain_text("10.0 s", timeout=30_000)
            shots("fixed-after-the-worker-started")
        finally:
            stop(worker)
