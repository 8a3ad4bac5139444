"""Facts about a media file, read from its header in a few milliseconds, without decoding a frame.

MediaInfo (through pymediainfo, in this process: no subprocess that could hang or cost 20-40 ms to
start) reads containers and tells formats apart by their content. Pillow reads image headers, because
MediaInfo leaves some blank (WebP) and ignores EXIF orientation.

    >>> facts = probe(Path("dance.mov"))
    >>> facts.format, facts.width, facts.height, facts.rotation
    ('mov', 1080, 1920, 90)
"""
from __future__ import annotations

import mmap
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from pymediainfo import MediaInfo

from lib.errors import MediaUnreadable

IMAGE_FORMATS = {
    "JPEG": "jpeg", "PNG": "png", "WebP": "webp", "GIF": "gif", "BMP": "bmp", "TIFF": "tiff",
    "HEIF": "heif", "AVIF": "avif", "Bitmap": "bmp",
}
CONTAINER_FORMATS = {
    "WebM": "webm", "Matroska": "mkv", "AVI": "avi", "MPEG-TS": "ts", "MPEG-PS": "mpeg",
    "Flash Video": "flv", "Ogg": "ogg", "Wave": "wav", "MPEG Audio": "mp3", "ADTS": "aac",
}
CODECS = {
    "AVC": "h264", "HEVC": "hevc", "VP8": "vp8", "VP9": "vp9", "AV1": "av1", "MPEG-4 Visual": "mpeg4",
    "ProRes": "prores", "MPEG Video": "mpeg2video",
}
# EXIF orientation tag value -> clockwise degrees a viewer turns the stored picture (5 and 7 also mirror).
EXIF_ROTATION = {3: 180, 5: 90, 6: 90, 7: 270, 8: 270}


@dataclass(frozen=True)
class MediaFacts:
    """What a file holds. Width and height are as a person sees them, with rotation applied.

    `format` comes from the content ("mp4", "mov", "webm", "mkv", "avi", "jpeg", "png", "webp", "gif"...).
    `duration` is the video track's length in seconds (the file's for audio only; None for images).
    `has_video` is False for images and for audio-only files, whose width and height are None.
    `rotation` is the clockwise turn in degrees (0, 90, 180, 270) a player applies to the stored picture.
    """

    format: str
    size_bytes: int
    width: int | None
    height: int | None
    duration: float | None
    fps: float | None
    has_video: bool
    has_audio: bool
    codec: str | None
    rotation: int

    @property
    def is_image(self) -> bool:
        return self.format in IMAGE_FORMATS.values()


def probe(path: Path | str) -> MediaFacts:
    """Read the facts of an image or video from its header.

    Raises `MediaUnreadable` for a missing or empty file, anything that is not media, and files cut
    short (an MP4 whose index or data is missing, a JPEG without its end marker, a PNG without IEND).
    An audio-only file is readable: it comes back with `has_video=False`.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size == 0:
            raise MediaUnreadable("the file is empty")
        # Speed 0 reads the container's boxes only; the fields used here are identical at 0.5, which
        # also scans stream data and takes 14 ms instead of 5 ms on a 30 s 1080p MP4.
        info = MediaInfo.parse(path, parse_speed=0)
    except OSError as error:
        raise MediaUnreadable(f"{path.name}: {error.strerror or error}") from error
    general = info.general_tracks[0].to_data() if info.general_tracks else {}
    container = general.get("format")
    if container in IMAGE_FORMATS:
        return _probe_image(path, size, IMAGE_FORMATS[container], info)
    if general.get("istruncated") == "Yes":
        raise MediaUnreadable("the file is cut short; it may not have finished uploading or downloading")
    video = info.video_tracks[0].to_data() if info.video_tracks else None
    if video is None and not info.audio_tracks:
        raise MediaUnreadable("no picture or sound was found in it")
    return _video_facts(size, _container_name(general), general, video, has_audio=bool(info.audio_tracks))


def _container_name(general: dict) -> str:
    container = general["format"]
    if container == "MPEG-4":
        # The major brand, not the file name, tells QuickTime (.mov) from ISO MP4.
        return "mov" if general.get("codec_id", "").strip() == "qt" else "mp4"
    return CONTAINER_FORMATS.get(container, container.lower().replace(" ", "-"))


def _video_facts(size: int, fmt: str, general: dict, video: dict | None, has_audio: bool) -> MediaFacts:
    source = video or general
    duration = _number(source.get("duration")) or _number(general.get("duration"))
    if video is None:
        return MediaFacts(fmt, size, None, None, _seconds(duration), None, False, has_audio, None, 0)
    rotation = round(_number(video.get("rotation")) or 0) % 360
    width, height = int(video["width"]), int(video["height"])
    if rotation in (90, 270):
        width, height = height, width
    codec = CODECS.get(video.get("format", ""), video.get("format", "").lower() or None)
    fps = _number(video.get("frame_rate"))
    return MediaFacts(fmt, size, width, height, _seconds(duration), fps, True, has_audio, codec, rotation)


def _probe_image(path: Path, size: int, fmt: str, info: MediaInfo) -> MediaFacts:
    if not _image_is_complete(path, fmt):
        raise MediaUnreadable("the image is cut short; it may not have finished uploading")
    image_track = info.image_tracks[0].to_data() if info.image_tracks else {}
    rotation = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if fmt == "jpeg":
                    rotation = EXIF_ROTATION.get(image.getexif().get(0x0112), 0)
    except Image.DecompressionBombError:
        # Far too many pixels to open safely, but the header is enough to say so: preflight reports it.
        width, height = image_track.get("width"), image_track.get("height")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        if "width" not in image_track:
            raise MediaUnreadable(f"the {fmt.upper()} header could not be read") from error
        width, height = image_track["width"], image_track["height"]
    if rotation in (90, 270):
        width, height = height, width
    return MediaFacts(fmt, size, int(width), int(height), None, None, False, False, fmt, rotation)


def _image_is_complete(path: Path, fmt: str) -> bool:
    """Whether the image's end marker is there: headers survive truncation, the picture does not."""
    if fmt not in ("jpeg", "png"):
        return True
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if fmt == "png":
            return data.rfind(b"IEND") != -1
        return _jpeg_has_end(data)


def _jpeg_has_end(data: mmap.mmap) -> bool:
    """Walk the JPEG's segments to the first scan; its end-of-image marker must come after that.

    Starting after the scan skips an EXIF thumbnail's own end marker; inside scan data 0xFF is
    always followed by 0x00 or a restart marker, so 0xFFD9 there is the real end. Searching from the
    file's end finds it at once in a whole file.
    """
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xDA:
            return data.rfind(b"\xff\xd9") > position
        if marker == 0xFF:
            position += 1
        else:
            position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
    return False


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _seconds(milliseconds: float | None) -> float | None:
    return None if milliseconds is None else round(milliseconds / 1000, 3)
