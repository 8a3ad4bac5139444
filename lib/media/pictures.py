"""Opening a picture as a person sees it: upright, in RGB, with any transparency laid on white."""

from __future__ import annotations

from pathlib import Path

from PIL import ImageOps

from lib.media.image_formats import Image


def open_upright(path: Path, draft: tuple[int, int] | None = None) -> Image.Image:
    """The picture in `path`, EXIF rotation applied and flattened to RGB (JPEG has no alpha).

    `draft` lets a JPEG decode at a reduced size close to it, for a thumbnail.
    """
    with Image.open(path) as source:
        if draft:
            source.draft("RGB", draft)
        return _flatten(ImageOps.exif_transpose(source))


def _flatten(picture: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white: JPEG has no alpha."""
    if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return picture.convert("RGB")
