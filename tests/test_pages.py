"""Each page under AppTest, in demo mode on the simulator: uploads, checklist, fixes, the
double-submit guard, the result, and the gallery's filters, detail view and delete.

Pages queue fixes and jobs; the tests that need them done share one real worker process (and so its
data folder) for the module.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from lib.config import load_settings
from lib.history.gallery import download_name
from lib.jobs import JobStatus, JobStore, PreparedInputs
from lib.jobs.models import now_iso
from tests import content_support
from tests.bigfiles_support import upload_in_apptest
from tests.jobs_support import a_job
from tests.make_media import make_image, make_video
from tests.pages_support import at_page
from tests.worker_support import worker_process


@pytest.fixture(autouse=True)
def demo(monkeypatch):
    """Demo mode with a quick simulator."""
    monkeypatch.setenv("SIMULATOR_PROCESSING_SECONDS", "1")


@pytest.fixture(scope="module")
def module_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A worker in demo mode (its simulator fetches motion videos from its static folder); the settings
    that put a page on the same data folder."""
    folder = tmp_path_factory.mktemp("pages-worker")
    static = {"MOTION_STUDIO_STATIC_DIR": str(folder / "static")}
    with worker_process(folder / "data", folder / "worker.log", {**static, "SIMULATOR_PROCESSING_SECONDS": "1"}):
        yield {"MOTION_STUDIO_DATA": str(folder / "data"), **static}


