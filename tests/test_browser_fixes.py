"""Fixes in a real browser, with a real worker: the plan before the click, the fixed file in use with
the original kept, a change of orientation that goes back to the original, and Undo."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.bigfiles_support import drop_zone
from tests.browser_support import app_in_browser, checklist_line, go_to, main_area, wait_until_idle
from tests.make_media import make_video

pytestmark = pytest.mark.browser


def test_a_trimmed_clip_is_kept_beside_its_original_and_a_new_orientation_plans_from_it(
    browser: Browser, tmp_path: Path
) -> None:
    clip = make_video(tmp_path / "fourteen-seconds.mp4", 400, 300, seconds=14, fps=10)
    with app_in_browser(browser, tmp_path / "data", "fixes") as (page, shots):
        go_to(page, "Upload", "Upload and check")
        main = main_area(page)
        drop_zone(page, 1).set_input_files(str(clip))
        expect(checklist_line(page, "video", "Length")).to_be_visible()
        expect(main.get_by_text("keep 0:00–0:10 of the 0:14 clip")).to_be_visible()
        expect(main.get_by_text(re.compile(r"Keeping 0:00–0:10 of the 0:14 clip"))).to_be_visible()
        shots("plan")

        main.get_by_role("button", name=re.compile("Fix it$")).click()
        expect(main.get_by_text("Using the fixed file; the original is kept.")).to_be_visible(timeout=60_000)
        expect(main.get_by_text(re.compile(r"After · .* 10\.0 s · 400 x 300 px"))).to_be_visible()
        expect(main.get_by_text(re.compile(r"Before · .* 14\.0 s · 400 x 300 px"))).to_be_visible()
        shots("fixed")

        # "As in the motion video" takes the whole 14 s: the original comes back and passes as it is.
        main.get_by_text("As in the motion video", exact=True).click()
        wait_until_idle(page)
        expect(main.get_by_text("Using the fixed file; the original is kept.")).to_have_count(0)
        expect(checklist_line(page, "video", "Length")).to_contain_text("14.0 s")
        expect(main.get_by_role("button", name=re.compile("Fix it$"))).to_have_count(0)

        # Back to "As in the image": the same fix is found made; Undo brings the original and its plan back.
        main.get_by_text("As in the image", exact=True).click()
        main.get_by_role("button", name=re.compile("Fix it$")).click()
        expect(main.get_by_text("Using the fixed file; the original is kept.")).to_be_visible(timeout=60_000)
        main.get_by_role("button", name=re.compile("Undo$")).click()
        expect(main.get_by_text("keep 0:00–0:10 of the 0:14 clip")).to_be_visible()
        expect(main.get_by_text("Using the fixed file; the original is kept.")).to_have_count(0)
