"""Compare and the gallery cards: picks, served copies, middle-frame posters, take numbers on cards,
notes saved when the field is left, and the compare page's refusals (AppTest, real ffmpeg, real SQLite)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from lib.config import APP_DIR, load_settings
from lib.files.hosting import STATIC_ROUTE
from lib.files.storage import storage_for
from lib.history.compare import job_ids_from, motion_clip, pick_problem, take_clips
from lib.history.gallery import delete_job
from lib.jobs import JobStatus, JobStore
from lib.media.thumbnails import poster_for
from tests.jobs_support import a_job
from tests.make_media import make_image, make_video, run_ffmpeg


def two_colour_clip(path: Path) -> Path:
    """Red for 1.5 s, then blue for 2.5 s: the first frame (and the one at 1 s) is red, the middle blue."""
    run_ffmpeg(
            "-f", "lavfi", "-i", "color=red:size=320x240:rate=24:duration=1.5",
            "-f", "lavfi", "-i", "color=blue:size=320x240:rate=24:duration=2.5",
            "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path),
    )  # fmt: skip
    return path


def test_a_result_poster_is_its_middle_frame(tmp_path: Path) -> None:
    poster = poster_for(two_colour_clip(tmp_path / "result.mp4"))
    assert poster is not None
    red, green, blue = Image.open(poster).convert("RGB").getpixel((80, 60))
    assert blue > 200 and red < 60, (red, green, blue)


@pytest.fixture
def pair(tmp_path: Path) -> dict[str, Path]:
    return {
        "image": make_image(tmp_path / "character.png", 300, 400),
        "video": make_video(tmp_path / "motion.mp4", 320, 240, seconds=1.0, audio=False),
        # Not the motion video's length: a copy of the same bytes stays while the motion video uses it.
        "result_a": make_video(tmp_path / "a.mp4", 320, 240, seconds=1.25, audio=False),
        "result_b": make_video(tmp_path / "b.mp4", 320, 240, seconds=1.5, audio=False),
    }


def add_takes(store: JobStore, pair: dict[str, Path]) -> list[str]:
    """Two finished takes of the pair (older first), one unfinished take, and a job of another pair."""
    inputs = {"image_path": str(pair["image"]), "video_path": str(pair["video"])}
    first = a_job(
        prompt="she spins",
        model="kling-v2.6-pro",
        status=JobStatus.SUCCEEDED,
        result_path=str(pair["result_a"]),
        created_at="2026-11-24T10:00:00+00:00",
        **inputs,
    )
    second = a_job(
        prompt="she waves",
        model="kling-v3.0-std",
        status=JobStatus.SUCCEEDED,
        result_path=str(pair["result_b"]),
        created_at="2026-11-24T10:05:00+00:00",
        **inputs,
    )
    third = a_job(prompt="she bows", status=JobStatus.PROCESSING, created_at="2026-11-24T10:10:00+00:00", **inputs)
    other = a_job(prompt="other pair", image_path="/elsewhere/x.png", video_path="/elsewhere/y.mp4",
                  created_at="2026-11-24T10:07:00+00:00")  # fmt: skip
    return [store.add(job).id for job in (first, second, third, other)]


def test_picks_from_the_link_and_their_limits() -> None:
    assert job_ids_from(" a, b,,a ,c") == ["a", "b", "c"]
    assert job_ids_from(None) == []
    assert pick_problem(1) == "Pick at least 2 takes to compare: 1 picked."
    assert pick_problem(5).startswith("Pick at most 4 takes to compare: 5 picked.")
    assert pick_problem(2) is None and pick_problem(4) is None


def test_clips_are_served_copies_labelled_by_take(store: JobStore, settings, pair) -> None:
    first, second, third, _ = add_takes(store, pair)
    clips = take_clips(store, [second, first, third], storage_for(settings))
    assert [clip.label.split(" · ")[0] for clip in clips] == ["Take 2", "Take 1"]  # the unfinished take is left out
    assert "she waves" in clips[0].label
    for clip, source in zip(clips, (pair["result_b"], pair["result_a"]), strict=True):
        assert clip.url.startswith(STATIC_ROUTE)
        assert (settings.static_dir / clip.url.removeprefix(STATIC_ROUTE)).read_bytes() == source.read_bytes()
    motion = motion_clip(store, [first], storage_for(settings))
    assert motion is not None and motion.label == "Motion video"


def at_page(page: str) -> AppTest:
    return AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page(page)


def texts(app: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "warning", "info") for e in app.get(kind))


def test_history_cards_show_take_numbers_and_compare_picks(pair) -> None:
    store = JobStore(load_settings().db_path)
    first, second, *_ = add_takes(store, pair)
    app = at_page("pages/3_History.py").run()
    assert not app.exception, app.exception
    shown = texts(app)
    assert "**Take 1**" in shown and "**Take 2**" in shown and "**Take 3**" in shown
    assert "she waves" in shown and "faces as in the image · Kling 3.0 Standard" in shown
    assert shown.count("**Take 1**") == 2  # the other pair's only job is its own take 1
    app.checkbox(key=f"compare_{first}").check().run()
    assert "Pick at least 2 takes to compare: 1 picked." in texts(app)
    app.checkbox(key=f"compare_{second}").check().run()
    assert app.session_state["compare_picks"] == [first, second]
    assert "Plays them side by side, in sync." in texts(app)
    links = [e for e in app.get("page_link") if "2 picked · Compare" in str(e.proto)]
    assert len(links) == 1 and not links[0].proto.disabled
    assert parse_qs(links[0].proto.query_string) == {"jobs": [f"{first},{second}"]}


def test_a_note_is_saved_when_the_field_is_left(pair) -> None:
    store = JobStore(load_settings().db_path)
    job_id = add_takes(store, pair)[0]
    app = at_page("pages/3_History.py")
    app.query_params["job"] = job_id
    app.run()
    assert not app.exception, app.exception
    assert not [b for b in app.button if b.label == "Save note"]
    app.text_area(key=f"note_{job_id}").input("keep the second spin").run()
    job = store.get(job_id)
    assert job is not None and job.note == "keep the second spin"
    assert "Saved" in [c.value for c in app.caption]


@pytest.mark.parametrize(("count", "words"), [(1, "Pick at least 2"), (5, "Pick at most 4")])
def test_compare_refuses_one_or_five_picks(pair, count: int, words: str) -> None:
    store = JobStore(load_settings().db_path)
    ids = add_takes(store, pair)
    ids += [store.add(a_job(prompt=f"more {n}")).id for n in range(2)]
    app = at_page("pages/4_Compare.py")
    app.query_params["jobs"] = ",".join(ids[:count])
    app.run()
    assert not app.exception, app.exception
    assert words in app.warning[0].value


def test_deleting_a_take_removes_the_copy_compare_served(store: JobStore, settings, pair) -> None:
    first, second, *_ = add_takes(store, pair)
    served = [
        settings.static_dir / c.url.removeprefix(STATIC_ROUTE)
        for c in take_clips(store, [first, second], storage_for(settings))
    ]
    delete_job(store, first, settings.data_dir, settings.static_dir)
    assert not served[0].exists() and served[1].exists()
