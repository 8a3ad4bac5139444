"""Facts about a media file, read from its header in a few milliseconds, without decoding a frame.

MediaInfo (through pymediainfo, in the helper process of `lib.media.mediainfo`) reads containers
and tells formats apart by their content. Pillow reads image headers, because MediaInfo leaves some
blank (WebP) and ignores EXIF orientation.

An image, a video and a file with sound only have facts of their own types, so a width is never
None where a picture is known to have one:

    facts = probe(Path("dance.mov"))
    facts.format, facts.width, facts.height, facts.rotation   # ('mov', 1080, 1920, 90)
"""

from __future__ import annotations

import mmap
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import UnidentifiedImageError

from lib.errors import MediaUnreadable
from lib.media.image_formats import Image
from lib.media.mediainfo import media_info

IMAGE_FORMATS = {
    "JPEG": "jpeg",
    "PNG": "png",
    "WebP": "webp",
    "GIF": "gif",
    "BMP": "bmp",
    "TIFF": "tiff",
    "HEIF": "heif",
    "AVIF": "avif",
    # MediaInfo names phone photos by their brand, in lower case.
    "heic": "heic",
    "heix": "heic",
    "mif1": "heif",
    "avif": "avif",
    "Bitmap": "bmp",
}
CONTAINER_FORMATS = {
    "WebM": "webm",
    "Matroska": "mkv",
    "AVI": "avi",
    "MPEG-TS": "ts",
    "MPEG-PS": "mpeg",
    "Flash Video": "flv",
    "Ogg": "ogg",
    "Wave": "wav",
    "MPEG Audio": "mp3",
    "ADTS": "aac",
}
CODECS = {
    "AVC": "h264",
    "HEVC": "hevc",
    "VP8": "vp8",
    "VP9": "vp9",
    "AV1": "av1",
    "MPEG-4 Visual": "mpeg4",
    "ProRes": "prores",
    "MPEG Video": "mpeg2video",
}
# EXIF orientation tag value -> clockwise degrees a viewer turns the stored picture (5 and 7 also mirror).
EXIF_ROTATION = {3: 180, 5: 90, 6: 90, 7: 270, 8: 270}


@dataclass(frozen=True)
class ImageFacts:
    """A still picture. Width and height are as a person sees it, EXIF rotation applied.

    `format` comes from the content: "jpeg", "png", "webp", "gif", "heif", "avif"...
    """

    format: str
    size_bytes: int
    width: int
    height: int
    rotation: int = 0
    is_image = True
    has_video = False
    has_audio = False
    duration = None
    fps = None

    @property
    def codec(self) -> str:
        return self.format


@dataclass(frozen=True)
class VideoFacts:
    """A file with a picture track. Width and height are as a person sees it, with `rotation` (the
    clockwise turn in degrees a player applies to the stored picture: 0, 90, 180 or 270) applied.

    `format` is the container judged by content ("mp4", "mov", "webm", "mkv", "avi"...); `duration`
    is the video track's length in seconds, None when the header does not say.
    """

    format: str
    size_bytes: int
    width: int
    height: int
    duration: float | None
    fps: float | None
    has_audio: bool
    codec: str | None
    rotation: int = 0
    is_image = False
    has_video = True


@dataclass(frozen=True)
class AudioFacts:
    """A file with sound and no picture: readable, but neither a character image nor a motion video."""

    format: str
    size_bytes: int
    duration: float | None
    is_image = False
    has_video = False
    has_audio = True
    width = None
    height = None
    fps = None
    codec = None
    rotation = 0


MediaFacts = ImageFacts | VideoFacts | AudioFacts


def probe(path: Path | str) -> MediaFacts:
    """Read the facts of an image, a video or a sound file from its header.

    Raises `MediaUnreadable` for a missing or empty file, anything that is not media, and files cut
    short (an MP4 whose index or data is missing, a JPEG without its end marker, a PNG without IEND).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise MediaUnreadable(f"{path.name}: {error.strerror or error}") from error
    if size == 0:
        raise MediaUnreadable("the file is empty")
    info = media_info.parse(path)
    general = info["general"] or {}
    container = general.get("format")
    if container in IMAGE_FORMATS:
        return _probe_image(path, size, IMAGE_FORMATS[container], info["image"] or {})
    if general.get("istruncated") == "Yes":
        raise MediaUnreadable("the file is cut short; it may not have finished uploading or downloading")
    video = info["video"]
    if video is None and not info["audio"]:
        raise MediaUnreadable("no picture or sound was found in it")
    return _video_facts(size, _container_name(general), general, video, has_audio=info["audio"])


def _container_name(general: dict) -> str:
    container = general.get("format")
    if not container:
        raise MediaUnreadable("its container format was not recognised")
    if container == "MPEG-4":
        # The major brand, not the file name, tells QuickTime (.mov) from ISO MP4.
        return "mov" if general.get("codec_id", "").strip() == "qt" else "mp4"
    return CONTAINER_FORMATS.get(container, container.lower().replace(" ", "-"))


def _video_facts(size: int, fmt: str, general: dict, video: dict | None, has_audio: bool) -> MediaFacts:
    source = video or general
    duration = _number(source.get("duration")) or _number(general.get("duration"))
    if video is None:
        return AudioFacts(fmt, size, _seconds(duration))
    rotation = round(_number(video.get("rotation")) or 0) % 360
    width, height = _pixels(video.get("width")), _pixels(video.get("height"))
    if not width or not height:
        raise MediaUnreadable("the video does not say how large its picture is; the file may be damaged")
    if rotation in (90, 270):
        width, height = height, width
    codec = CODECS.get(video.get("format", ""), video.get("format", "").lower() or None)
    fps = _number(video.get("frame_rate"))
    return VideoFacts(fmt, size, width, height, _seconds(duration), fps, has_audio, codec, rotation)


def _probe_image(path: Path, size: int, fmt: str, image_track: dict) -> ImageFacts:
    if not _image_is_complete(path, fmt):
        raise MediaUnreadable("the image is cut short; it may not have finished uploading")
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
    width, height = _pixels(width), _pixels(height)
    if not width or not height:
        raise MediaUnreadable(f"the {fmt.upper()} header does not say how large the picture is")
    if rotation in (90, 270):
        width, height = height, width
    return ImageFacts(fmt, size, width, height, rotation)


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
            position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return False


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _pixels(value: object) -> int | None:
    """A width or height as a positive whole number, or None when the header has none."""
    number = _number(value)
    return int(number) if number is not None and number >= 1 else None


def _seconds(milliseconds: float | None) -> float | None:
    return None if milliseconds is None else round(milliseconds / 1000, 3)
