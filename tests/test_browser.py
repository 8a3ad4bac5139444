"""End-to-end flows in a real Chromium: the app runs with `streamlit run` in demo mode, as a creator uses it.

One server for the session (on a free loopback port, with a temporary data folder), and a worker
beside it that sends jobs to its built-in simulator (finishing a job in 3 s), follows them and runs
fixes; a fresh browser context per test. Each flow saves screenshots of
the pages it passes to `test-artifacts/screenshots/<flow>/` (git-ignored): look at them.

Flows share the server's history, so each one finds its own jobs by a prompt no other flow uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from lib.media.probe import probe
from tests.browser_support import (
    ROOT,
    SCREENSHOTS,
    VIEWPORT,
    RunningApp,
    Screenshots,
    checklist_line,
    go_to,
    main_area,
    open_buttons,
    streamlit_server,
    upload,
)
from tests.make_media import make_image, make_video

pytestmark = pytest.mark.browser

RESULT_TIMEOUT = 60_000  # the worker's submit, 3 s of simulated work, its noticing, and the download
RULES = {
    "image": ["Format", "File size", "Smallest side", "Shape"],
    "video": ["Format", "File size", "Smallest side", "Shape", "Length"],
}

expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def browser_media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("browser-media")
    return {
        "image": make_image(folder / "character.png", 600, 800),
        "video": make_video(folder / "motion.mp4", 640, 360, seconds=4.0),
        "long_video": make_video(folder / "long-motion.mp4", 640, 360, seconds=12.0),
    }


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app in demo mode on a free port (conftest removes the motion videos it hosts in static/)."""
    data = tmp_path_factory.mktemp("browser-data")
    with streamlit_server(ROOT / "app.py", data, SCREENSHOTS.parent / "streamlit.log", processing_seconds=3) as running:
        yield running