@pytest.fixture
def worker(module_worker: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """This test's pages queue work where the module's worker takes it from."""
    for name, value in module_worker.items():
        monkeypatch.setenv(name, value)


def run(page: str, **query: str) -> AppTest:
    """`page` after its first run, with `query` in its address (`pair="pair-1"`: Generate for that pair)."""
    app = at_page(page)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, app.exception
    return app


def texts(app: AppTest) -> str:
    return "\n".join(e.value for e in [*app.markdown, *app.success, *app.info, *app.error, *app.warning, *app.caption])


def prepare(character: Path, motion: Path, orientation: str = "image") -> PreparedInputs:
    store = JobStore(load_settings().db_path)
    return store.save_prepared(PreparedInputs("pair-1", str(character), str(motion), orientation, now_iso()))


def run_until(app: AppTest, done: Callable[[], bool], timeout: float = 60.0) -> None:
    """Rerun the page, as its fragments do in a browser, until `done()`: the worker finished its part."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, texts(app)
        time.sleep(0.1)
        app.run()
        assert not app.exception, app.exception


def strip_captions(app: AppTest) -> list[str]:
    """The captions of the trim strip's frames on the page, empty while it is not shown."""
    return [caption for image in app.get("image") for caption in image.captions if caption.startswith("0:")]


def wait_for_final(job_id: str, timeout: float = 40.0):
    store = JobStore(load_settings().db_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = store.get(job_id)
        if job.status.final:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {store.get(job_id)}")


# Upload -----------------------------------------------------------------------------------------


def test_samples_load_in_one_click_and_pass_every_rule() -> None:
    app = run("pages/1_Upload.py")
    assert "Add both files" in texts(app)
    app.button[0].click().run()
    assert not app.exception
    body = texts(app)
    assert body.count(":material/check_circle:") == 9 and ":material/cancel:" not in body
    assert "Both files pass every rule" in body
    assert app.session_state.prepared_id == JobStore(load_settings().db_path).prepared().id


def test_an_uploaded_small_image_is_flagged_and_fixed(worker, tmp_path) -> None:
    small = make_image(tmp_path / "small.png", 200, 260)
    app = run("pages/1_Upload.py")
    upload_in_apptest(app, "image", "my photo.png", small.read_bytes())
    body = texts(app)
    assert ":material/cancel:] **Smallest side**:" in body and "300" in body
    stored = Path(app.session_state.image_path)
    assert stored.parent == load_settings().inputs_dir and "my photo" not in stored.name
    app.button(key="fix_image").click().run()
    assert not app.exception
    assert app.get("progress"), "no progress while the fix waits or runs"
    run_until(app, lambda: "Smallest side**: 300 px" in texts(app))
    assert ":material/cancel:" not in texts(app) and not app.get("progress")


def test_upload_shows_content_advice_with_its_stills_under_the_checklist(tmp_path) -> None:
    app = at_page("pages/1_Upload.py")
    app.session_state["image_path"] = str(content_support.image(tmp_path, "astronaut-close"))
    app.session_state["video_path"] = str(content_support.clip(tmp_path, "cut_1_5"))
    app.run()
    assert not app.exception, app.exception
    body = texts(app)
    assert "**Advice** · it passes the rules, but may waste a take" in body
    assert "The clip cuts to another shot at 0:01.6" in body and "Keep the longest shot" in body
    # One still beside each piece of advice, the character image's preview besides.
    advice_count = body.count(":orange[:material/lightbulb:]")
    assert advice_count >= 2 and len(app.get("image")) == advice_count + 1
    assert "at 0:01.6 · 90% sure" in body


def test_keep_the_longest_shot_leaves_a_clip_with_no_cut(worker, tmp_path) -> None:
    app = at_page("pages/1_Upload.py")
    app.session_state["video_path"] = str(content_support.clip(tmp_path, "cut_1_0_long"))
    app.run()
    assert not app.exception and "The clip cuts to another shot at 0:01" in texts(app)
    app.button(key="keep_longest_shot").click().run()
    assert not app.exception
    run_until(app, lambda: app.session_state["video_fixed"] is not None and "The clip cuts" not in texts(app))
    assert app.session_state["video_original"].endswith("cut_1_0_long.mp4")
    assert ":material/cancel:" not in texts(app), "the kept shot breaks a rule"
    assert "Undo" in [button.label for button in app.button]


def test_upload_says_nothing_of_content_with_content_advice_off(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CONTENT_ADVICE", "off")
    app = at_page("pages/1_Upload.py")
    app.session_state["video_path"] = str(content_support.clip(tmp_path, "cut_1_5"))
    app.run()
    assert not app.exception and "The clip cuts" not in texts(app)


def test_the_model_chosen_on_upload_goes_to_generate_with_its_rules_and_price() -> None:
    app = run("pages/1_Upload.py")
    app.button[0].click().run()  # the samples
    app.selectbox(key="model").set_value("kling-v3.0-std").run()
    assert not app.exception and "Both files pass every rule" in texts(app)
    assert JobStore(load_settings().db_path).prepared(app.session_state.prepared_id).model == "kling-v3.0-std"
    app.switch_page("pages/2_Generate.py").run()
    assert not app.exception
    assert app.selectbox(key="gen_model").value == "kling-v3.0-std"
    seconds = float(str(app.metric[0].value).strip("$")) / 0.28
    assert 3.0 <= seconds <= 10.0  # the sample clip, at 3.0 Standard's price
    app.text_area(key="prompt").set_value("x" * 2600).run()
    assert app.button(key="generate").disabled
    assert any("Model: Kling 3.0 Standard" in e.value and "2,500" in e.value for e in app.error)
    app.selectbox(key="gen_model").set_value("kling-v2.6-pro").run()
    assert not app.button(key="generate").disabled  # 2.6 Pro documents no prompt limit


def test_a_webp_named_png_fails_the_format_rule(tmp_path) -> None:
    disguised = make_image(tmp_path / "disguised.png", 600, 800, fmt="WEBP")
    app = run("pages/1_Upload.py")
    upload_in_apptest(app, "image", "disguised.png", disguised.read_bytes())
    assert "**Format**:" in texts(app) and "WEBP" in texts(app).upper()
    assert any(b.key == "fix_image" for b in app.button)


def test_an_iphone_photo_is_taken_and_offered_a_fix(tmp_path) -> None:
    photo = make_image(tmp_path / "IMG_0001.HEIC", 600, 800, fmt="HEIF")
    app = run("pages/1_Upload.py")
    assert {"heic", "avif", "webp"} <= set(json.loads(app.get("component_instance")[0].proto.json_args)["types"])
    upload_in_apptest(app, "image", "IMG_0001.HEIC", photo.read_bytes())
    assert not app.exception
    assert "**Format**:" in texts(app) and "HEIC" in texts(app)
    assert any(b.key == "fix_image" for b in app.button)


def test_a_too_long_video_gets_a_window_slider_and_a_fix(worker, tmp_path, character_png) -> None:
    long_clip = make_video(tmp_path / "long.mp4", 480, 360, seconds=12.0, fps=12)
    app = run("pages/1_Upload.py")
    app.session_state.image_path = str(character_png)
    upload_in_apptest(app, "video", "dance.mp4", long_clip.read_bytes())
    assert "**Length**: The motion video is 12" in texts(app)
    slider = app.slider(key="video_window")
    assert slider.max == pytest.approx(2.0)
    slider.set_value(1.5).run()
    app.button(key="fix_video").click().run()
    assert not app.exception
    assert app.get("progress"), "no progress while the fix waits or runs"
    run_until(app, lambda: ":material/cancel:" not in texts(app))
    assert "Length**: 10.0 s" in texts(app)


def test_the_trim_strip_is_made_on_the_worker_once_per_clip_and_shows_when_ready(tmp_path, character_png) -> None:
    settings = load_settings()
    long_clip = make_video(tmp_path / "long.mp4", 480, 360, seconds=12.0, fps=12)
    pages = []
    for _ in range(2):  # a second visitor with the same clip joins the strip asked for by the first
        app = run("pages/1_Upload.py")
        app.session_state.image_path = str(character_png)
        upload_in_apptest(app, "video", "dance.mp4", long_clip.read_bytes())
        assert app.get("progress")[-1].proto.text == "Making the timeline… waiting for a worker"
        assert strip_captions(app) == []
        pages.append(app)
    strips = settings.data_dir / "strips"
    assert not strips.exists() or not list(strips.iterdir()), "the page thread made the strip itself"
    with closing(sqlite3.connect(settings.db_path)) as db:
        assert db.execute("select count(*) from fix_runs where kind = 'strip'").fetchone() == (1,)

    with worker_process(settings.data_dir, tmp_path / "worker.log"):
        run_until(pages[0], lambda: strip_captions(pages[0]) != [])
    assert strip_captions(pages[0]) == ["0:00", "0:02", "0:04", "0:06", "0:08", "0:10"]
    assert len(list(strips.glob("strip-*.jpg"))) == 6
    assert not [bar for bar in pages[0].get("progress") if "timeline" in bar.proto.text]


def test_upload_keeps_the_way_the_fix_and_the_trim_window_across_a_page_switch_and_a_reload(
    worker, tmp_path, character_png
) -> None:
    clip = make_video(tmp_path / "fourteen.mp4", 400, 300, seconds=14, fps=10)
    app = run("pages/1_Upload.py")
    upload_in_apptest(app, "image", "me.png", character_png.read_bytes())
    upload_in_apptest(app, "video", "dance.mp4", clip.read_bytes())
    original = app.session_state.video_path
    app.slider(key="video_window").set_value(3.0).run()
    app.button(key="fix_video").click().run()
    run_until(app, lambda: app.session_state["video_fixed"] is not None and "Length**: 10.0 s" in texts(app))
    fixed = app.session_state.video_path

    # The fixed 10 s clip passes either way: "As in the motion video" keeps it, and so does coming back.
    app.radio(key="orientation").set_value("video").run()
    assert (app.session_state.video_path, app.radio(key="orientation").value) == (fixed, "video")
    app.query_params.clear()  # a sidebar link clears the address, as in a browser
    app.switch_page("pages/3_History.py").run()
    app.switch_page("pages/1_Upload.py").run()
    assert not app.exception, app.exception
    assert app.radio(key="orientation").value == "video", "the way was forgotten on a page switch"
    assert app.session_state.video_path == fixed and "Using the fixed file" in texts(app)

    again = run("pages/1_Upload.py", **app.query_params)  # a reload: a new session on the same address
    assert again.radio(key="orientation").value == "video"
    assert (again.session_state.image_path, again.session_state.video_path) == (app.session_state.image_path, fixed)
    assert "Using the fixed file" in texts(again) and "Both files pass every rule" in texts(again)
    assert json.loads(again.get("component_instance")[1].proto.json_args)["shown"] == "In use: dance.mp4"

    # Undo brings the original back with the window that was chosen, not the first 10 s.
    again.radio(key="orientation").set_value("image").run()
    assert again.session_state.video_path == fixed
    again.button(key="undo_video").click().run()
    assert again.session_state.video_path == original
    assert again.slider(key="video_window").value == 3.0
    assert "Keeping **0:03–0:13**" in texts(again)


def test_a_reload_during_a_fix_keeps_both_files(tmp_path, character_png) -> None:
    long_clip = make_video(tmp_path / "long.mp4", 320, 320, seconds=12, fps=8)
    app = run("pages/1_Upload.py")
    upload_in_apptest(app, "image", "me.png", character_png.read_bytes())
    upload_in_apptest(app, "video", "long.mp4", long_clip.read_bytes())
    app.button(key="fix_video").click().run()  # no worker here: the fix waits
    again = run("pages/1_Upload.py", **app.query_params)
    assert again.session_state.image_path == app.session_state.image_path, "the reload lost the image"
    assert again.session_state.video_path == app.session_state.video_path
    assert "Fixing… waiting for a worker" in [bar.proto.text for bar in again.get("progress")]


def test_fix_it_on_upload_from_generate_opens_upload_with_that_pair(character_png, long_motion_mp4) -> None:
    prepare(character_png, long_motion_mp4, orientation="video")
    generate = run("pages/2_Generate.py", pair="pair-1")
    generate.radio(key="gen_orientation").set_value("image").run()
    (link,) = [link for link in generate.get("page_link") if link.proto.label == "Fix it on the Upload page"]
    query = dict(pair.split("=", 1) for pair in link.proto.query_string.split("&") if pair)
    assert query, "the link to Upload carries nothing of the pair"
    upload = run("pages/1_Upload.py", **query)
    assert (upload.session_state.image_path, upload.session_state.video_path) == (
        str(character_png),
        str(long_motion_mp4),
    )
    assert upload.radio(key="orientation").value == "image"
    assert ":material/cancel:] **Length**" in texts(upload)


def test_the_drop_zones_size_is_the_checklists(tmp_path) -> None:
    base = make_video(tmp_path / "base.mp4", 320, 320, seconds=3)
    padded = tmp_path / "landscape15.mp4"
    padded.write_bytes(base.read_bytes() + bytes(10_123_456 - base.stat().st_size))
    app = run("pages/1_Upload.py")
    upload_in_apptest(app, "video", "landscape15.mp4", padded.read_bytes())
    shown = json.loads(app.get("component_instance")[1].proto.json_args)["shown"]
    assert "**File size**: The motion video is 10.1 MB;" in texts(app)
    assert shown == "Uploaded landscape15.mp4 (10.1 MB)"


def test_a_failed_link_says_which_file_is_in_use_and_goes_once_another_is_added(tmp_path, motion_mp4) -> None:
    app = run("pages/1_Upload.py")
    upload_in_apptest(app, "video", "fake.mp4", motion_mp4.read_bytes())
    app.text_input(key="video_link_input").set_value("ftp://example.com/dance.mp4").run()
    errors = [e.value for e in app.error]
    assert errors and "still fake.mp4" in errors[0], errors
    app.text_input(key="video_link_input").set_value("").run()
    assert not [e for e in app.error if "link" in e.value], "the link's error stayed after the box was cleared"
    app.text_input(key="video_link_input").set_value("ftp://example.com/dance.mp4").run()
    upload_in_apptest(app, "video", "other.mp4", make_video(tmp_path / "other.mp4", seconds=3).read_bytes())
    assert not app.error, "the link's error stayed after another file was uploaded"


def test_a_text_file_named_mp4_is_said_not_to_be_a_video_once(tmp_path) -> None:
    app = run("pages/1_Upload.py")
    upload_in_apptest(app, "video", "notes.mp4", b"just some notes\n" * 100)
    body = texts(app)
    assert "JPG/PNG" not in body
    assert body.count("no picture or sound was found") == 1, body
    assert "not a video" in body


def test_with_both_files_added_and_one_failing_upload_says_what_to_do(tmp_path, character_png) -> None:
    app = run("pages/1_Upload.py")
    upload_in_apptest(app, "image", "me.png", character_png.read_bytes())
    long_clip = make_video(tmp_path / "long.mp4", 320, 320, seconds=12, fps=8)
    upload_in_apptest(app, "video", "long.mp4", long_clip.read_bytes())
    body = texts(app)
    assert "Add both files" not in body
    assert "Fix what fails above" in body


def test_saving_to_the_library_with_an_empty_name_uses_the_files_name(character_png) -> None:
    from lib.library import Library

    app = run("pages/1_Upload.py")
    upload_in_apptest(app, "image", "Ana dancing.png", character_png.read_bytes())
    name = next(box for box in app.text_input if box.label == "Name")
    assert name.value == "Ana dancing"
    name.set_value("").run()
    next(button for button in app.button if button.label == "Save").click().run()
    assert [item.name for item in Library(load_settings().db_path).items()] == ["Ana dancing"]


def test_upload_previews_are_compact(tmp_path, monkeypatch) -> None:
    import streamlit

    widths: dict[str, list[object]] = {"image": [], "video": []}
    for name in widths:
        drawn = getattr(streamlit, name)

        def record(*args, name=name, drawn=drawn, **options):
            widths[name].append(options.get("width", "stretch"))
            return drawn(*args, **options)

        monkeypatch.setattr(streamlit, name, record)
    app = run("pages/1_Upload.py")
    upload_in_apptest(app, "image", "tall.png", make_image(tmp_path / "tall.png", 720, 1280).read_bytes())
    upload_in_apptest(app, "video", "tall.mp4", make_video(tmp_path / "tall.mp4", 360, 640, seconds=3).read_bytes())
    # A 720 x 1280 picture drawn 320 px wide is 569 px tall; a stretched portrait video taller still.
    assert widths["image"] and all(isinstance(w, int) and w * 1280 / 720 <= 300 for w in widths["image"]), widths
    assert widths["video"] and all(isinstance(w, int) and w * 640 / 360 <= 300 for w in widths["video"]), widths


# Generate ---------------------------------------------------------------------------------------


def test_generate_without_prepared_inputs_points_to_upload() -> None:
    app = run("pages/2_Generate.py")
    assert "Nothing prepared in this tab yet" in texts(app)
    assert any(link.proto.label == "Go to Upload" and link.proto.page == "Upload" for link in app.get("page_link"))


def test_pairs_prepared_earlier_show_both_files_and_their_names_newest_first(tmp_path, character_png) -> None:
    store = JobStore(load_settings().db_path)
    older = make_video(tmp_path / "salsa.mp4", seconds=3)
    newer = make_video(tmp_path / "tango.mp4", 400, 300, seconds=3)
    store.save_prepared(PreparedInputs("pair-old", str(character_png), str(older), "image", "2026-12-04T20:13:01Z"))
    store.save_prepared(PreparedInputs("pair-new", str(character_png), str(newer), "video", "2026-12-04T20:13:40Z"))
    app = run("pages/2_Generate.py")
    links = [link.proto.label for link in app.get("page_link") if "pair=" in link.proto.query_string]
    assert links == [f"{character_png.stem} with tango", f"{character_png.stem} with salsa"]
    stills = [image for image in app.get("image") if image.proto.imgs]
    assert len(stills) == 4, "each pair shows a still of both its files"


def test_generate_queues_a_take_without_blocking_and_shows_its_result(worker, character_png, motion_mp4) -> None:
    prepare(character_png, motion_mp4)
    app = run("pages/2_Generate.py", pair="pair-1")
    assert "$0.49" in str(app.metric[0].value)
    app.text_area(key="prompt").set_value("A dancer on a beach at sunset")
    app.button(key="generate").click().run()
    assert not app.exception
    store = JobStore(load_settings().db_path)
    (job,) = store.recent()
    assert not app.button(key="generate").disabled  # the next take can be queued while this one runs
    app.button(key="generate").click().run()  # the same request again: still one job, and the page says so
    assert store.count() == 1 and "Take 1 is already running with these settings." in texts(app)
    done = wait_for_final(job.id)
    assert done.status is JobStatus.SUCCEEDED and done.prompt == "A dancer on a beach at sunset"
    app.run()
    assert not app.exception and store.count() == 1
    # The take's card downloads from the static route (a link), never through the app's memory.
    assert any(">Download video</a>" in m.value and 'download="motion_' in m.value for m in app.markdown)


def test_a_refresh_finds_the_takes_from_the_url(character_png, motion_mp4) -> None:
    prepare(character_png, motion_mp4)
    first = run("pages/2_Generate.py", pair="pair-1")
    first.text_area(key="prompt").set_value("kept through a reload")
    first.button(key="generate").click().run()
    refreshed = run("pages/2_Generate.py", pair="pair-1")
    assert "**Take 1**" in texts(refreshed)
    assert refreshed.text_area(key="prompt").value == "kept through a reload"


def test_the_negative_prompt_box_stops_at_the_services_limit(character_png, motion_mp4) -> None:
    prepare(character_png, motion_mp4)
    app = run("pages/2_Generate.py", pair="pair-1")
    box = app.text_area(key="negative_prompt")
    assert box.proto.max_chars == 2500
    box.set_value("x" * 2501).run()
    assert len(app.text_area(key="negative_prompt").value) == 2500
    assert not app.button(key="generate").disabled


def test_keeping_the_sound_of_a_silent_video_warns(tmp_path, character_png) -> None:
    silent = make_video(tmp_path / "silent.mp4", 480, 360, seconds=3.5, audio=False)
    prepare(character_png, silent)
    app = run("pages/2_Generate.py", pair="pair-1")
    assert any("sound" in w.value.lower() or "silent" in w.value.lower() for w in app.warning)
    app.toggle(key="keep_sound").set_value(False).run()
    assert not app.main.warning  # the sidebar warns that no worker runs: not this page's concern


def test_a_refused_submission_shows_the_services_words(character_png, motion_mp4, long_motion_mp4) -> None:
    prepare(character_png, long_motion_mp4, orientation="video")
    app = run("pages/2_Generate.py", pair="pair-1")
    app.radio(key="gen_orientation").set_value("image").run()
    assert app.button(key="generate").disabled
    assert any("10 s" in e.value for e in app.error)


# History ----------------------------------------------------------------------------------------


@pytest.fixture
def history(settings):
    store = JobStore(settings.db_path)
    for i in range(15):
        store.add(
            a_job(
                f"job-{i}",
                status=JobStatus.SUCCEEDED if i % 3 else JobStatus.FAILED,
                prompt=f"take {i} {'beach' if i % 2 else 'city'}",
                character_orientation="video" if i % 5 == 0 else "image",
                favorite=i in (3, 4),
                created_at=f"2026-11-{i + 1:02d}T10:00:00.000+00:00",
                output_seconds=5.0,
                failure_reason="Novita could not make this video." if i % 3 == 0 else None,
            )
        )
    return store


def open_buttons(app: AppTest) -> int:
    return sum(1 for b in app.button if (b.key or "").startswith("open_"))


def test_the_gallery_pages_newest_first(history) -> None:
    app = run("pages/3_History.py")
    assert open_buttons(app) == 12 and "Page 1 of 2 · 15 jobs" in texts(app)
    assert "take 14 city" in texts(app) and "take 2 city" not in texts(app)
    next(b for b in app.button if b.label == "Older").click().run()
    assert open_buttons(app) == 3 and "take 0 city" in texts(app)


def test_the_gallery_filters_by_status_orientation_search_and_favorites(history) -> None:
    app = run("pages/3_History.py")
    app.multiselect(key="filter_status").set_value(["Failed"]).run()
    assert open_buttons(app) == 5
    app.selectbox(key="filter_orientation").set_value("video").run()
    assert open_buttons(app) == 1
    app.multiselect(key="filter_status").set_value([]).run()
    app.selectbox(key="filter_orientation").set_value("Any").run()
    app.text_input(key="filter_search").set_value("beach").run()
    assert open_buttons(app) == 7
    app.text_input(key="filter_search").set_value("").run()
    app.toggle(key="filter_favorites").set_value(True).run()
    assert open_buttons(app) == 2


def test_one_job_reads_in_the_singular_and_a_search_that_finds_nothing_says_how_to_clear_it(settings) -> None:
    JobStore(settings.db_path).add(a_job(status=JobStatus.SUCCEEDED, prompt="a dancer on a beach"))
    app = run("pages/3_History.py")
    assert "· 1 job<" in texts(app) and "1 jobs" not in texts(app)
    app.text_input(key="filter_search").set_value("mountain").run()
    assert "No job matches “mountain”" in texts(app) and "Make your first video" not in texts(app)
    next(b for b in app.button if b.label == "Clear the filters").click().run()
    assert app.text_input(key="filter_search").value == "" and open_buttons(app) == 1


def test_the_detail_view_saves_notes_favorites_and_deletes_with_confirmation(
    settings, character_png, motion_mp4
) -> None:
    store = JobStore(settings.db_path)
    result = settings.results_dir / "result.mp4"
    result.parent.mkdir(parents=True)
    result.write_bytes(motion_mp4.read_bytes())
    job = store.add(
        a_job(
            "done",
            status=JobStatus.SUCCEEDED,
            task_id="task-123",
            prompt="a dancer",
            result_path=str(result),
            image_path=str(character_png),
            video_path=str(motion_mp4),
            output_seconds=3.5,
        )
    )
    app = run("pages/3_History.py")
    app.button(key=f"open_{job.id}").click().run()
    assert not app.exception
    assert app.code[0].value == "task-123"
    assert any(f'download="{download_name(job)}"' in m.value for m in app.markdown)
    assert download_name(job).startswith("motion_") and download_name(job).endswith("_a-dancer.mp4")
    next(b for b in app.button if b.label == "Favorite").click().run()
    assert store.get(job.id).favorite
    app.text_area(key=f"note_{job.id}").set_value("client loved it").run()
    assert store.get(job.id).note == "client loved it"
    next(b for b in app.button if b.label == "Delete").click().run()
    assert store.get(job.id) is not None and any("for good" in w.value for w in app.warning)
    next(b for b in app.button if b.label == "Yes, delete").click().run()
    assert not app.exception
    assert store.get(job.id) is None and not result.exists()
    assert character_png.exists() and motion_mp4.exists()  # files outside the data folder are the user's own


def test_rerun_opens_generate_with_the_same_settings_and_model(settings, character_png, motion_mp4) -> None:
    store = JobStore(settings.db_path)
    job = store.add(
        a_job(
            "done",
            status=JobStatus.SUCCEEDED,
            prompt="moonwalk",
            negative_prompt="blur",
            image_path=str(character_png),
            video_path=str(motion_mp4),
            keep_original_sound=False,
            model="kling-v3.0-pro",
            output_seconds=3.5,
        )
    )
    app = run("pages/3_History.py")
    assert any("Kling 3.0 Pro" in c.value for c in app.caption)  # on its card
    app.button(key=f"open_{job.id}").click().run()
    assert "**Model:** Kling 3.0 Pro" in texts(app) and "$0.98" in texts(app)  # 3.5 s at 3.0 Pro's price
    next(b for b in app.button if b.label == "Re-run").click().run()
    assert not app.exception
    assert app.text_area(key="prompt").value == "moonwalk"
    # Nothing is sent by Re-run: Generate says what happened and what to press.
    assert any("Filled from take 1 of" in i.value and "press **Generate**" in i.value for i in app.info)
    assert store.count() == 1
    assert app.text_area(key="negative_prompt").value == "blur"
    assert app.toggle(key="keep_sound").value is False
    assert app.selectbox(key="gen_model").value == "kling-v3.0-pro"
    assert "$0.98" in str(app.metric[0].value)
    assert store.prepared(app.session_state.prepared_id).image_path == str(character_png)
    assert store.prepared(app.session_state.prepared_id).model == "kling-v3.0-pro"


def test_two_files_dropped_at_once_are_both_kept(character_png, motion_mp4) -> None:
    app = run("pages/1_Upload.py")
    upload_in_apptest(app, "image", "me.png", character_png.read_bytes())
    upload_in_apptest(app, "video", "moves.mp4", motion_mp4.read_bytes())
    assert not app.exception
    assert app.session_state.image_path and app.session_state.video_path
    assert "Both files pass every rule" in texts(app)


def test_back_to_all_jobs_leaves_the_detail_view(history) -> None:
    app = run("pages/3_History.py")
    first = next(b for b in app.button if (b.key or "").startswith("open_"))
    first.click().run()
    assert any(b.label == "Back to all jobs" for b in app.button) and open_buttons(app) == 0
    next(b for b in app.button if b.label == "Back to all jobs").click().run()
    assert not app.exception
    assert open_buttons(app) == 12 and "job" not in app.query_params


def test_after_a_rerun_history_shows_the_gallery_again(settings, character_png, motion_mp4) -> None:
    store = JobStore(settings.db_path)
    job = store.add(
        a_job(
            "done",
            status=JobStatus.SUCCEEDED,
            prompt="again",
            image_path=str(character_png),
            video_path=str(motion_mp4),
        )
    )
    app = run("pages/3_History.py")
    app.button(key=f"open_{job.id}").click().run()
    next(b for b in app.button if b.label == "Re-run").click().run()
    app.switch_page("pages/3_History.py").run()
    assert not app.exception
    assert open_buttons(app) == 1 and not any(b.label == "Back to all jobs" for b in app.button)


def test_history_shows_what_is_missing_when_a_jobs_files_were_removed(settings, character_png, motion_mp4) -> None:
    store = JobStore(settings.db_path)
    files = {}
    for name, source in (("image.png", character_png), ("video.mp4", motion_mp4), ("result.mp4", motion_mp4)):
        files[name] = settings.inputs_dir / name
        files[name].parent.mkdir(parents=True, exist_ok=True)
        files[name].write_bytes(source.read_bytes())
    poster = settings.results_dir / "poster.png"
    poster.parent.mkdir(parents=True, exist_ok=True)
    poster.write_bytes(character_png.read_bytes())
    job = store.add(
        a_job(
            "gone",
            status=JobStatus.SUCCEEDED,
            prompt="a dancer",
            image_path=str(files["image.png"]),
            video_path=str(files["video.mp4"]),
            result_path=str(files["result.mp4"]),
            poster_path=str(poster),
        )
    )
    for path in [*files.values(), poster]:
        path.unlink()  # by hand, by another app, or by a teammate's delete

    app = run("pages/3_History.py")
    assert "The poster of this take is no longer in the data folder." in texts(app)
    app.button(key=f"open_{job.id}").click().run()

    assert not app.exception, app.exception
    for what in ("result video", "character image", "motion video"):
        assert f"The {what} of this take is no longer in the data folder." in texts(app)


def test_delete_is_refused_while_sending_and_hides_a_job_novita_still_makes(settings) -> None:
    store = JobStore(settings.db_path)
    sending = store.add(a_job("a", lease="a-sender", due_at=now_iso(60), key_fingerprint=None))
    making = store.add(a_job("b", status=JobStatus.PROCESSING, task_id="t", prompt="still making"))
    app = run("pages/3_History.py", job=sending.id)
    next(b for b in app.button if b.label == "Delete").click().run()
    assert any("being sent" in w.value for w in app.warning)
    assert not [b for b in app.button if b.label in ("Yes, delete", "Hide it")]
    assert store.get(sending.id) is not None

    app = run("pages/3_History.py", job=making.id)
    next(b for b in app.button if b.label == "Delete").click().run()
    assert any("followed to its end" in w.value for w in app.warning)
    next(b for b in app.button if b.label == "Hide it").click().run()
    assert not app.exception, app.exception
    hidden = store.get(making.id)
    assert hidden is not None and hidden.hidden_at and hidden.status is JobStatus.PROCESSING
    assert "still making" not in texts(app)  # the gallery no longer shows it


def test_history_settles_may_have_been_sent_and_opens_generate_to_send_it_again(
    settings, character_png, motion_mp4
) -> None:
    store = JobStore(settings.db_path)
    job = store.add(
        a_job(
            "unsure",
            status=JobStatus.MAYBE_SUBMITTED,
            prompt="moonwalk",
            image_path=str(character_png),
            video_path=str(motion_mp4),
            failure_reason="Motion Studio stopped while sending this job.",
        )
    )
    app = run("pages/3_History.py", job=job.id)
    assert "It was made: follow task ID" in [b.label for b in app.button]
    app.button(key=f"not_made_{job.id}").click().run()
    assert not app.exception, app.exception
    assert store.get(job.id).status is JobStatus.FAILED
    assert app.text_area(key="prompt").value == "moonwalk"  # Generate, filled in: one press sends it again


def test_a_file_no_fix_can_read_says_what_to_do_until_another_replaces_it(settings, tmp_path) -> None:
    app = at_page("pages/1_Upload.py").run()
    assert not app.exception, app.exception
    upload_in_apptest(app, "image", "broken.png", os.urandom(4096))
    assert not app.exception, app.exception

    said = [w.value for w in app.warning if "not an image" in w.value]
    assert said and "JPG or PNG" in said[0], "nothing says what to do before anything is queued"
    assert not [b for b in app.button if b.key == "fix_image"], "a fix that cannot read the file is offered"

    upload_in_apptest(app, "image", "small.png", make_image(tmp_path / "small.png", 200, 260).read_bytes())
    assert not app.exception, app.exception
    assert not [w for w in app.warning if "not an image" in w.value], "the words stayed after another file"
    assert not app.button(key="fix_image").disabled


@pytest.fixture
def downloads(monkeypatch) -> dict[str, list[tuple[str, object]]]:
    """Every file the page registered for download, by file name: ("read", data) or ("deferred", callable)."""
    registered: dict[str, list[tuple[str, object]]] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if is_for_static_download:
            registered.setdefault(file_name, []).append(("read", path_or_data))
        return add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    def record_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        registered.setdefault(file_name, []).append(("deferred", data_callable))
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return registered


def test_a_results_download_is_a_link_the_app_never_reads(settings, downloads, character_png, motion_mp4) -> None:
    """A download button reads the whole video into the app's memory when pressed; a link streams it."""
    result = settings.results_dir / "result.mp4"
    result.parent.mkdir(parents=True)
    result.write_bytes(motion_mp4.read_bytes())
    job = JobStore(settings.db_path).add(
        a_job(
            "done",
            status=JobStatus.SUCCEEDED,
            prompt="a dancer",
            result_path=str(result),
            image_path=str(character_png),
            video_path=str(motion_mp4),
        )
    )
    app = at_page("pages/3_History.py").run()
    app.button(key=f"open_{job.id}").click().run()
    app.run()

    assert not app.exception, app.exception
    assert download_name(job) not in downloads, "the video went through a download button"
    (link,) = [m.value for m in app.markdown if "Download video</a>" in m.value]
    assert f'download="{download_name(job)}"' in link and 'href="/app/static/' in link
    served = link.split('href="/app/static/')[1].split('"')[0]
    assert (settings.static_dir / served).read_bytes() == result.read_bytes()


def test_history_reads_jobs_for_spending_only_while_spending_is_open(settings, monkeypatch) -> None:
    """Over 100,000 jobs, reading them all for a closed Spending panel made most of History's first render."""

    JobStore(settings.db_path).add(a_job(status=JobStatus.SUCCEEDED, prompt="a dancer on a beach"))
    reads: list[int] = []
    reading = JobStore.made_with_key_since
    monkeypatch.setattr(JobStore, "made_with_key_since", lambda *given: reads.append(1) or reading(*given))
    app = run("pages/3_History.py")
    assert not app.exception and reads == []
    app.session_state["spending_open"] = True
    app.run()
    assert not app.exception and reads, "the open panel works out this key's spending"
    assert any("Nothing was sent yet" in caption.value for caption in app.caption)
