"""Every rule at, just inside and just outside its limit; hostile files; warnings; the report cache."""

from __future__ import annotations

import shutil

import pytest

from lib.media import check_image, check_prompts, check_video, preflight
from lib.novita.rules import MAX_BYTES
from tests.fixtures_media import HOSTILE_KINDS


def codes(report) -> list[str]:
    return [problem.code for problem in report.problems]


# --- the character image ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (300, 400, []),
        (301, 400, []),
        (299, 400, ["min_side"]),
        (400, 300, []),
        (400, 299, ["min_side"]),
        (750, 300, []),
        (749, 300, []),
        (751, 300, ["aspect_ratio"]),
        (300, 750, []),
        (300, 749, []),
        (300, 751, ["aspect_ratio"]),
        (200, 800, ["min_side", "aspect_ratio"]),
    ],
)
def test_image_sides_and_aspect_at_their_limits(media, width, height, expected) -> None:
    report = check_image(media.image(f"side-{width}x{height}.png", width, height))
    assert codes(report) == expected
    assert report.ok == (expected == [])
    assert report.facts == {
        "format": "png",
        "size_bytes": report.facts["size_bytes"],
        "width": width,
        "height": height,
        "rotation": 0,
    }


@pytest.mark.parametrize(("size", "passes"), [(MAX_BYTES - 1, True), (MAX_BYTES, True), (MAX_BYTES + 1, False)])
def test_image_file_size_at_the_limit(media, size, passes) -> None:
    report = check_image(media.padded(media.image("base.jpg", 600, 800), size))
    assert report.ok == passes
    if not passes:
        (problem,) = report.problems
        assert (problem.code, problem.value, problem.limit) == ("file_size", MAX_BYTES + 1, MAX_BYTES)
        assert "10,000,001 bytes" in problem.message and "at most 10.0 MB" in problem.message


@pytest.mark.parametrize(
    ("fmt", "name", "detected"), [("WEBP", "fake.png", "webp"), ("GIF", "fake.jpg", "gif"), ("BMP", "fake.jpeg", "bmp")]
)
def test_image_format_is_judged_by_content(media, fmt, name, detected) -> None:
    report = check_image(media.image(name, 600, 800, fmt=fmt))
    assert codes(report) == ["format"]
    assert report.facts["format"] == detected
    assert detected.upper() in report.problems[0].message and "JPG or PNG" in report.problems[0].message


def test_a_png_named_jpg_is_still_a_png_and_passes(media) -> None:
    report = check_image(media.image("really-png.jpg", 600, 800, fmt="PNG"))
    assert report.ok and report.facts["format"] == "png"


def test_image_aspect_uses_the_upright_size(media) -> None:
    report = check_image(media.image("exif-portrait.jpg", 800, 600, exif_orientation=6))
    assert report.ok and (report.facts["width"], report.facts["height"]) == (600, 800)


def test_a_video_is_not_a_character_image(media) -> None:
    report = check_image(media.video("clip.mp4", width=320, height=240, seconds=1))
    assert codes(report) == ["format"] and "video" in report.problems[0].message


def test_a_decompression_bomb_is_refused_from_its_header(media) -> None:
    report = check_image(media.bomb())
    assert codes(report) == ["unreadable"]
    assert "20000 x 20000" in report.problems[0].message and "80 megapixels" in report.problems[0].message


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
def test_hostile_files_give_one_clear_problem(media, kind) -> None:
    for report in (check_image(media.hostile()[kind]), check_video(media.hostile()[kind], "video")):
        assert not report.ok
        (problem,) = report.problems
        assert problem.code == "unreadable"
        assert problem.message.startswith(
            ("The character image could not be read: ", "The motion video could not be read: ")
        )


def test_an_audio_only_mp4_is_not_a_motion_video(media) -> None:
    report = check_video(media.audio_only(), "video")
    assert codes(report) == ["format"]
    assert "sound with no picture" in report.problems[0].message


