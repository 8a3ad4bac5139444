"""Takes in a real browser, with a real worker and the simulator: three prompts queued without waiting
all finish on Generate, a reload mid-job keeps the prompt in its box, and a second browser session
opening Generate sees nothing of the first one's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser_support import (
    ROOT,
    SCREENSHOTS,
    VIEWPORT,
    Screenshots,
    go_to,
    main_area,
    streamlit_server,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

PROMPTS = ["a dancer on a beach at sunset", "a dancer in a neon city at night", "a dancer in falling snow"]


def done_badges(page: Page) -> Locator:
    return main_area(page).locator(".stMarkdownBadge").filter(has_text=re.compile(r"\bDone$"))


def queue_take(page: Page, prompt: str, number: int) -> None:
    page.get_by_label("Prompt (optional)").fill(prompt)
    main_area(page).get_by_role("button", name=re.compile("Generate$")).click()
    expect(main_area(page).get_by_text(f"Take {number}", exact=False).first).to_be_visible(timeout=30_000)
    expect(main_area(page).get_by_text(f"Prompt: {prompt}")).to_be_visible()
    wait_until_idle(page)


def test_three_takes_queued_without_waiting_all_finish_and_a_reload_keeps_the_prompt(
    browser: Browser, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with streamlit_server(
        ROOT / "app.py", data, SCREENSHOTS.parent / "takes-streamlit.log", processing_seconds=3
    ) as app:
        first = browser.new_context(viewport=VIEWPORT)
        page = first.new_page()
        page.set_default_timeout(30_000)
        shots = Screenshots(page, "takes")
        page.goto(app.url)
        go_to(page, "Upload", "Upload and check")
        main_area(page).get_by_role("button", name=re.compile("Try it with samples$")).click()
        expect(main_area(page).get_by_text("Both files pass every rule")).to_be_visible(timeout=60_000)
        main_area(page).get_by_role("link", name="Continue to Generate").click()
        expect(main_area(page).get_by_role("heading", name="Generate", exact=True)).to_be_visible()
        expect(page).to_have_url(re.compile(r"[?&]pair="))

        for number, prompt in enumerate(PROMPTS, start=1):
            queue_take(page, prompt, number)
        shots("three-takes-queued")
        assert done_badges(page).count() < 3, "the takes finished before the reload: nothing was mid-job"

        page.reload()
        expect(page.get_by_label("Prompt (optional)")).to_have_value(PROMPTS[-1])
        expect(page).to_have_url(re.compile(r"[?&]pair="))

        second = browser.new_context(viewport=VIEWPORT)
        other = second.new_page()
        other.goto(f"{app.url}/Generate")
        expect(main_area(other).get_by_text("Nothing prepared in this tab yet")).to_be_visible(timeout=30_000)
        expect(other.get_by_label("Prompt (optional)")).to_have_count(0)
        expect(main_area(other).get_by_text(PROMPTS[-1])).to_have_count(0)
        second.close()

        expect(done_badges(page)).to_have_count(3, timeout=60_000)
        for prompt in PROMPTS:
            expect(main_area(page).get_by_text(f"Prompt: {prompt}")).to_be_visible()
        expect(main_area(page).get_by_role("button", name=re.compile("Download video$"))).to_have_count(3)
        shots("three-takes-done")
        first.close()
