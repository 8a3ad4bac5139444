"""The one-click fixes: every output passes preflight, keeps its sound and stays upright."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from pymediainfo import MediaInfo

from lib.errors import FixFailed, MediaUnreadable
from lib.jobs import JobRequest, JobStatus, submit_job
from lib.media import Fit, check_image, check_video, fix_image, fix_video, fixes
from lib.media.fix_plan import ShortClip
from lib.media.fixes import BUDGET_BYTES
from lib.media.layout import Layout, layout
from lib.media.preflight import Code
from lib.media.probe import probe
from lib.media.thumbnails import thumbnail
from lib.novita.rules import MAX_BYTES, Orientation
from tests.media_support import assert_fixed_video, frame


def audio_format(path) -> str | None:
    tracks = MediaInfo.parse(path).audio_tracks
    return tracks[0].format if tracks else None


# --- layout: pure sizes, checked exhaustively ------------------------------------------------------


@pytest.mark.parametrize("fit", list(Fit))
@pytest.mark.parametrize("even", [False, True])
def test_every_layout_passes_the_size_and_aspect_rules(fit, even) -> None:
    for width in range(1, 4000, 37):
        for height in (1, 2, 3, 119, 299, 300, 301, 750, 751, 1001, 1005, 2160, 3999):
            plan = layout(width, height, fit, even=even, max_long_side=1920 if even else None)
            canvas_w, canvas_h = plan.canvas
            content_w, content_h = plan.content
            assert min(plan.canvas) >= 300 and 2 * canvas_w <= 5 * canvas_h and 2 * canvas_h <= 5 * canvas_w
            if fit == Fit.CROP:
                assert content_w >= canvas_w and content_h >= canvas_h
            else:
                assert content_w <= canvas_w and content_h <= canvas_h
            if even:
                assert canvas_w % 2 == canvas_h % 2 == content_w % 2 == content_h % 2 == 0
                assert max(plan.canvas) <= max(1920, 750)


def test_a_picture_within_the_rules_keeps_its_size() -> None:
    assert layout(640, 360, Fit.SOLID) == Layout((640, 360), (640, 360))
    assert layout(750, 300, Fit.CROP) == Layout((750, 300), (750, 300))
    assert layout(1000, 300, Fit.SOLID).canvas == (1000, 400)
    assert layout(1000, 300, Fit.CROP).canvas == (750, 300)


# --- images ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fit", list(Fit))
@pytest.mark.parametrize(
    ("name", "width", "height", "fmt"),
    [
        ("small.png", 200, 250, None),
        ("wide.png", 1000, 200, None),
        ("tall.jpg", 300, 1000, None),
        ("webp-named.png", 600, 800, "WEBP"),
        ("tiny-tall.png", 40, 200, None),
    ],
)
def test_fixed_images_pass_preflight(media, tmp_path, fit, name, width, height, fmt) -> None:
    source = media.image(name, width, height, fmt=fmt)
    assert not check_image(source).ok
    out = fix_image(source, tmp_path, fit=fit)
    assert out != source and check_image(out).ok
    assert probe(out).format == "jpeg"


@pytest.mark.parametrize(("name", "fmt"), [("phone.heic", "HEIF"), ("photo.avif", "AVIF"), ("web.webp", "WEBP")])
def test_phone_and_web_photos_are_converted_and_the_simulator_takes_them(
    media, tmp_path, name, fmt, store, client, hosting, motion_mp4
) -> None:
    source = media.image(name, 600, 800, fmt=fmt)
    assert [problem.code for problem in check_image(source).problems] == [Code.FORMAT]  # read, not unreadable
    out = fix_image(source, tmp_path)
    assert check_image(out).ok and probe(out).format == "jpeg"
    job = submit_job(JobRequest(out, motion_mp4, Orientation.IMAGE), store=store, client=client, hosting=hosting)
    assert job.status is JobStatus.QUEUED and job.task_id  # the simulator checked it with its own rules


def test_padding_keeps_the_whole_picture_and_cropping_cuts_it(media, tmp_path) -> None:
    source = media.image("wide.png", 1000, 200)
    padded = Image.open(fix_image(source, tmp_path, fit=Fit.SOLID))
    cropped = Image.open(fix_image(source, tmp_path, fit=Fit.CROP))
    assert padded.size == (1000, 400)  # padded to 2.5:1, already 300 px or more a side
    assert cropped.size == (750, 300)  # cropped to 500 x 200, then scaled up to 300 px high
    # The solid fill continues the background colour of make_image: (40, 60, 90).
    assert all(abs(a - b) <= 6 for a, b in zip(padded.getpixel((10, 10)), (40, 60, 90), strict=True))


def test_an_exif_rotated_photo_comes_out_upright(media, tmp_path) -> None:
    source = media.image("exif-small.jpg", 280, 200, exif_orientation=6)  # displayed 200 x 280
    out = fix_image(source, tmp_path)
    with Image.open(out) as fixed:
        assert fixed.size[1] > fixed.size[0] and 0x0112 not in fixed.getexif()
        assert min(fixed.size) == 300


def test_an_image_over_10_mb_is_recompressed_under_the_budget(media, tmp_path) -> None:
    noise = media.folder / "noise-2400.png"
    if not noise.exists():
        Image.fromarray(np.random.default_rng(1).integers(0, 255, (2400, 2400, 3), dtype=np.uint8)).save(noise)
    assert noise.stat().st_size > MAX_BYTES
    out = fix_image(noise, tmp_path)
    assert check_image(out).ok and out.stat().st_size <= BUDGET_BYTES


def test_transparency_is_flattened_onto_white(tmp_path) -> None:
    source = tmp_path / "cutout.png"
    Image.new("RGBA", (200, 200), (0, 0, 0, 0)).save(source)
    with Image.open(fix_image(source, tmp_path / "out")) as fixed:
        assert fixed.mode == "RGB" and fixed.getpixel((150, 150)) == (255, 255, 255)


def test_an_image_that_passes_is_returned_untouched(media, tmp_path) -> None:
    source = media.image("fine.png", 600, 800)
    assert fix_image(source, tmp_path) == source
    assert list(tmp_path.iterdir()) == []


def test_the_same_image_fix_is_made_once(media, tmp_path) -> None:
    source = media.image("small.png", 200, 250)
    first = fix_image(source, tmp_path)
    made = first.stat().st_mtime_ns
    assert fix_image(source, tmp_path) == first and first.stat().st_mtime_ns == made
    assert fix_image(source, tmp_path, fit=Fit.BLUR) != first


def test_unfixable_images_raise_fix_failed(media, tmp_path) -> None:
    for source in (media.bomb(), media.hostile()["cut jpeg"]):
        with pytest.raises(FixFailed):
            fix_image(source, tmp_path)


# --- videos ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "options", "orientation", "fit"),
    [
        ("long.mp4", {"width": 480, "height": 320, "seconds": 12, "fps": 12}, "image", Fit.SOLID),
        ("wide.mov", {"width": 1000, "height": 300, "seconds": 3, "fps": 12}, "video", Fit.SOLID),
        ("wide.mov", {"width": 1000, "height": 300, "seconds": 3, "fps": 12}, "video", Fit.BLUR),
        ("wide.mov", {"width": 1000, "height": 300, "seconds": 3, "fps": 12}, "video", Fit.CROP),
        ("small.mp4", {"width": 240, "height": 200, "seconds": 3, "fps": 12}, "video", Fit.SOLID),
        ("small.mkv", {"width": 240, "height": 200, "seconds": 3, "fps": 12}, "video", Fit.SOLID),
        (
            "vp9.webm",
            {"width": 320, "height": 320, "seconds": 3, "fps": 12, "vcodec": "libvpx-vp9"},
            "video",
            Fit.SOLID,
        ),
        (
            "odd-mpeg4.avi",
            {"width": 301, "height": 755, "seconds": 3, "fps": 12, "vcodec": "mpeg4"},
            "video",
            Fit.SOLID,
        ),
    ],
)
def test_fixed_videos_pass_preflight_and_keep_their_sound(media, tmp_path, name, options, orientation, fit) -> None:
    source = media.video(name, **options)
    assert not check_video(source, orientation).ok
    out = fix_video(source, tmp_path, orientation, fit=fit)
    assert_fixed_video(out, orientation)
    assert audio_format(out) == "AAC"


def test_a_phone_clip_comes_out_upright_with_the_same_picture(media, tmp_path) -> None:
    source = media.video("phone-long.mov", width=480, height=320, seconds=11, fps=12, rotation=90)
    out = fix_video(source, tmp_path, "image")
    assert_fixed_video(out, "image")
    facts = probe(out)
    assert (facts.width, facts.height) == (320, 480)
    # ffmpeg decodes the source upright; the output must show that picture, not a turned one.
    upright, turned = frame(source, 1.0), np.rot90(frame(source, 1.0), 2)
    assert np.abs(frame(out, 1.0) - upright).mean() < np.abs(frame(out, 1.0) - turned).mean() / 3


def test_a_clip_is_cut_from_start_to_the_cap(media, tmp_path) -> None:
    source = media.video("long.mp4", width=480, height=320, seconds=12, fps=12)
    capped = probe(fix_video(source, tmp_path, "image"))
    rest = probe(fix_video(source, tmp_path, "image", start=4.0))
    assert capped.duration == pytest.approx(10.0, abs=0.09) and capped.duration <= 10.0
    assert rest.duration == pytest.approx(8.0, abs=0.09)
    out = fix_video(source, tmp_path, "image", start=4.0)
    assert np.abs(frame(out, 0.5) - frame(source, 4.5)).mean() < np.abs(frame(out, 0.5) - frame(source, 0.5)).mean()


def test_a_29_97_fps_clip_is_cut_on_a_whole_frame_within_the_cap(media, tmp_path) -> None:
    source = media.video("ntsc.mp4", width=320, height=320, seconds=11, extra=("-r", "30000/1001"))
    out = fix_video(source, tmp_path, "image")
    assert_fixed_video(out, "image")
    assert 9.9 < probe(out).duration <= 10.0


def test_a_clip_over_10_mb_fills_most_of_the_budget_in_one_pass(media, tmp_path, monkeypatch) -> None:
    source = media.video(
        "heavy.mp4", width=480, height=320, seconds=5, fps=24, extra=("-vf", "noise=alls=80:allf=t", "-qp", "8")
    )
    assert source.stat().st_size > MAX_BYTES
    runs = []
    real_ffmpeg = fixes.run_ffmpeg
    monkeypatch.setattr(fixes, "run_ffmpeg", lambda *args: runs.append(args) or real_ffmpeg(*args))
    out = fix_video(source, tmp_path, "video")
    assert_fixed_video(out, "video")
    assert len(runs) == 1 and audio_format(out) == "AAC"
    assert 0.7 * MAX_BYTES <= out.stat().st_size <= BUDGET_BYTES


def test_a_short_clip_is_looped_to_3_s_only_when_asked(media, tmp_path) -> None:
    source = media.video("short.mp4", width=320, height=320, seconds=2, fps=12)
    with pytest.raises(FixFailed, match="loop"):
        fix_video(source, tmp_path, "video")
    out = fix_video(source, tmp_path, "video", short=ShortClip.LOOP)
    assert_fixed_video(out, "video")
    assert probe(out).duration == pytest.approx(3.0, abs=0.05) and audio_format(out) == "AAC"


def test_a_silent_clip_stays_silent(media, tmp_path) -> None:
    out = fix_video(
        media.video("silent-wide.mp4", width=1000, height=300, seconds=3, fps=12, audio=False), tmp_path, "video"
    )
    assert_fixed_video(out, "video")
    assert audio_format(out) is None


def test_a_clip_that_passes_is_returned_untouched(media, tmp_path) -> None:
    source = media.video("fine.mp4", width=480, height=320, seconds=4, fps=12)
    assert fix_video(source, tmp_path, "video") == source
    assert list(tmp_path.iterdir()) == []


def test_the_same_video_fix_is_made_once_and_named_by_its_settings(media, tmp_path) -> None:
    source = media.video("long.mp4", width=480, height=320, seconds=12, fps=12)
    first = fix_video(source, tmp_path, "image")
    made = first.stat().st_mtime_ns
    calls = []
    assert fix_video(source, tmp_path, "image", on_progress=calls.append) == first
    assert first.stat().st_mtime_ns == made and calls == [1.0]
    assert fix_video(source, tmp_path, "image", start=1.0) != first
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def test_progress_rises_to_one(media, tmp_path) -> None:
    fractions = []
    fix_video(
        media.video("long.mp4", width=480, height=320, seconds=12, fps=12),
        tmp_path,
        "image",
        on_progress=fractions.append,
    )
    assert len(fractions) >= 2 and fractions == sorted(fractions)
    assert fractions[0] >= 0 and fractions[-1] == 1.0


def test_unfixable_videos_raise_fix_failed(media, tmp_path) -> None:
    for source in (media.hostile()["cut mp4, index first"], media.audio_only()):
        with pytest.raises(FixFailed):
            fix_video(source, tmp_path, "video")
    with pytest.raises(FixFailed, match="start"):
        fix_video(media.video("long.mp4", width=480, height=320, seconds=12, fps=12), tmp_path, "image", start=12.5)


# --- thumbnails ------------------------------------------------------------------------------------


def test_thumbnails_are_small_upright_stills_made_once(media, tmp_path) -> None:
    phone = media.video("phone-long.mov", width=480, height=320, seconds=11, fps=12, rotation=90)
    still = thumbnail(phone, tmp_path, size=160)
    facts = probe(still)
    assert (facts.format, max(facts.width, facts.height), facts.width < facts.height) == ("jpeg", 160, True)
    made = still.stat().st_mtime_ns
    assert thumbnail(phone, tmp_path, size=160) == still and still.stat().st_mtime_ns == made
    picture = probe(thumbnail(media.image("exif-portrait.jpg", 800, 600, exif_orientation=6), tmp_path))
    assert (picture.width, picture.height) == (240, 320)


def test_a_thumbnail_defaults_to_a_folder_beside_the_file(media, tmp_path) -> None:
    source = tmp_path / "character.png"
    source.write_bytes(media.image("fine.png", 600, 800).read_bytes())
    assert thumbnail(source).parent == tmp_path / "thumbnails"


def test_no_thumbnail_for_sound_or_a_bomb(media, tmp_path) -> None:
    for source in (media.audio_only(), media.bomb()):
        with pytest.raises(MediaUnreadable):
            thumbnail(source, tmp_path)
