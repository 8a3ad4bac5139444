"""A batch in a real browser, with a real worker and the simulator: a 2 x 1 batch shows its cost before
anything is sent, both results arrive, and the zip it offers holds both."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from lib.batches import Batches
from tests.browser_support import (
    ROOT,
    SCREENSHOTS,
    VIEWPORT,
    main_area,
    readme_screenshot,
    streamlit_server,
    wait_until_idle,
)
from tests.fixtures_media import MediaShelf

pytestmark = pytest.mark.browser


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
        uploads = page.locator('input[type="file"]')
        uploads.nth(0).set_input_files([str(path) for path in images])
        wait_until_idle(page)
        uploads.nth(1).set_input_files(str(video))
        page.get_by_label("Prompt (for every job)").fill("dancing on a beach")
        page.keyboard.press("Tab")

        summary = main_area(page).get_by_text(re.compile(r"2 characters x 1 motion video = 2 jobs, about \$\d+\.\d\d"))
        expect(summary).to_be_visible(timeout=60_000)
        send = main_area(page).get_by_role("button", name=re.compile(r"Send 2 jobs for about \$\d+\.\d\d"))
        expect(send).to_be_visible()
        assert Batches(data / "motion_studio.db").recent() == [], "a batch was recorded before its cost was confirmed"

        send.click()
        expect(page).to_have_url(re.compile(r"[?&]batch="), timeout=30_000)
        expect(main_area(page).get_by_text("2 of 2 done")).to_be_visible(timeout=60_000)
        expect(main_area(page).get_by_role("link", name=re.compile("Compare$"))).to_be_visible()
        readme_screenshot(page, "batch")

        with page.expect_download() as download_info:
            main_area(page).get_by_role("button", name=re.compile(r"Download 2 results \(zip\)$")).click()
        zipped = tmp_path / "batch.zip"
        download_info.value.save_as(zipped)
        with zipfile.ZipFile(zipped) as archive:
            names = archive.namelist()
            assert all(archive.getinfo(name).file_size > 1000 for name in names)
        assert len(names) == 2 and all(re.fullmatch(r"motion_\S+dancing-on-a-beach(_2)?\.mp4", n) for n in names), names
        context.close()
