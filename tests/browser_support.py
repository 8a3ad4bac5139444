"""Running the app with `streamlit run` and driving it from Debian's Chromium through Playwright.

Shared by the browser tests and the page benchmark. The server listens on a free loopback port and
is stopped by whoever started it (terminate, then kill); the browser is Debian's chromium, since
`playwright install` cannot download one here.

    with streamlit_server(ROOT / "app.py", data_dir) as app, chromium() as browser:
        page = browser.new_page()
        page.goto(app.url)
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from tests.bigfiles_support import drop_zone
from tests.processes import stop
from tests.worker_support import child_environment, start_worker

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1400, "height": 2000}  # tall: a screenshot does not scroll Streamlit's inner container
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# The README's picture of each page, remade by the browser test that walks through it, so it stays current.
README_SCREENSHOTS = ROOT / "docs" / "screenshots"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class RunningApp:
    url: str
    log_path: Path


@contextmanager
def streamlit_server(
    script: Path,
    data_dir: Path,
    log_path: Path,
    processing_seconds: float = 3.0,
    startup_timeout: float = 60.0,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    port: int | None = None,
    worker: bool = True,
) -> Iterator[RunningApp]:
    """`python -m streamlit run <script>` in demo mode on a free port, and a worker beside it (as
    `scripts/run.sh` starts them); yields once `/_stcore/health` answers.

    Streamlit reads `.streamlit/config.toml` from `cwd` (default: the script's folder). `env` adds
    settings (say, a key and a service address for live mode); `port` fixes the port, for settings
    that must name the app's own address.
    """
    port = port or free_port()
    settings = {"SIMULATOR_PROCESSING_SECONDS": str(processing_seconds), **(env or {})}
    server_env = child_environment(data_dir, settings)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    url = f"http://127.0.0.1:{port}"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command, cwd=cwd or script.parent, env=server_env, stdout=log, stderr=subprocess.STDOUT
        )
        workers = [start_worker(data_dir, log_path.with_suffix(".worker.log"), settings)] if worker else []
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {server.returncode}; see {log_path}")
                try:
                    if requests.get(f"{url}/_stcore/health", timeout=1).ok:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer within {startup_timeout:.0f} s; see {log_path}")
                time.sleep(0.1)
            yield RunningApp(url, log_path)
        finally:
            for child in [server, *workers]:
                stop(child)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Debian chromium under Playwright."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Screenshots:
    """Numbered screenshots of one flow: `test-artifacts/screenshots/<flow>/NN-name.png`."""

    def __init__(self, page: Page, flow: str) -> None:
        self.page, self.folder, self.count = page, SCREENSHOTS / flow, 0
        if self.folder.exists():
            for old in self.folder.glob("*.png"):
                old.unlink()
        self.folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str, readme: str | None = None) -> Path:
        """Take the next screenshot; with `readme`, it is also the README's picture `docs/screenshots/<readme>.png`."""
        self.page.mouse.move(0, 0)  # no hover tooltip in the picture
        wait_for_videos(self.page)
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path))
        if readme:
            readme_screenshot(self.page, readme)
        return path


def readme_screenshot(page: Page, name: str) -> Path:
    """Save the page as the README's picture of it, cut below the content so it has no empty tail."""
    content = main_area(page).get_by_test_id("stMainBlockContainer").bounding_box()
    size = page.viewport_size or VIEWPORT
    width, height = size["width"], size["height"]
    bottom = min(height, int(content["y"] + content["height"]) + 24) if content else height
    README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = README_SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": width, "height": bottom})
    return path


def wait_for_videos(page: Page, timeout: float = 15_000) -> None:
    """Wait until every <video> on the page has its first frame (it has no height before its metadata);
    a take's tile loads nothing until pressed (preload none), and shows its poster meanwhile."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('video')].every(v => v.preload === 'none' || v.readyState >= 2)",
        timeout=timeout,
    )


def main_area(page: Page):
    """The page's own content, without the sidebar."""
    return page.get_by_test_id("stMain")


def wait_until_idle(page: Page, timeout: float = 30_000) -> None:
    """Wait for the app to finish its current run (Streamlit shows a status widget while running)."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=timeout)


def open_buttons(scope: Page | Locator) -> Locator:
    """The Open buttons of History cards (the filters' drop-downs have "Open" toggles too)."""
    return scope.get_by_test_id("stButton").get_by_role("button", name="Open", exact=True)


def go_to(page: Page, label: str, title: str) -> None:
    """Click a sidebar link and wait for the page's title."""
    page.get_by_test_id("stSidebar").get_by_role("link", name=re.compile(rf"^\W*{label}$")).click()
    expect(main_area(page).get_by_role("heading", name=title, exact=True).first).to_be_visible(timeout=30_000)


def checklist_line(page: Page, kind: str, rule: str) -> Locator:
    """The checklist line of `rule` in the image or video column of the Upload page."""
    column = page.get_by_test_id("stColumn").filter(
        has=page.get_by_role("heading", name={"image": "Character image", "video": "Motion video"}[kind])
    )
    return column.get_by_test_id("stMarkdown").filter(has_text=f"{rule}:")


def upload(page: Page, image: Path, video: Path) -> None:
    """Go to Upload and drop both files there, waiting for each one's checks."""
    go_to(page, "Upload", "Upload and check")
    drop_zone(page, 0).set_input_files(str(image))
    expect(checklist_line(page, "image", "Shape")).to_be_visible()
    drop_zone(page, 1).set_input_files(str(video))
    expect(checklist_line(page, "video", "Length")).to_be_visible()
    wait_until_idle(page)


@contextmanager
def app_in_browser(
    browser: Browser, data_dir: Path, name: str, *, worker: bool = True
) -> Iterator[tuple[Page, Screenshots]]:
    """The app on a free port (with a worker unless told not to), open in a laptop-sized page at Home;
    screenshots and the server's log are named after `name`. The page closes at the end."""
    with streamlit_server(
        ROOT / "app.py", data_dir, SCREENSHOTS.parent / f"{name}-streamlit.log", worker=worker
    ) as app:
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(app.url)
        try:
            yield page, Screenshots(page, name)
        finally:
            context.close()
