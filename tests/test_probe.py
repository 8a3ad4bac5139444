"""probe(): facts from the header, format by content, upright sizes, and a clear refusal of anything else."""

from __future__ import annotations

import os

import pytest

from lib.errors import MediaUnreadable
from lib.media.probe import probe
from tests.fixtures_media import HOSTILE_KINDS


@pytest.mark.parametrize(
    ("name", "options", "expected_format", "expected_codec"),
    [
        ("clip.mp4", {}, "mp4", "h264"),
        ("clip.mov", {}, "mov", "h264"),
        ("clip.mkv", {}, "mkv", "h264"),
        ("clip.avi", {"vcodec": "mpeg4", "audio": False}, "avi", "mpeg4"),
        ("clip.webm", {"vcodec": "libvpx-vp9"}, "webm", "vp9"),
    ],
)
def test_video_formats_and_codecs_are_read_from_the_content(
    media, name, options, expected_format, expected_codec
) -> None:
    facts = probe(media.video(name, width=320, height=240, seconds=1, **options))
    assert (facts.format, facts.codec, facts.width, facts.height) == (expected_format, expected_codec, 320, 240)
    assert facts.has_video and not facts.is_image


def test_a_file_name_does_not_decide_the_format(media) -> None:
    webm = media.video("real.webm", width=320, height=240, seconds=1, vcodec="libvpx-vp9")
    mov = media.video("real.mov", width=320, height=240, seconds=1)
    webp = media.image("real.webp", 400, 400, fmt="WEBP")
    assert probe(media.raw("named.mp4", webm.read_bytes())).format == "webm"
    assert probe(media.raw("named.mp4", mov.read_bytes())).format == "mov"
    assert probe(media.raw("named.png", webp.read_bytes())).format == "webp"


@pytest.mark.parametrize(("fmt", "expected"), [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp"), ("GIF", "gif")])
def test_images_report_format_and_size(media, fmt, expected) -> None:
    facts = probe(media.image(f"picture.{expected}", 640, 480, fmt=fmt))
    assert (facts.format, facts.width, facts.height) == (expected, 640, 480)
    assert facts.is_image and not facts.has_video and facts.duration is None


def test_duration_fps_and_audio_come_from_the_header(media) -> None:
    timed = media.video("timed.mp4", width=320, height=240, seconds=3.5, fps=24)
    facts = probe(timed)
    silent = probe(media.video("silent.mp4", width=320, height=240, seconds=2, audio=False))
    assert (facts.duration, facts.fps, facts.has_audio, facts.size_bytes) == (3.5, 24.0, True, os.path.getsize(timed))
    assert silent.has_video and not silent.has_audio


@pytest.mark.parametrize(("rotation", "upright"), [(90, (360, 640)), (-90, (360, 640)), (180, (640, 360))])
def test_a_phone_clip_reports_the_size_a_person_sees(media, rotation, upright) -> None:
    facts = probe(media.video(f"phone-{rotation}.mp4", width=640, height=360, seconds=1, rotation=rotation))
    assert (facts.width, facts.height) == upright
    # ffmpeg's display rotation turns counter-clockwise; facts.rotation is the clockwise turn.
    assert facts.rotation == (-rotation) % 360


def test_a_jpeg_with_exif_rotation_reports_its_upright_size(media) -> None:
    facts = probe(media.image("portrait-exif.jpg", 800, 600, exif_orientation=6))
    assert (facts.width, facts.height, facts.rotation) == (600, 800, 90)


def test_an_audio_only_mp4_is_readable_but_has_no_picture(media) -> None:
    facts = probe(media.audio_only())
    assert (facts.format, facts.has_video, facts.has_audio, facts.width, facts.height) == (
        "mp4",
        False,
        True,
        None,
        None,
    )
    assert facts.duration == pytest.approx(4.0, abs=0.05)


def test_a_decompression_bomb_is_measured_from_its_header_without_decoding(media) -> None:
    facts = probe(media.bomb())
    assert (facts.format, facts.width, facts.height) == ("png", 20000, 20000)


@pytest.mark.parametrize("kind", HOSTILE_KINDS)
def test_hostile_files_are_refused_as_unreadable(media, kind) -> None:
    with pytest.raises(MediaUnreadable) as caught:
        probe(media.hostile()[kind])
    assert caught.value.detail


def test_a_missing_file_is_unreadable(tmp_path) -> None:
    with pytest.raises(MediaUnreadable):
        probe(tmp_path / "gone.mp4")


def test_whole_files_beside_the_cut_ones_are_readable(media) -> None:
    """The cut files above fail because they are cut, not because their source was bad."""
    for path in (
        media.video("whole.mp4", width=320, height=240, seconds=2),
        media.video("whole-faststart.mp4", width=320, height=240, seconds=2, extra=("-movflags", "+faststart")),
        media.image("whole.jpg", 600, 800),
        media.image("whole.png", 600, 800),
    ):
        assert probe(path).width
