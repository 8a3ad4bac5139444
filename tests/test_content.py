"""Content advice on media with a known truth, made with ffmpeg from scikit-image's photos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.media.content import AdviceCode, Shot, advise_image, advise_pair, advise_video
from lib.media.content.advise import ContentReport
from tests import content_support as made

ALL_CODES = {
    "cut",
    "camera_motion",
    "several_people",
    "small_subject",
    "framing_mismatch",
    "fast_motion",
    "still",
    "black_frames",
    "dark",
    "bright",
    "blurred",
}


@pytest.fixture(scope="module")
def shelf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("content-media")


@pytest.fixture(scope="module")
def reports(shelf: Path) -> dict[str, ContentReport]:
    """Every made clip and image analysed once, with a cache of its own."""
    cache = shelf / "advice"
    clips = {case.name: advise_video(made.clip(shelf, case.name), cache) for case in made.CLIP_CASES}
    images = {case.name: advise_image(made.image(shelf, case.name), cache) for case in made.IMAGE_CASES}
    return clips | images


def _found(report: ContentReport) -> list[tuple[str, float | None]]:
    return [(str(advice.code), advice.at) for advice in report.advice]


def _table(reports: dict[str, ContentReport]) -> dict[str, tuple[int, int]]:
    cases = made.CLIP_CASES + made.IMAGE_CASES
    return made.tally([made.judge(case, _found(reports[case.name])) for case in cases])


def test_the_codes_are_exactly_the_ones_scripts_see() -> None:
    assert {str(code) for code in AdviceCode} == ALL_CODES


@pytest.mark.parametrize("check", ["cut", "camera_motion"])
def test_cuts_and_camera_motion_are_right_on_at_least_95_percent_of_the_made_cases(
    reports: dict[str, ContentReport], check: str
) -> None:
    right, wrong = _table(reports)[check]
    assert right + wrong >= 15
    assert right / (right + wrong) >= 0.95, f"{check}: {right} right, {wrong} wrong"


def test_no_false_cut_on_a_static_clip(reports: dict[str, ContentReport]) -> None:
    for name in ("static", "static_other", "person_slow", "pan_right", "zoom_in", "person_fast"):
        assert not [a for a in reports[name].advice if a.code == AdviceCode.CUT], name


def test_a_cut_is_found_at_its_time_and_the_longest_shot_is_offered(reports: dict[str, ContentReport]) -> None:
    report = reports["cut_2_6"]
    cuts = [advice for advice in report.advice if advice.code == AdviceCode.CUT]
    assert len(cuts) == 1 and cuts[0].at is not None and abs(cuts[0].at - 2.6) <= 0.3
    assert report.keep is not None and report.keep.start == 0 and abs(report.keep.end - 2.6) <= 0.3
    assert "Keep the longest shot (0:00–0:02.6)" in cuts[0].message


def test_a_pan_and_a_zoom_say_their_direction(reports: dict[str, ContentReport]) -> None:
    words = {name: " ".join(a.message for a in reports[name].advice) for name in made.CLIPS if name in reports}
    assert "pans right" in words["pan_right"] and "pans left" in words["pan_left"]
    assert "pans down" in words["pan_down"]
    assert "zooms in" in words["zoom_in"] and "zooms out" in words["zoom_out"]


def test_black_lead_in_and_tail_are_found_at_their_times(reports: dict[str, ContentReport]) -> None:
    black = [a for a in reports["black_ends"].advice if a.code == AdviceCode.BLACK_FRAMES]
    assert [a.at for a in black] == [0.0, pytest.approx(5.0, abs=0.3)]
    assert "opens on 1.0 s of black" in black[0].message


def test_every_other_check_is_right_on_the_made_cases(reports: dict[str, ContentReport]) -> None:
    table = _table(reports)
    wrong = {check: counts for check, counts in table.items() if counts[1]}
    assert not wrong, wrong


def test_framings_are_read_and_compared_and_an_unseen_face_says_nothing(reports: dict[str, ContentReport]) -> None:
    assert reports["astronaut-close"].framing == "close"
    assert reports["wide_one"].framing == "wide"
    assert reports["camera-close"].framing is None and reports["camera_man"].framing is None
    mismatch = advise_pair(reports["astronaut-close"], reports["wide_one"])
    assert [a.code for a in mismatch] == [AdviceCode.FRAMING_MISMATCH]
    assert mismatch[0].frame and Path(mismatch[0].frame).exists()
    assert advise_pair(reports["astronaut-close"], reports["close_one"]) == []
    assert advise_pair(reports["camera-close"], reports["wide_one"]) == []


def test_each_piece_of_advice_has_a_still_and_a_confidence(reports: dict[str, ContentReport]) -> None:
    advice = [a for report in reports.values() for a in report.advice]
    assert len(advice) > 20
    for item in advice:
        assert item.frame and Path(item.frame).stat().st_size > 500
        assert 0 <= item.confidence <= 1


def test_a_second_check_of_the_same_content_reuses_the_answer(shelf: Path, tmp_path: Path) -> None:
    cache = tmp_path / "advice"
    first = advise_video(made.clip(shelf, "cut_1_5"), cache)
    answer = next(cache.glob("*-video-v*.json"))
    saved = json.loads(answer.read_text())
    saved["advice"][0]["message"] = "from the cache"
    answer.write_text(json.dumps(saved))
    again = advise_video(made.clip(shelf, "cut_1_5"), cache)
    assert again.advice[0].message == "from the cache"
    assert [a.frame for a in again.advice] == [a.frame for a in first.advice]


def test_only_a_last_shot_long_enough_can_be_kept_by_the_fix_plans_trim() -> None:
    assert Shot(1.0, 5.0).trim_start(5.0, 3.0) == 1.0
    assert Shot(0.0, 3.5).trim_start(5.0, 3.0) is None  # the trim keeps to the end, not to a cut
    assert Shot(2.6, 5.0).trim_start(5.0, 3.0) is None  # shorter than the model takes
