"""Gallery stills: a small JPEG of an image or a video, made once when a job is recorded or finishes,
so the gallery only reads files."""

from __future__ import annotations

from pathlib import Path

from lib.errors import MediaUnreadable, MotionStudioError
from lib.files.atomic import atomic_write
from lib.files.digest import content_digest
from lib.media.ffmpeg import run_ffmpeg
from lib.media.pictures import open_upright
from lib.media.preflight import MAX_PIXELS
from lib.media.probe import ImageFacts, VideoFacts, probe


def thumbnail(path: Path | str, out_dir: Path | str | None = None, size: int = 320) -> Path:
    """A small JPEG still for the gallery: a video's middle frame, or the image itself,
    upright and at most `size` px a side. Made once per content, in `out_dir` (default: a `thumbnails`
    folder beside the file). Raises `MediaUnreadable` for a file that is not a readable image or video."""
    path = Path(path)
    out_dir = Path(out_dir) if out_dir else path.parent / "thumbnails"
    facts = probe(path)
    # "mid": stills made before were taken at 1 s; a new name keeps them from standing in for the middle.
    out = out_dir / f"thumb-{content_digest(path)[:24]}-{size}-mid.jpg"
    if out.exists():
        return out
    if isinstance(facts, ImageFacts):
        if facts.width * facts.height > MAX_PIXELS:
            raise MediaUnreadable(f"the image has more than {MAX_PIXELS / 1e6:.0f} megapixels")
        still = open_upright(path, draft=(size, size))
        still.thumbnail((size, size))
        with atomic_write(out) as partial:
            still.save(partial, "JPEG", quality=85)
    elif isinstance(facts, VideoFacts):
        # The middle, not the start: a motion-control result opens on the character image itself, so
        # first frames of different takes look alike; halfway through, each take shows its own moves.
        at = (facts.duration or 0) / 2
        with atomic_write(out) as partial:
            run_ffmpeg(
                [
                    "-ss",
                    f"{at:.3f}",
                    "-i",
                    str(path),
                    "-frames:v",
                    "1",
                    "-vf",
                    f"scale={size}:{size}:force_original_aspect_ratio=decrease",
                    "-q:v",
                    "4",
                    "-f",
                    "mjpeg",
                    str(partial),
                ],
                None,
                None,
                failure=MediaUnreadable,
            )
    else:
        raise MediaUnreadable("it holds sound with no picture")
    return out


def poster_for(path: Path | str | None) -> str | None:
    """A still of this image or video beside it (in `thumbnails/`); None if it cannot be made.

    A job is never held up or failed for want of a picture in the gallery.
    """
    if path is None:
        return None
    try:
        return str(thumbnail(Path(path)))
    except MotionStudioError:
        return None
