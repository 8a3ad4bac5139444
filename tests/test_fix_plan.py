"""Fix plans: the steps a person reads before "Fix it" are what the fix does, and every choice (blurred
padding, a colour, a crop; loop, slow down, ping-pong) yields a passing file of the intended look."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from lib.config import APP_DIR
from lib.errors import FixFailed
from lib.files.sizes import file_size
from lib.media import Fit, check_image, fix_image, fix_video
from lib.media.fix_plan import ShortClip, clock, latest_start, plan_image, plan_video
from lib.media.frame_strip import frame_strip
from lib.media.probe import probe
from lib.uploads.fix_runs import FixRuns, FixState, run_fix
from tests.make_media import make_image, make_video
from tests.media_support import assert_fixed_video, frame


@pytest.fixture(scope="module")
def wide_png(tmp_path_factory) -> Image.Image:
    return make_image(tmp_path_factory.mktemp("plan") / "wide.png", 1000, 200)


@pytest.fixture(scope="module")
def wide_clip(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("plan") / "wide.mp4", 1000, 200, seconds=3.2, fps=12)


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory):
    # Frames that change every moment, so forward and backward can be told apart.
    return make_video(tmp_path_factory.mktemp("plan") / "short.mp4", 320, 320, seconds=1.5, fps=12)


def padding(picture: np.ndarray, canvas_h: int, content_h: int) -> np.ndarray:
    band = (canvas_h - content_h) // 2
    return picture[: max(1, band - 2)]


def test_clock_reads_like_a_player() -> None:
    assert (clock(20), clock(30), clock(65.5), clock(0)) == ("0:20", "0:30", "1:05.5", "0:00")


def test_a_long_clip_plan_says_which_part_is_kept_and_the_size(tmp_path) -> None:
    source = make_video(tmp_path / "long.mp4", 320, 240, seconds=14, fps=10)
    plan = plan_video(source, "image", start=2.0)
    assert plan.steps[0] == "keep 0:02–0:12 of the 0:14 clip"
    assert plan.steps[-1].startswith("re-encode to H.264 at about ") and plan.steps[-1].endswith(" MB")
    out = fix_video(source, tmp_path, "image", start=2.0)
    assert probe(out).duration == pytest.approx(plan.seconds, abs=0.1)
    # The estimate is the size the encoder was told to aim at: it lands near it, never far over.
    assert out.stat().st_size <= plan.estimated_bytes * 1.3


def test_a_passing_file_needs_no_plan(character_png, motion_mp4) -> None:
    assert plan_image(character_png).steps == ()
    assert plan_video(motion_mp4, "video").steps == ()


@pytest.mark.parametrize("fit", list(Fit))
def test_each_image_fit_passes_and_looks_as_chosen(wide_png, tmp_path, fit) -> None:
    plan = plan_image(wide_png, fit)
    words = {Fit.BLUR: "with a blurred background", Fit.SOLID: "with the edge colour", Fit.CROP: "crop to"}
    assert any(words[fit] in step for step in plan.steps), plan.steps
    out = fix_image(wide_png, tmp_path, fit=fit)
    assert check_image(out).ok
    picture = np.asarray(Image.open(out).convert("L"), float)
    assert picture.shape[::-1] == plan.layout.canvas
    if fit == Fit.CROP:
        # No padding: the output is the middle of the scaled source, edge to edge.
        content = Image.open(wide_png).convert("L").resize(plan.layout.content)
        left = (plan.layout.content[0] - plan.layout.canvas[0]) // 2
        middle = np.asarray(content.crop((left, 0, left + plan.layout.canvas[0], plan.layout.canvas[1])), float)
        assert np.abs(picture - middle).mean() < 3
    else:
        band = padding(picture, plan.layout.canvas[1], plan.layout.content[1])
        if fit == Fit.BLUR:
            assert band.std() > 3, "blurred padding shows the picture, not one flat colour"
        else:
            assert band.std() < 1.5, "colour padding is flat"


@pytest.mark.parametrize("fit", list(Fit))
def test_each_video_fit_passes_and_looks_as_chosen(wide_clip, tmp_path, fit) -> None:
    plan = plan_video(wide_clip, "video", fit=fit)
    out = fix_video(wide_clip, tmp_path, "video", fit=fit)
    assert_fixed_video(out, "video")
    facts = probe(out)
    assert (facts.width, facts.height) == plan.layout.canvas
    picture = frame(out, 1.0, plan.layout.canvas)
    band = padding(picture, plan.layout.canvas[1], plan.layout.content[1])
    if fit == Fit.CROP:
        assert picture[:4].std() > 5
    elif fit == Fit.BLUR:
        assert band.std() > 3
    else:
        assert band.std() < 1.5 and band.mean() < 20, "black bars"


def test_a_short_clip_without_a_choice_is_refused_in_plain_words(short_clip) -> None:
    with pytest.raises(FixFailed, match="loop it, slow it down or ping-pong it"):
        plan_video(short_clip, "video")


@pytest.mark.parametrize("choice", list(ShortClip))
def test_each_short_clip_choice_reaches_3_s(short_clip, tmp_path, choice) -> None:
    plan = plan_video(short_clip, "video", short=choice)
    assert plan.short is choice and plan.seconds == 3
    out = fix_video(short_clip, tmp_path, "video", short=choice)
    assert_fixed_video(out, "video")
    assert probe(out).duration == pytest.approx(3.0, abs=0.1)
    if choice is ShortClip.LOOP:
        # The second pass shows the first again.
        assert np.abs(frame(out, 0.2) - frame(out, 1.7)).mean() < 8
    elif choice is ShortClip.SLOW:
        assert "slow it down to 3 s (0.50x speed)" in plan.steps
        # Half speed: the output at 1.0 s shows the source at 0.5 s.
        assert np.abs(frame(out, 1.0) - frame(short_clip, 0.5)).mean() < 8
    else:
        assert any("forward, then backward" in step for step in plan.steps)
        assert not probe(out).has_audio
        # The second half mirrors the first: 0.5 s in is 0.5 s before the 3 s mark.
        for at in (0.25, 0.75, 1.25):
            mirrored = np.abs(frame(out, at) - frame(out, 3.0 - at - 1 / 12)).mean()
            onward = np.abs(frame(out, at) - frame(out, at + 1.5)).mean()
            assert mirrored < 2 < onward, (at, mirrored, onward)


def test_choices_travel_in_the_fix_run(tmp_path, short_clip) -> None:
    runs = FixRuns(tmp_path / "studio.db")
    run, is_new = runs.request("video", short_clip, "video", fit=Fit.BLUR, short_clip=ShortClip.SLOW)
    assert is_new and (run.fit, run.short_clip) == (Fit.BLUR, ShortClip.SLOW)
    other, _ = runs.request("video", short_clip, "video", fit=Fit.BLUR, short_clip=ShortClip.PING_PONG)
    assert other.id != run.id
    done = run_fix(runs, run.id, tmp_path / "fixed")
    assert done is not None and done.status is FixState.DONE, done
    assert probe(done.result_path).duration == pytest.approx(3.0, abs=0.1)
    assert runs.get(run.id).short_clip is ShortClip.SLOW


def test_the_image_fix_reports_progress_before_the_end(wide_png, tmp_path) -> None:
    seen: list[float] = []
    fix_image(wide_png, tmp_path, fit=Fit.BLUR, on_progress=seen.append)
    assert seen[0] < 1.0 and seen[-1] == 1.0


# --- the Upload page: plan, fix, which file is in use, Undo, plan again from the original -----------


def upload_page(settings, video: Path) -> AppTest:
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page("pages/1_Upload.py")
    app.session_state["video_path"] = str(video)
    return app.run()


def markdown(app: AppTest) -> str:
    return "\n".join(block.value for block in app.markdown)


def fix_on_the_page(app: AppTest, settings) -> None:
    """Press Fix it and run the queued fix as the worker does (its `run_fix`), then let the page see it."""
    app.button(key="fix_video").click().run()
    assert not app.exception, app.exception
    run_id = app.session_state["video_fix"]
    done = run_fix(FixRuns(settings.db_path), run_id, settings.inputs_dir / "fixed")
    assert done is not None and done.status is FixState.DONE, done
    app.run()
    assert not app.exception, app.exception


def test_a_trim_is_planned_shown_undone_and_planned_again_from_the_original(settings, tmp_path) -> None:
    original = make_video(tmp_path / "long.mp4", 400, 300, seconds=14, fps=10)
    app = upload_page(settings, original)
    assert not app.exception, app.exception
    assert "1. keep 0:00–0:10 of the 0:14 clip" in markdown(app)
    app.slider(key="video_window").set_value(2.0).run()
    assert "1. keep 0:02–0:12 of the 0:14 clip\n2. re-encode to H.264 at about" in markdown(app)
    assert "Keeping **0:02–0:12** of the 0:14 clip" in markdown(app)

    fix_on_the_page(app, settings)
    fixed = app.session_state["video_path"]
    assert fixed != str(original) and probe(fixed).duration == pytest.approx(10, abs=0.2)
    assert [info.value for info in app.info][0] == "Using the fixed file; the original is kept."
    assert [caption.value for caption in app.caption if caption.value.startswith("**")] == [
        "**Before** · " + f"{file_size(original.stat().st_size)} · 14.0 s · 400 x 300 px",
        "**After** · " + f"{file_size(Path(fixed).stat().st_size)} · 10.0 s · 400 x 300 px",
    ]

    # "As in the motion video" takes 30 s: the 10 s fix passes that way too, so it stays in use.
    app.radio(key="orientation").set_value("video").run()
    assert not app.exception, app.exception
    assert app.session_state["video_path"] == fixed
    assert app.info and "Using the fixed file" in app.info[0].value

    # Undo: the original 14 s passes this way as it is; back to "As in the image", it is planned again
    # from the window the fix used.
    app.button(key="undo_video").click().run()
    assert app.session_state["video_path"] == str(original)
    assert not any(button.key == "fix_video" for button in app.button)
    app.radio(key="orientation").set_value("image").run()
    assert any(button.key == "fix_video" for button in app.button)
    assert "Keeping **0:02–0:12** of the 0:14 clip" in markdown(app)


def test_the_latest_start_leaves_the_slider_room_or_none() -> None:
    # A phone clip "of 10 s" often runs 10.00-10.05 s: nothing to choose, only the tail is cut.
    assert latest_start(10.03, 10) == 0.0 and latest_start(30.04, 30) == 0.0 and latest_start(10.0, 10) == 0.0
    # Rounded down, so the part kept never runs past the end of the clip.
    assert latest_start(12.0, 10) == 2.0 and latest_start(10.29, 10) == pytest.approx(0.2)


def test_a_clip_a_hair_over_the_limit_is_cut_without_a_slider(settings, tmp_path) -> None:
    clip = make_video(tmp_path / "phone.mp4", 320, 240, seconds=10.03, fps=100)
    app = upload_page(settings, clip)
    assert not app.exception, app.exception
    assert not any(slider.key == "video_window" for slider in app.slider)
    assert "Keeping **0:00–0:10** of the 0:10 clip" in markdown(app)
    fix_on_the_page(app, settings)
    assert probe(app.session_state["video_path"]).duration <= 10.0


def test_a_frame_strip_spans_the_clip_and_is_made_once(tmp_path) -> None:
    clip = make_video(tmp_path / "twelve.mp4", 320, 240, seconds=12, fps=10)
    strip = frame_strip(clip, tmp_path / "strips")
    assert [at for at, _ in strip] == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    assert all(Image.open(frame).size[1] == 72 for _, frame in strip)
    # Each frame shows its own moment: the test pattern's clock differs from one to the next.
    pictures = [np.asarray(Image.open(frame).convert("L"), float) for _, frame in strip]
    assert all(np.abs(a - b).mean() > 1 for a, b in zip(pictures, pictures[1:], strict=False))
    made = [frame.stat().st_mtime_ns for _, frame in strip]
    assert [frame.stat().st_mtime_ns for _, frame in frame_strip(clip, tmp_path / "strips")] == made


def test_a_short_clip_on_the_page_offers_the_three_ways_and_the_choice_reaches_the_fix(settings, tmp_path) -> None:
    clip = make_video(tmp_path / "short.mp4", 400, 300, seconds=1.5, fps=12)
    app = upload_page(settings, clip)
    choice = app.radio(key="video_short_choice")
    assert [str(option) for option in choice.options] == ["Loop", "Slow down", "Ping-pong (forward, then backward)"]
    assert choice.value == ShortClip.LOOP and "1. loop the 1.5 s clip to 3 s" in markdown(app)
    choice.set_value(ShortClip.SLOW).run()
    assert "1. slow it down to 3 s (0.50x speed)" in markdown(app)
    app.button(key="fix_video").click().run()
    assert FixRuns(settings.db_path).get(app.session_state["video_fix"]).short_clip is ShortClip.SLOW
