"""The API key never reaches the browser: every page's HTML and every websocket frame of a whole flow
in a real browser carry no trace of it, and neither do the database, the data folder or the logs."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from playwright.sync_api import Response, WebSocket, expect

from tests.browser_support import go_to, main_area
from tests.live_app import live_app

KEY = "sk_live_7f3c9a1e5b_SECRET_MARKER_4d2e8f"
pytestmark = pytest.mark.browser


def test_the_api_key_reaches_no_page_frame_file_or_log(tmp_path: Path, browser, motion_mp4: Path) -> None:
    received: list[bytes] = []

    def keep_frame(payload: str | bytes) -> None:
        received.append(payload.encode() if isinstance(payload, str) else payload)

    def watch(socket: WebSocket) -> None:
        socket.on("framereceived", keep_frame)
        socket.on("framesent", keep_frame)

    def keep_body(response: Response) -> None:
        with contextlib.suppress(Exception):  # redirects and aborted media requests have no body to read
            received.append(response.body())

    with live_app(tmp_path, KEY, processing_seconds=0.5, ready_result=motion_mp4) as live:
        page = browser.new_context(viewport={"width": 1300, "height": 1600}).new_page()
        page.on("websocket", watch)
        page.on("response", keep_body)
        page.goto(live.app.url)
        expect(page.get_by_text("Live on Novita")).to_be_visible(timeout=30_000)
        go_to(page, "Upload", "Upload and check")
        main_area(page).get_by_role("button", name="Try it with samples").click()
        expect(page.get_by_text("Both files pass every rule")).to_be_visible(timeout=60_000)
        go_to(page, "Generate", "Generate")
        main_area(page).get_by_role("button", name="Generate").click()
        expect(main_area(page).get_by_role("link", name="Download video")).to_be_visible(timeout=90_000)
        go_to(page, "History", "History")
        # a card's button: a selectbox's drop-down button is named "Open" too
        main_area(page).get_by_test_id("stButton").get_by_role("button", name="Open", exact=True).first.click()
        expect(main_area(page).get_by_text("Task id")).to_be_visible(timeout=30_000)
        go_to(page, "Home", "Motion Studio")
        page.get_by_text("Settings", exact=True).click()
        expect(page.get_by_text("The API key comes from the server")).to_be_visible(timeout=10_000)
        received.append(page.content().encode())
        assert live.simulator.task_count() == 1  # the key was used, server side: the simulator accepts only it

    key = KEY.encode()
    assert len(received) > 20
    assert not [frame[:80] for frame in received if key in frame]
    files = [p for p in tmp_path.rglob("*") if p.is_file() and "simulator" not in p.parts]
    assert {"motion_studio.db", "queue.db", "streamlit.log", "streamlit.worker.log"} <= {p.name for p in files}
    assert not [str(p) for p in files if key in p.read_bytes()]
