"""Compare in a real browser: two finished takes play in sync (a seek on one moves the others), and
Home's recent job link opens that job in History. The jobs are written straight into the app's store:
what is tested is the page, not how results are made (tests/test_browser.py covers that)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from lib.jobs import JobStatus, JobStore
from tests.browser_support import (
    ROOT,
    SCREENSHOTS,
    VIEWPORT,
    RunningApp,
    main_area,
    readme_screenshot,
    streamlit_server,
    wait_until_idle,
)
from tests.jobs_support import a_job
from tests.make_media import make_image, make_video

pytestmark = pytest.mark.browser

expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
def takes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A data folder holding two finished takes of one pair (the second one longer)."""
    folder = tmp_path_factory.mktemp("compare")
    data = folder / "data"
    data.mkdir()
    inputs = {
        "image_path": str(make_image(folder / "character.png", 300, 400)),
        "video_path": str(make_video(folder / "motion.mp4", 320, 240, seconds=4.0, audio=False)),
    }
    store = JobStore(data / "motion_studio.db")
    ids = [
        store.add(
            a_job(
                prompt=prompt,
                status=JobStatus.SUCCEEDED,
                result_path=str(make_video(folder / f"take{n}.mp4", 320, 240, seconds=seconds, audio=False)),
                created_at=f"2026-11-24T10:0{n}:00+00:00",
                **inputs,
            )
        ).id
        for n, (prompt, seconds) in enumerate([("she spins", 4.0), ("she waves", 5.0)])
    ]
    return data, ids


@pytest.fixture(scope="module")
def app(takes: tuple[Path, list[str]]) -> Iterator[RunningApp]:
    log = SCREENSHOTS.parent / "streamlit-compare.log"
    with streamlit_server(ROOT / "app.py", takes[0], log, worker=False) as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def player(page: Page) -> Frame:
    """The synced player's frame, once every video in it has its metadata."""
    expect(page.locator("iframe")).to_have_count(1, timeout=30_000)
    frame = page.locator("iframe").element_handle().content_frame()
    assert frame is not None
    frame.wait_for_function(
        "() => { const v = [...document.querySelectorAll('video')];"
        " return v.length && v.every(x => x.readyState >= 1); }"
    )
    return frame


def times(frame: Frame) -> list[float]:
    return frame.evaluate("() => [...document.querySelectorAll('video')].map(v => v.currentTime)")


def test_a_seek_on_one_take_moves_every_other(page: Page, app: RunningApp, takes) -> None:
    page.goto(f"{app.url}/Compare?jobs={','.join(takes[1])}")
    frame = player(page)
    assert frame.locator("video").count() == 2
    assert all(
        src.startswith("/app/static/")
        for src in frame.eval_on_selector_all("video", "v => v.map(x => x.getAttribute('src'))")
    )
    frame.evaluate("() => { document.querySelectorAll('video')[1].currentTime = 2.5; }")
    frame.wait_for_function("() => [...document.querySelectorAll('video')].every(v => !v.seeking)")
    page.wait_for_timeout(300)
    now = times(frame)
    assert abs(now[1] - 2.5) < 0.25 and max(now) - min(now) < 0.25, now
    # The shared bar: play runs them all, pause stops them all together.
    frame.get_by_role("button", name="Play").click()
    page.wait_for_timeout(800)
    frame.get_by_role("button", name="Pause").click()
    frame.wait_for_function("() => [...document.querySelectorAll('video')].every(v => v.paused && !v.seeking)")
    expect(frame.get_by_role("button", name="Play")).to_be_visible()
    now = times(frame)
    assert min(now) > 2.6 and max(now) - min(now) < 0.25, now
    (SCREENSHOTS / "compare").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "compare" / "synced-player.png"))
    readme_screenshot(page, "compare")


def test_home_recent_job_opens_it_in_history(page: Page, app: RunningApp, takes) -> None:
    page.goto(app.url)
    main_area(page).get_by_role("link", name="she waves").click()
    expect(main_area(page).get_by_role("heading", name="she waves")).to_be_visible(timeout=30_000)
    assert f"job={takes[1][1]}" in page.url


def test_history_picks_two_takes_and_opens_them_in_compare(page: Page, app: RunningApp, takes) -> None:
    page.goto(f"{app.url}/History")
    main = main_area(page)
    expect(main.get_by_text("Take 1", exact=True)).to_be_visible(timeout=30_000)
    expect(main.get_by_text("Take 2", exact=True)).to_be_visible()
    boxes = main.get_by_test_id("stCheckbox").filter(has_text="Compare")
    wait_until_idle(page)  # a click while the page still runs can land on an element about to be replaced
    boxes.nth(0).click()
    expect(main.get_by_text("Pick at least 2 takes to compare: 1 picked.")).to_be_visible()
    wait_until_idle(page)
    boxes.nth(1).click()
    link = main.get_by_role("link", name="Compare selected (2)")
    expect(link).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "compare" / "history-cards.png"))
    link.click()
    assert player(page).locator("video").count() == 2
    assert sorted(page.url.split("jobs=")[1].replace("%2C", ",").split(",")) == sorted(takes[1])
