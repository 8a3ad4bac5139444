"""Fixes in a real browser, with a real worker: the plan before the click, the fixed file in use with
the original kept, a change of orientation under which the fix still passes (so it stays), and Undo."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from lib.media.content import AdviceCode, advise_video
from tests import content_support
from tests.bigfiles_support import drop_zone
from tests.browser_support import app_in_browser, checklist_line, go_to, main_area, wait_until_idle
from tests.make_media import make_video

pytestmark = pytest.mark.browser


def test_a_trimmed_clip_is_kept_beside_its_original_and_stays_when_it_passes_the_new_orientation_too(
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

        # "As in the motion video" takes up to 30 s: the 10 s fix passes that way too, so it stays in use.
        main.get_by_text("As in the motion video", exact=True).click()
        wait_until_idle(page)
        expect(main.get_by_text("Using the fixed file; the original is kept.")).to_be_visible()
        expect(checklist_line(page, "video", "Length")).to_contain_text("10.0 s")
        wait_until_idle(page)  # a click while the page still reruns can be lost

        # Undo brings the whole 14 s back, which passes this way as it is; "As in the image" plans from it again.
        main.get_by_role("button", name=re.compile("Undo$")).click()
        expect(checklist_line(page, "video", "Length")).to_contain_text("14.0 s")
        expect(main.get_by_text("Using the fixed file; the original is kept.")).to_have_count(0)
        expect(main.get_by_role("button", name=re.compile("Fix it$"))).to_have_count(0)
        wait_until_idle(page)
        main.get_by_text("As in the image", exact=True).click()
        expect(main.get_by_text("keep 0:00–0:10 of the 0:14 clip")).to_be_visible()


def test_a_clip_with_a_cut_shows_its_frame_and_keep_the_longest_shot_leaves_one_shot_that_passes(
    browser: Browser, tmp_path: Path
) -> None:
    clip = content_support.clip(tmp_path, "cut_1_0_long")  # 1 s of a still, a cut, 4 s of a person moving
    started = time.monotonic()
    with app_in_browser(browser, tmp_path / "data", "content-advice") as (page, shots):
        go_to(page, "Upload", "Upload and check")
        main = main_area(page)
        drop_zone(page, 1).set_input_files(str(clip))
        cut_words = re.compile(r"The clip cuts to another shot at 0:01")
        said = main.get_by_text(cut_words)
        expect(said).to_be_visible(timeout=60_000)
        advice_row = main.get_by_test_id("stHorizontalBlock").filter(has_text=cut_words).last
        still = advice_row.get_by_test_id("stImage").locator("img")
        expect(still).to_have_count(1)
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=still.element_handle())
        keep = main.get_by_role("button", name=re.compile(r"Keep the longest shot \(0:01–0:05\)$"))
        expect(keep).to_be_visible()
        wait_until_idle(page)
        shots("advice", readme="advice")

        keep.click()
        expect(main.get_by_text("Using the fixed file; the original is kept.")).to_be_visible(timeout=60_000)
        wait_until_idle(page)
        expect(said).to_have_count(0)
        expect(checklist_line(page, "video", "Length")).to_contain_text("4.0 s")
        expect(main.get_by_role("img", name="cancel icon", exact=True)).to_have_count(0)
        expect(main.get_by_role("img", name="check_circle icon", exact=True)).to_have_count(5)  # every video rule
        expect(main.get_by_role("button", name=re.compile(r"Undo$"))).to_be_visible()
        shots("kept")
    print(f"content advice in the browser: {time.monotonic() - started:.1f} s")

    fixed = list((tmp_path / "data" / "inputs" / "fixed").glob("*.mp4"))
    assert len(fixed) == 1
    report = advise_video(fixed[0], tmp_path / "advice")
    assert not [advice for advice in report.advice if advice.code is AdviceCode.CUT] and report.keep is None
