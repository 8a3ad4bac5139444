"""The shared library in a real browser, with a real worker and the simulator: a character and a motion clip
saved to the library are picked on Generate, the take made from them finishes, and the Library page renames
an item for everyone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from lib.jobs import JobStore
from lib.library import Library, LibraryKind
from tests.browser_support import (
    ROOT,
    SCREENSHOTS,
    VIEWPORT,
    Screenshots,
    main_area,
    readme_screenshot,
    streamlit_server,
    wait_until_idle,
)
from tests.make_media import make_image, make_video

pytestmark = pytest.mark.browser


def test_a_pair_picked_from_the_library_generates_and_the_library_page_renames(
    browser: Browser, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    library = Library(data / "motion_studio.db")
    ana = library.add(LibraryKind.CHARACTER, make_image(tmp_path / "ana.png", 480, 640), "Ana", tags=("dancer",))
    library.add(LibraryKind.CHARACTER, make_image(tmp_path / "bo.png", 500, 500), "Bo")
    spin = library.add(LibraryKind.MOTION, make_video(tmp_path / "spin.mp4", 480, 360, seconds=3.5), "Spin")
    with streamlit_server(
        ROOT / "app.py", data, SCREENSHOTS.parent / "library-streamlit.log", processing_seconds=2
    ) as app:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.set_default_timeout(30_000)
        shots = Screenshots(page, "library")
        page.goto(f"{app.url}/Generate")
        main = main_area(page)
        expect(main.get_by_role("heading", name="Pick from the library")).to_be_visible()
        expect(main.get_by_role("img")).to_have_count(3)  # each saved file shows its thumbnail
        main.get_by_text("Ana", exact=True).click()
        wait_until_idle(page)
        main.get_by_text("Spin", exact=True).click()
        use = main.get_by_role("button", name="Use “Ana” with “Spin”")
        expect(use).to_be_enabled()
        shots("picked")
        use.click()
        expect(page).to_have_url(re.compile(r"[?&]pair="))
        expect(main.get_by_role("heading", name="Generate", exact=True)).to_be_visible()

        main.get_by_role("button", name=re.compile("Generate$")).click()
        expect(main.get_by_text("Take 1", exact=False).first).to_be_visible()
        expect(main.locator(".stMarkdownBadge").filter(has_text=re.compile(r"\bDone$"))).to_have_count(
            1, timeout=60_000
        )
        shots("take-done")
        (job,) = JobStore(data / "motion_studio.db").recent()
        # The job keeps its own copies of the library's files, which stay where they are.
        assert Path(job.image_path).read_bytes() == Path(ana.path).read_bytes()
        assert Path(job.video_path).read_bytes() == Path(spin.path).read_bytes()

        page.goto(f"{app.url}/Library")
        expect(main.get_by_role("heading", name="Library", exact=True)).to_be_visible()
        expect(main.get_by_text("2 of 2 character images")).to_be_visible()
        wait_until_idle(page)
        readme_screenshot(page, "library")
        card = main.get_by_test_id("stVerticalBlock").filter(has=page.get_by_text("Ana", exact=True)).last
        card.get_by_role("button", name=re.compile("Edit")).click()
        name_box = page.get_by_role("textbox", name="Name").last
        name_box.fill("Ana the dancer")
        name_box.press("Enter")
        wait_until_idle(page)
        page.get_by_role("button", name="Rename").last.click()
        expect(main.get_by_text("Renamed to “Ana the dancer”.")).to_be_visible()
        assert library.get(ana.id).name == "Ana the dancer"
        shots("renamed")

        # A motion clip's card: its length, and a muted preview that plays while the pointer is over it.
        main.get_by_test_id("stButtonGroup").get_by_text("Motion videos", exact=True).click()
        expect(main.get_by_text(re.compile(r"^3\.5 s · saved"))).to_be_visible()
        preview = main.locator(".library-preview video")
        preview.hover()
        page.wait_for_function(
            "() => { const v = document.querySelector('.library-preview video'); return v && !v.paused }"
        )
        assert preview.evaluate("v => v.muted")
        context.close()
