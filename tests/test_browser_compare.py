"""Compare in a real browser: two finished takes play in sync (a seek on one moves the others), and
Home's recent job link opens that job in History. The jobs are written straight into the app's store:
what is tested is the page, not how results are made (tests/test_browser.py covers that)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from lib.jobs import JobStatus, JobStore
from lib.media.thumbnails import poster_for
from tests.browser_support import (
    ROOT,
    SCREENSHOTS,
    VIEWPORT,
    RunningApp,
    go_to,
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
    results = [
        make_video(folder / f"take{n}.mp4", 320, 240, seconds=seconds, audio=False)
        for n, seconds in ((0, 4.0), (1, 5.0))
    ]
    ids = [
        store.add(
            a_job(
                prompt=prompt,
                status=JobStatus.SUCCEEDED,
                result_path=str(result),
                poster_path=poster_for(result),
                created_at=f"2026-11-24T10:0{n}:00+00:00",
                **inputs,
            )
        ).id
        for n, (prompt, result) in enumerate(zip(["she spins", "she waves"], results, strict=True))
    ]
    return data, ids


@pytest.fixture(scope="module")
def app(takes: tuple[Path, list[str]]) -> Iterator[RunningApp]:
    log = SCREENSHOTS.parent / "streamlit-compare.log"
    with streamlit_server(ROOT / "app.py", takes[0], log, worker=False) as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
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
    assert frame.locator("figure:not(.motion) video").count() == 2  # the motion video waits, hidden
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
    recent = main_area(page).get_by_test_id("stHorizontalBlock").filter(has=page.get_by_role("link", name="she waves"))
    expect(recent.locator("img")).to_have_count(1)  # the take's poster beside its link
    main_area(page).get_by_role("link", name="she waves").click()
    expect(main_area(page).get_by_role("heading", name="she waves")).to_be_visible(timeout=30_000)
    assert f"job={takes[1][1]}" in page.url


def test_picks_collect_in_the_sidebar_tray_and_compare_offers_the_apps_controls(
    page: Page, app: RunningApp, takes
) -> None:
    page.goto(f"{app.url}/History")
    main, sidebar = main_area(page), page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("link", name=re.compile(r"Compare$"))).to_be_visible()  # a page of its own
    expect(main.get_by_text("Take 1", exact=True)).to_be_visible(timeout=30_000)
    boxes = main.get_by_test_id("stCheckbox").filter(has_text="Compare")
    wait_until_idle(page)  # a click while the page still runs can land on an element about to be replaced
    boxes.nth(0).click()
    expect(sidebar.get_by_text("Pick at least 2 takes to compare: 1 picked.")).to_be_visible()
    wait_until_idle(page)
    boxes.nth(1).click()
    tray = sidebar.get_by_role("link", name="2 picked · Compare")
    expect(tray).to_be_in_viewport()
    page.screenshot(path=str(SCREENSHOTS / "compare" / "history-cards.png"))
    tray.click()
    frame = player(page)
    assert sorted(page.url.split("jobs=")[1].replace("%2C", ",").split(",")) == sorted(takes[1])
    for control in ("Play", "Back one frame", "Forward one frame"):
        expect(frame.get_by_role("button", name=control)).to_be_visible()
    expect(frame.get_by_role("slider", name="Seek")).to_be_visible()
    frame.get_by_label("Speed").select_option("0.5")
    assert frame.evaluate("() => [...document.querySelectorAll('video')].map(v => v.playbackRate)") == [0.5] * 3
    main = main_area(page)
    for action in ("Keep this one", "Re-run with changes"):
        expect(main.get_by_role("button", name=action)).to_have_count(2)
    expect(main.get_by_role("link", name=re.compile("Download$"))).to_have_count(2)
    # The motion video shows without the players being made again: where they were, they stay.
    frame.get_by_role("button", name="Play").click()
    page.wait_for_timeout(700)
    frame.get_by_role("button", name="Pause").click()
    before = times(frame)
    frame.get_by_label("Show the motion video too").check()
    expect(frame.locator("figure.motion video")).to_be_visible()
    page.wait_for_timeout(500)
    assert page.locator("iframe").element_handle().content_frame() == frame and min(times(frame)) >= min(before) > 0
    main.get_by_role("button", name="Keep this one").first.click()
    expect(main.get_by_role("button", name="Kept")).to_have_count(1)


def test_two_downloads_clicked_back_to_back_both_arrive(page: Page, app: RunningApp, takes) -> None:
    store = JobStore(takes[0] / "motion_studio.db")
    # Pages of takes, three under way (so History's grid refreshes itself), as while a creator works.
    added = [
        store.add(a_job(status=status, task_id=f"task-{n}", prompt=f"she runs {n}"))
        for n, status in enumerate([JobStatus.SUCCEEDED] * 30 + [JobStatus.PROCESSING] * 3)
    ]
    try:
        page.goto(app.url)
        go_to(page, "History", "History")
        main = main_area(page)
        main.get_by_text("Export and backup").click()
        wait_until_idle(page)
        arrived: list[str] = []
        page.on("download", lambda download: arrived.append(download.suggested_filename))
        for pause in (0, 250, 600):  # the second click lands while the app may still answer the first
            main.get_by_role("button", name="Download history as CSV").click()
            page.wait_for_timeout(pause)
            main.get_by_role("button", name="Download history as JSON").click()
            page.wait_for_timeout(2500)
        assert arrived == ["motion_studio-history.csv", "motion_studio-history.json"] * 3, arrived
        assert "Deferred file" not in app.log_path.read_text()
    finally:
        for job in added:
            store.delete(job.id)


def test_history_keeps_its_filters_after_leaving_and_coming_back(page: Page, app: RunningApp) -> None:
    page.goto(f"{app.url}/History")
    main = main_area(page)
    search = main.get_by_label("Search prompts and notes")
    search.fill("spins")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]search=spins"))
    expect(main.get_by_text("she waves", exact=True)).to_have_count(0)
    expect(main.get_by_text("she spins", exact=True)).to_have_count(1)
    go_to(page, "Home", "Motion Studio")
    go_to(page, "History", "History")
    expect(main.get_by_label("Search prompts and notes")).to_have_value("spins")
    expect(main.get_by_text("she waves", exact=True)).to_have_count(0)
    expect(main.get_by_text("she spins", exact=True)).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]search=spins"))
