"""Five browser sessions submit fifty jobs between them while a worker sends, follows and writes them: every
job is recorded exactly once, every result is downloaded, and no "database is locked" reaches anyone."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lib.jobs import JobStatus, JobStore
from lib.media.probe import probe
from tests.browser_support import go_to, main_area, upload, wait_until_idle
from tests.live_app import live_app

SESSIONS = 5
JOBS_PER_SESSION = 10
KEY = "sk_load_test_key_0000"

pytestmark = pytest.mark.browser


def wait_for(condition, failure: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.05)


def test_five_sessions_fifty_jobs_each_recorded_once_and_downloaded(
    tmp_path: Path, browser, character_png: Path, motion_mp4: Path
) -> None:
    # Every result is the motion clip, copied: rendering fifty videos would load the simulator, not the app.
    with live_app(tmp_path, KEY, processing_seconds=0.2, ready_result=motion_mp4) as live:
        store = JobStore(tmp_path / "data" / "motion_studio.db")
        pages = []
        for _ in range(SESSIONS):
            page = browser.new_context(viewport={"width": 1300, "height": 1000}).new_page()
            page.goto(live.app.url)
            upload(page, character_png, motion_mp4)
            expect(page.get_by_text("Both files pass every rule")).to_be_visible(timeout=60_000)
            go_to(page, "Generate", "Generate")
            pages.append(page)
        seen_text: list[str] = []
        started = time.monotonic()
        for round_number in range(JOBS_PER_SESSION):
            for session, page in enumerate(pages):
                prompt = page.get_by_label("Prompt (optional)")
                prompt.fill(f"load test session {session} job {round_number}")
                prompt.press("Control+Enter")  # commit the text, as leaving the box does
            buttons = [main_area(page).get_by_role("button", name="Generate") for page in pages]
            for page, button in zip(pages, buttons, strict=True):
                wait_until_idle(page)
                expect(button).to_be_enabled(timeout=60_000)
            recorded = store.count()
            for button in buttons:  # the five sessions press Generate at the same moment, as a team would
                button.click()
            wait_for(
                lambda expected=recorded + SESSIONS: store.count() >= expected,
                f"round {round_number}: not every click was recorded",
            )
            for session, page in enumerate(pages):
                # Every session prepared the same two files, so each page lists the others' takes too.
                take = main_area(page).locator("[class*='st-key-take_']")
                mine = take.filter(has_text=f"Prompt: load test session {session} job {round_number}")
                expect(mine.get_by_role("link", name="Download video")).to_be_visible(timeout=120_000)
                wait_until_idle(page)
                seen_text.append(main_area(page).inner_text())
        elapsed = time.monotonic() - started
        served_polls = live.simulator.request_count("task-result")
        tasks = live.simulator.task_count()
        submits = live.simulator.request_count("submit")
    log = (tmp_path / "streamlit.log").read_text()
    worker_log = (tmp_path / "streamlit.worker.log").read_text()

    jobs = store.recent(limit=1000)
    prompts = {job.prompt for job in jobs}
    assert len(jobs) == SESSIONS * JOBS_PER_SESSION == len(prompts)
    assert tasks == submits == len(jobs) and len({job.task_id for job in jobs}) == len(jobs)
    assert all(job.status is JobStatus.SUCCEEDED for job in jobs), [j.failure_reason for j in jobs if j.failure_reason]
    for job in jobs:
        facts = probe(Path(job.result_path))
        assert facts.format == "mp4" and facts.has_video
    assert not any("locked" in text.lower() for text in seen_text)
    assert "database is locked" not in log and "database is locked" not in worker_log
    assert "Traceback" not in log and "Traceback" not in worker_log

    first = min(datetime.fromisoformat(j.created_at) for j in jobs)
    last = max(datetime.fromisoformat(j.finished_at) for j in jobs)
    span = (last - first).total_seconds()
    print(
        f"\nload: {len(jobs)} jobs from {SESSIONS} browser sessions in {elapsed:.1f} s of clicking; "
        f"{len(jobs) / span * 60:.1f} jobs per minute from first submit to last result; "
        f"the worker asked {served_polls} times ({served_polls / span:.2f} requests per second, "
        f"{served_polls / len(jobs):.1f} per job)"
    )