# --- the motion video ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frames", "fps", "orientation", "expected"),
    [
        (72, 24, "image", []),  # 3.000 s
        (73, 24, "image", []),  # 3.042 s
        (71, 24, "image", ["duration"]),  # 2.958 s
        (240, 24, "image", []),  # 10.000 s
        (239, 24, "image", []),
        (241, 24, "image", ["duration"]),  # 10.042 s
        (241, 24, "video", []),
        (300, 10, "video", []),  # 30.0 s
        (299, 10, "video", []),
        (301, 10, "video", ["duration"]),  # 30.1 s
    ],
)
def test_duration_at_its_limits(media, frames, fps, orientation, expected) -> None:
    # testsrc2 drops a last partial frame, so half a frame more makes exactly `frames` frames.
    clip = media.video(f"frames-{frames}-{fps}.mp4", width=320, height=320, seconds=(frames + 0.5) / fps, fps=fps)
    report = check_video(clip, orientation)
    assert report.facts["duration"] == pytest.approx(frames / fps, abs=0.001)
    assert codes(report) == expected


def test_a_duration_problem_names_value_limit_and_orientation(media) -> None:
    report = check_video(media.video("twelve.mp4", width=320, height=320, seconds=12, fps=10), "image")
    (problem,) = report.problems
    assert problem.message == ('The motion video is 12.0 s long; with "As in the image" it can be at most 10 s.')
    assert (problem.value, problem.limit) == (12.0, 10.0)
    assert any('With "As in the motion video"' in warning for warning in report.warnings)
    assert check_video(media.video("twelve.mp4", width=320, height=320, seconds=12, fps=10), "video").ok


def test_a_value_just_past_a_limit_is_not_rounded_onto_it(media) -> None:
    clip = media.video("frames-241-24.mp4", width=320, height=320, seconds=241.5 / 24, fps=24)
    assert "10.042 s long" in check_video(clip, "image").problems[0].message


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (300, 300, []),
        (299, 400, ["min_side"]),
        (750, 300, []),
        (752, 300, ["aspect_ratio"]),
        (300, 752, ["aspect_ratio"]),
    ],
)
def test_video_sides_and_aspect_at_their_limits(media, width, height, expected) -> None:
    # H.264 in 4:2:0 wants even sizes, so odd ones are made as MPEG-4 Part 2 in MP4.
    clip = media.video(
        f"box-{width}x{height}.mp4",
        width=width,
        height=height,
        seconds=3,
        fps=8,
        audio=False,
        vcodec="libx264" if width % 2 == height % 2 == 0 else "mpeg4",
    )
    assert codes(check_video(clip, "video")) == expected


@pytest.mark.parametrize(("size", "passes"), [(MAX_BYTES - 1, True), (MAX_BYTES, True), (MAX_BYTES + 1, False)])
def test_video_file_size_at_the_limit(media, size, passes) -> None:
    report = check_video(media.padded(media.video("base.mp4", width=320, height=320, seconds=3), size), "video")
    assert codes(report) == ([] if passes else ["file_size"])


def test_mov_passes_and_webm_or_mkv_named_mp4_do_not(media) -> None:
    assert check_video(media.video("ok.mov", width=320, height=320, seconds=3), "video").ok
    webm = media.video("vp9.webm", width=320, height=320, seconds=3, vcodec="libvpx-vp9")
    mkv = media.video("h264.mkv", width=320, height=320, seconds=3)
    for source, detected in ((webm, "webm"), (mkv, "mkv")):
        report = check_video(media.raw(f"{detected}-named.mp4", source.read_bytes()), "video")
        assert codes(report) == ["format"] and report.facts["format"] == detected


def test_a_phone_clip_is_checked_and_reported_upright(media) -> None:
    report = check_video(media.video("phone.mov", width=640, height=360, seconds=3, rotation=90), "image")
    assert report.ok
    assert (report.facts["width"], report.facts["height"], report.facts["rotation"]) == (360, 640, 270)


def test_an_image_is_not_a_motion_video(media) -> None:
    report = check_video(media.image("still.jpg", 600, 800), "video")
    assert codes(report) == ["format"] and "image (JPEG)" in report.problems[0].message