@pytest.fixture
def page(browser: Browser, app: RunningApp, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A new browser session on the home page; on failure it leaves a screenshot of where it stopped."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    failed_before = request.session.testsfailed
    page.goto(app.url)
    expect(main_area(page).get_by_role("heading", name="Motion Studio", exact=True)).to_be_visible(timeout=30_000)
    yield page
    if request.session.testsfailed > failed_before:
        folder = SCREENSHOTS / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{request.node.name}.png"))
    context.close()


# Steps a creator takes, in their words.


def expect_all_rules_pass(page: Page) -> None:
    for kind, rules in RULES.items():
        for rule in rules:
            expect(checklist_line(page, kind, rule)).to_contain_text("· limit")
    expect(material_icon(page, "cancel")).to_have_count(0)
    expect(main_area(page).get_by_text("Both files pass every rule")).to_be_visible()


def status_badge(scope: Locator, label: str) -> Locator:
    """A job's status badge (its text starts with the icon's ligature name, "check_circle Done")."""
    return scope.locator(".stMarkdownBadge").filter(has_text=re.compile(rf"\b{label}$"))


def material_icon(page: Page, name: str) -> Locator:
    return main_area(page).get_by_role("img", name=f"{name} icon", exact=True)


def continue_to_generate(page: Page) -> None:
    main_area(page).get_by_role("link", name="Continue to Generate").click()
    expect(main_area(page).get_by_role("heading", name="Generate", exact=True)).to_be_visible()


def take_cards(page: Page) -> Locator:
    """Generate's take cards, newest first: each is a bordered container keyed `take_<job id>`."""
    return main_area(page).locator("[class*='st-key-take_']")


def generate(page: Page, prompt: str | None) -> str:
    """Type the prompt (if any), click Generate, and wait for the new take's card; the job's id from its key."""
    if prompt is not None:
        page.get_by_label("Prompt (optional)").fill(prompt)
    before = take_cards(page).count()
    button = main_area(page).get_by_role("button", name=re.compile("Generate$"))
    expect(button).to_be_enabled()
    button.click()
    expect(take_cards(page)).to_have_count(before + 1, timeout=30_000)
    expect(page).to_have_url(re.compile(r"[?&]pair="))
    return re.search(r"st-key-take_([0-9a-f]{32})", take_cards(page).first.get_attribute("class") or "").group(1)


def expect_result(page: Page) -> None:
    card = status_card(page)
    expect(card.get_by_role("link", name=re.compile("Download video$"))).to_be_visible(timeout=RESULT_TIMEOUT)
    expect(status_badge(card, "Done")).to_be_visible()
    expect(card.locator("video")).to_have_count(1)  # the take's result


def status_card(page: Page) -> Locator:
    """The newest take's card on Generate."""
    return take_cards(page).first


def history_card(page: Page, prompt: str) -> Locator:
    """The one card whose prompt is `prompt`: the innermost block holding both the prompt and an Open button."""
    return main_area(page).get_by_test_id("stVerticalBlock").filter(has_text=prompt).filter(has=open_buttons(page)).last


# The flows.


def test_newcomer_uploads_generates_and_downloads_from_history(
    page: Page, browser_media: dict[str, Path], tmp_path: Path
) -> None:
    shot = Screenshots(page, "1-newcomer")
    shot("home", readme="home")
    expect(main_area(page).get_by_text("Demo mode")).to_be_visible()

    upload(page, browser_media["image"], browser_media["video"])
    expect_all_rules_pass(page)
    expect(checklist_line(page, "video", "Length")).to_contain_text("4.0 s")
    shot("upload-checked", readme="upload")

    continue_to_generate(page)
    expect(main_area(page).get_by_text("Estimated cost")).to_be_visible()
    shot("generate-ready")
    prompt = "a lighthouse keeper dancing on the pier at dawn"
    job_id = generate(page, prompt)
    shot("generate-running")
    expect_result(page)
    shot("generate-result", readme="generate")

    go_to(page, "History", "History")
    card = history_card(page, prompt)
    expect(status_badge(card, "Done")).to_be_visible()
    poster = card.get_by_test_id("stImageContainer").locator("img")
    expect(poster).to_be_visible()
    expect(poster).not_to_have_js_property("naturalWidth", 0)  # the poster frame loaded
    expect(open_buttons(card)).to_have_count(1)
    shot("history", readme="history")

    open_buttons(card).click()
    expect(main_area(page).get_by_role("heading", name=prompt)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"[?&]job={job_id}"))
    shot("history-detail")
    videos = main_area(page).locator("video")
    expect(videos).to_have_count(2)  # the result and the motion video, streamed from the static route
    for video in videos.all():
        expect(video).to_have_attribute("src", re.compile(r"/app/static/[0-9a-f]{64}\.mp4$"))
        page.wait_for_function("v => v.preload === 'none' || v.readyState >= 2", arg=video.element_handle())
    with page.expect_download() as download_info:
        main_area(page).get_by_role("link", name=re.compile("Download video$")).click()
    download = download_info.value
    assert re.fullmatch(
        r"motion_\d{4}-\d{2}-\d{2}_\d{4}_a-lighthouse-keeper-dancing-on\.mp4", download.suggested_filename
    )
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    facts = probe(saved)
    assert facts.format == "mp4" and facts.has_video and facts.codec == "h264"
    assert facts.duration and facts.duration > 1

    main_area(page).get_by_role("button", name=re.compile("Back to all jobs$")).click()
    expect(main_area(page).get_by_role("heading", name="History", exact=True)).to_be_visible()
    expect(open_buttons(history_card(page, prompt))).to_have_count(1)


