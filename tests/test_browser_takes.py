"""Takes in a real browser, with a real worker and the simulator: three prompts queued without waiting
all finish on Generate, a reload mid-job keeps the prompt in its box, and a second browser session
opening Generate sees nothing of the first one's. A library pick leaves one Model control and sends the
price shown; a take cancelled before any worker sent it is never posted; six takes fit a laptop screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from lib.config import load_settings
from lib.files.storage import storage_for
from lib.jobs import JobStatus, JobStore
from lib.library import Library, LibraryKind
from lib.money import job_estimate
from lib.pairs.drafts import take_paths
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
from tests.jobs_support import a_job
from tests.make_media import make_image, make_video
from tests.processes import stop
from tests.worker_support import start_worker

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
        expect(main_area(page).get_by_role("link", name=re.compile("Download video$"))).to_have_count(3)
        shots("three-takes-done")
        first.close()


def test_a_library_pick_sends_the_price_shown_a_cancelled_take_is_never_posted_and_six_takes_fit_the_screen(
    browser: Browser, tmp_path: Path, data_dir: Path, character_png: Path, motion_mp4: Path
) -> None:
    settings = load_settings(secrets={})
    library = Library(settings.db_path)
    library.add(LibraryKind.CHARACTER, character_png, "Ana")
    library.add(LibraryKind.MOTION, motion_mp4, "Spin")
    log = SCREENSHOTS.parent / "takes-cancel-streamlit.log"
    with streamlit_server(ROOT / "app.py", data_dir, log, processing_seconds=1, worker=False) as app:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{app.url}/Generate")
        main = main_area(page)
        main.get_by_text("Ana", exact=True).click()
        wait_until_idle(page)
        main.get_by_text("Spin", exact=True).click()
        main.get_by_role("button", name=re.compile("Use “Ana” with “Spin”")).click()
        expect(main.get_by_role("button", name=re.compile("Generate$"))).to_be_visible()
        wait_until_idle(page)  # until then the page before the pick (its "Pick from the library" heading) shows too
        page.get_by_text("Pick from the library").click()  # the picks made before are still ticked
        expect(main.get_by_role("button", name=re.compile("Use “Ana” with “Spin”"))).to_be_visible()
        expect(main.get_by_role("combobox", name=re.compile("^Model"))).to_have_count(1)
        expect(main.get_by_text("Which way should the character face?")).to_have_count(0)
        main.get_by_role("combobox", name=re.compile("^Model")).click()
        page.keyboard.type("3.0 Pro")
        page.keyboard.press("Enter")
        wait_until_idle(page)
        main.get_by_role("button", name=re.compile("Use “Ana” with “Spin”")).click()
        wait_until_idle(page)

        main.get_by_role("button", name=re.compile("Generate$")).click()
        expect(main.get_by_text("Waiting to be sent: No worker is running")).to_be_visible()
        wait_until_idle(page)
        shown = main.locator('[data-testid="stMetricValue"]').first.inner_text()
        store = JobStore(settings.db_path)
        (cancelled,) = store.jobs_with_status(JobStatus.SUBMITTING)
        assert cancelled.model == "kling-v3.0-pro"
        assert shown == f"${job_estimate(cancelled, settings.price_for).usd:.2f}"
        main.get_by_role("button", name="Cancel").click()
        expect(main.get_by_text("Cancelled before it was sent")).to_be_visible()

        # A worker that starts now sends the next take, and never the cancelled one.
        worker = start_worker(data_dir, log.with_suffix(".worker.log"), {"SIMULATOR_PROCESSING_SECONDS": "1"})
        try:
            page.get_by_label("Prompt (optional)").fill("sent after the cancel")
            main.get_by_role("button", name=re.compile("Generate$")).click()
            expect(done_badges(page)).to_have_count(1, timeout=60_000)
        finally:
            stop(worker)
        assert store.get(cancelled.id).task_id is None
        assert len(list((settings.simulator_dir / "tasks").glob("*.json"))) == 1  # one POST: the second take

        pair = store.prepared(page.url.split("pair=")[1].split("&")[0])
        image, video = take_paths(pair, settings.inputs_dir, storage_for(settings))
        result = make_video(tmp_path / "result.mp4", 640, 360, seconds=1.0)
        poster = make_image(tmp_path / "poster.jpg", 640, 360)
        for number in range(6):
            store.add(
                a_job(
                    status=JobStatus.SUCCEEDED,
                    image_path=image,
                    video_path=video,
                    prompt=f"done take {number}",
                    result_path=str(result),
                    poster_path=str(poster),
                    model="kling-v2.6-pro",
                )
            )
        page.reload()
        cards = main.locator('[class*="st-key-take_"]')
        expect(cards).to_have_count(8)
        wait_until_idle(page)
        main.get_by_role("heading", name="Takes").evaluate(
            "heading => heading.scrollIntoView({block: 'start', behavior: 'instant'})"
        )
        # Measured at one moment, in the page's own coordinates: each of six cards wholly inside the window.
        boxes = cards.evaluate_all(
            "cards => cards.slice(0, 6).map(c => [c.getBoundingClientRect().top,"
            " c.getBoundingClientRect().bottom, window.innerHeight])"
        )
        page.screenshot(path=str(SCREENSHOTS / "takes-grid.png"))
        assert len(boxes) == 6 and all(top >= 0 and bottom <= height for top, bottom, height in boxes), boxes
        context.close()