def test_keeping_the_sound_of_a_silent_clip_warns_without_blocking(media) -> None:
    silent = media.video("silent-3s.mp4", width=320, height=320, seconds=3, audio=False)
    report = check_video(silent, "video")
    assert report.ok and report.facts["has_audio"] is False
    assert report.warnings == [
        "The motion video has no sound, so keeping the original sound will give a silent result."
    ]
    assert check_video(silent, "video", keep_original_sound=False).warnings == []
    assert check_video(media.video("sound-3s.mp4", width=320, height=320, seconds=3), "video").warnings == []


def test_video_facts_hold_everything_the_issue_lists(media) -> None:
    report = check_video(media.video("facts.mp4", width=320, height=320, seconds=3, fps=24), "video")
    assert set(report.facts) == {
        "format",
        "size_bytes",
        "width",
        "height",
        "duration",
        "fps",
        "has_audio",
        "codec",
        "rotation",
    }
    assert (report.facts["codec"], report.facts["fps"], report.facts["duration"]) == ("h264", 24.0, 3.0)


def test_an_unknown_orientation_is_a_programming_error(media) -> None:
    with pytest.raises(ValueError):
        check_video(media.video("facts.mp4", width=320, height=320, seconds=3, fps=24), "sideways")


# --- prompts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("length", "passes"), [(2499, True), (2500, True), (2501, False)])
def test_negative_prompt_length_at_the_limit(length, passes) -> None:
    report = check_prompts("a dancer on a rooftop at dusk", "é" * length)
    assert report.ok == passes
    assert report.facts == {"prompt_length": 29, "negative_prompt_length": length}
    if not passes:
        assert report.problems[0].code == "negative_prompt_length"
        assert report.problems[0].message == "The negative prompt is 2,501 characters long; it can be at most 2,500."


def test_missing_prompts_pass() -> None:
    assert check_prompts(None, None).ok


# --- the cache -------------------------------------------------------------------------------------


def test_reports_are_cached_by_content_not_by_name(media, tmp_path, monkeypatch) -> None:
    preflight.clear_cache()
    probes = []
    real_probe = preflight.probe
    monkeypatch.setattr(preflight, "probe", lambda path: probes.append(path) or real_probe(path))
    original = media.video("cached.mp4", width=320, height=320, seconds=3)
    copy = shutil.copy(original, tmp_path / "other-name.mp4")

    first = check_video(original, "image")
    first.problems.append("edited by a caller")
    assert check_video(copy, "image") == check_video(original, "image") != first
    assert len(probes) == 1
    check_video(original, "video")
    assert len(probes) == 2, "a different orientation is a different report"

    shutil.copy(media.video("cached-longer.mp4", width=320, height=320, seconds=12, fps=10), copy)
    assert codes(check_video(copy, "image")) == ["duration"], "new content under an old name is checked again"
    assert len(probes) == 3


def test_every_size_is_in_the_decimal_units_of_docs_models() -> None:
    from lib.files.sizes import file_size

    assert file_size(10_123_456) == "10.1 MB"  # not 9.7, as counting MiB says
    assert file_size(48_200) == "48 KB"  # a small image is never "0.0 MB"
    assert file_size(999_600) == "1.0 MB"
    assert file_size(640) == "640 bytes"
    assert file_size(2_000_000_000) == "2 GB"


def test_a_clip_too_long_and_too_big_is_not_called_accepted_as_it_is(media) -> None:
    twelve = media.video("twelve-big.mp4", width=320, height=320, seconds=12, fps=10)
    report = check_video(media.padded(twelve, MAX_BYTES + 100_000), "image")
    assert codes(report) == ["file_size", "duration"] or codes(report) == ["duration", "file_size"]
    said = " ".join(report.warnings)
    assert 'With "As in the motion video"' in said and "accepted as it is" not in said
    assert "accepted as it is" in " ".join(check_video(twelve, "image").warnings)