def test_too_long_video_is_flagged_fixed_and_generated(page: Page, browser_media: dict[str, Path]) -> None:
    shot = Screenshots(page, "2-too-long")
    upload(page, browser_media["image"], browser_media["long_video"])
    expect(main_area(page).get_by_role("radio", name="As in the image")).to_be_checked()
    length = checklist_line(page, "video", "Length")
    expect(length).to_contain_text("12.0 s")
    expect(length).to_contain_text("10 s")
    expect(length).not_to_contain_text("· limit")
    expect(material_icon(page, "cancel")).to_have_count(1)
    expect(main_area(page).get_by_text("Both files pass every rule")).to_have_count(0)
    expect(main_area(page).get_by_role("slider")).to_be_visible()  # which 10 s to keep
    shot("upload-too-long")

    main_area(page).get_by_role("button", name=re.compile("Fix it$")).click()
    expect(main_area(page).get_by_test_id("stProgress")).to_contain_text(
        re.compile(r"Fixing… (waiting for a worker|\d+%)")
    )
    expect(main_area(page).get_by_role("button", name=re.compile("Stop$"))).to_be_visible()
    shot("upload-fixing")
    expect(checklist_line(page, "video", "Length")).to_contain_text("10.0 s · limit 3 s to 10 s", timeout=60_000)
    expect_all_rules_pass(page)
    shot("upload-fixed")

    continue_to_generate(page)
    generate(page, "a marathon runner stretching in the rain")
    expect_result(page)
    shot("generate-result")


def test_reload_during_a_job_shows_its_progress_again(page: Page, browser_media: dict[str, Path]) -> None:
    shot = Screenshots(page, "3-reload")
    upload(page, browser_media["image"], browser_media["video"])
    continue_to_generate(page)
    job_id = generate(page, "a chef flipping pancakes in a tiny kitchen")
    progress = status_card(page).get_by_test_id("stProgress")
    expect(progress).to_be_visible()
    expect(progress).to_contain_text(re.compile("Sending|Waiting in line|Generating"))

    page.reload()
    expect(page).to_have_url(re.compile(r"[?&]pair="))
    expect(status_card(page)).to_have_class(re.compile(rf"st-key-take_{job_id}"))
    progress = status_card(page).get_by_test_id("stProgress")
    expect(progress).to_be_visible(timeout=30_000)
    expect(progress).to_contain_text(re.compile("Waiting in line|Generating"))
    expect(status_card(page).get_by_text("since you pressed Generate")).to_be_visible()
    shot("generate-after-reload")
    expect_result(page)
    shot("generate-result")


def test_rerun_from_history_with_the_samples(page: Page) -> None:
    shot = Screenshots(page, "4-rerun")
    go_to(page, "Upload", "Upload and check")
    main_area(page).get_by_role("button", name=re.compile("Try it with samples$")).click()
    expect(checklist_line(page, "video", "Length")).to_be_visible(timeout=60_000)  # made on first use
    expect_all_rules_pass(page)
    shot("upload-samples")
    continue_to_generate(page)
    prompt = "a robot waltzing through a moonlit greenhouse"
    generate(page, prompt)
    expect_result(page)

    go_to(page, "History", "History")
    open_buttons(history_card(page, prompt)).click()
    expect(main_area(page).get_by_role("heading", name=prompt)).to_be_visible()
    shot("history-detail")
    main_area(page).get_by_role("button", name=re.compile("Re-run$")).click()

    expect(main_area(page).get_by_role("heading", name="Generate", exact=True)).to_be_visible()
    expect(page.get_by_label("Prompt (optional)")).to_have_value(prompt)
    expect(take_cards(page)).to_have_count(1)  # the first take of this pair, finished; nothing new queued yet
    shot("generate-rerun")
    generate(page, None)
    expect_result(page)
    shot("generate-rerun-result")

    go_to(page, "History", "History")
    main_area(page).get_by_label("Search prompts and notes").fill(prompt)
    main_area(page).get_by_label("Search prompts and notes").press("Enter")
    expect(main_area(page).get_by_text(re.compile(r"Page 1 of 1 · 2 jobs"))).to_be_visible()
    expect(open_buttons(main_area(page))).to_have_count(2)
    expect(main_area(page).get_by_text(prompt)).to_have_count(2)
    expect(status_badge(main_area(page), "Done")).to_have_count(2)
    shot("history-two-jobs")
