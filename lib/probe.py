"""Facts about a media file, read from its header in a few milliseconds, without decoding a frame.

MediaInfo (through pymediainfo) reads containers and tells formats apart by their content. It runs in
one long-lived helper process, started on first use and reused (about 1 ms per call more than in this
process), because its parsers can hang: a WebM whose Tracks header is zeroed keeps it busy forever.
A call that takes longer than `PROBE_SECONDS` kills the helper and the file is unreadable; the next
call starts a new helper. Pillow reads image headers, because MediaInfo leaves some blank (WebP) and
ignores EXIF orientation.

    >>> facts = probe(Path("dance.mov"))
    >>> facts.format, facts.width, facts.height, facts.rotation
    ('mov', 1080, 1920, 90)
"""
from __future__ import annotations

import atexit
import contextlib
import json
import mmap
import select
import subprocess
import sys
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

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
# A header read takes 5-15 ms, and well under a second on a loaded machine; only a hung parser takes this long.
PROBE_SECONDS = 5.0
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
    except OSError as error:
        raise MediaUnreadable(f"{path.name}: {error.strerror or error}") from error
    if size == 0:
        raise MediaUnreadable("the file is empty")
    info = _media_info.parse(path)
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


# Runs in the helper: one JSON path per line in, one JSON line of the tracks probe uses out.
_WORKER = r"""
import json, sys
from pymediainfo import MediaInfo

def first(tracks):
    return tracks[0].to_data() if tracks else None

for line in sys.stdin:
    try:
        # Speed 0 reads the container's boxes only; the fields used here are identical at 0.5, which
        # also scans stream data and takes 14 ms instead of 5 ms on a 30 s 1080p MP4.
        info = MediaInfo.parse(json.loads(line), parse_speed=0)
        answer = {"general": first(info.general_tracks), "video": first(info.video_tracks),
                  "audio": bool(info.audio_tracks), "image": first(info.image_tracks)}
    except Exception as error:
        answer = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(answer, default=str) + "\n")
    sys.stdout.flush()
"""


class _MediaInfoHelper:
    """The MediaInfo helper process: one call at a time, killed and replaced when a call overruns."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        atexit.register(self.stop)

    def parse(self, path: Path) -> dict:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = subprocess.Popen(
                    [sys.executable, "-c", _WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            process = self._process
            try:
                process.stdin.write(json.dumps(str(path.resolve())).encode() + b"\n")
                process.stdin.flush()
                ready, _, _ = select.select([process.stdout], [], [], PROBE_SECONDS)
                line = process.stdout.readline() if ready else None
            except OSError:
                line = b""
            if not line:
                self._stop_locked()
                if line is None:
                    raise MediaUnreadable(f"reading its header took longer than {PROBE_SECONDS:g} s, so the file "
                                          "is probably damaged")
                raise MediaUnreadable("the file made the media reader fail")
        answer = json.loads(line)
        if "error" in answer:
            raise MediaUnreadable(f"{path.name} could not be opened")
        return answer

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                with contextlib.suppress(OSError):
                    stream.close()
            self._process = None


_media_info = _MediaInfoHelper()


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
        return MediaFacts(fmt, size, None, None, _seconds(duration), None, False, has_audio, None, 0)
    rotation = round(_number(video.get("rotation")) or 0) % 360
    width, height = _pixels(video.get("width")), _pixels(video.get("height"))
    if not width or not height:
        raise MediaUnreadable("the video does not say how large its picture is; the file may be damaged")
    if rotation in (90, 270):
        width, height = height, width
    codec = CODECS.get(video.get("format", ""), video.get("format", "").lower() or None)
    fps = _number(video.get("frame_rate"))
    return MediaFacts(fmt, size, width, height, _seconds(duration), fps, True, has_audio, codec, rotation)


def _probe_image(path: Path, size: int, fmt: str, image_track: dict) -> MediaFacts:
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
    return MediaFacts(fmt, size, width, height, None, None, False, False, fmt, rotation)


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


def _pixels(value: object) -> int | None:
    """A width or height as a positive whole number, or None when the header has none."""
    number = _number(value)
    return int(number) if number is not None and number >= 1 else None


def _seconds(milliseconds: float | None) -> float | None:
    return None if milliseconds is None else round(milliseconds / 1000, 3)
