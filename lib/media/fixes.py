"""One-click fixes that turn an input breaking a rule into one that passes preflight.

Videos go straight to the ffmpeg binary that imageio-ffmpeg ships: it is faster than moviepy for the
same edit on two cores and, unlike moviepy 2.2.1 with ffmpeg 9, it applies a phone clip's display
rotation, so the output stays upright. Outputs are named by a hash of the input's content and the fix
settings, so asking for the same fix twice returns the file made the first time.

    fixed = fix_video(Path("dance.mov"), Path("data/fixed"), "image", on_progress=print)
    # prints fractions as ffmpeg reports them, 0.12 ... 1.0; returns data/fixed/fixed-<hash>.mp4
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from PIL import ImageFilter, ImageOps, ImageStat

from lib.errors import FixFailed
from lib.files.atomic import atomic_write
from lib.files.digest import content_digest
from lib.media.ffmpeg import ProgressCallback, run_ffmpeg
from lib.media.fix_plan import BUDGET_BYTES, ShortClip, plan_image, plan_video
from lib.media.image_formats import Image
from lib.media.layout import Fit, layout
from lib.media.pictures import open_upright
from lib.media.preflight import check_video
from lib.novita.rules import DEFAULT_MODEL, MIN_SIDE, Model

# Part of every output name: change it when the recipe changes, so old outputs are not reused.
RECIPE = "2"


def fix_image(
    path: Path | str,
    out_dir: Path | str,
    fit: Fit = Fit.SOLID,
    on_progress: ProgressCallback | None = None,
    model: Model = DEFAULT_MODEL,
) -> Path:
    """Make a character image that passes `check_image` for `model` (Kling 2.6 Pro unless told): JPEG, at
    least 300 px a side, within the aspect bounds (padded with the edge colour, a blurred fill, or
    cropped), under 10 MB, as `plan_image` says. Every model has the same image rules today, so the
    output is the same for each.

    Returns `path` itself, untouched, when it already passes. EXIF rotation is applied and transparency
    is flattened onto the fill. Raises `FixFailed` for a file that cannot be opened or is too large to.
    `on_progress` hears each stage end (open, fit, save), so a bar moves during a long fix.

        fix_image(Path("wide.png"), Path("data/fixed"))   # data/fixed/fixed-<hash>.jpg
    """
    path, out_dir = Path(path), Path(out_dir)
    plan = plan_image(path, fit, model)
    if not plan.steps:
        return path
    out = out_dir / f"fixed-{_recipe_hash(path, 'image', fit)}.jpg"
    if not out.exists():
        picture = open_upright(path)
        if on_progress:
            on_progress(0.3)
        fitted = _fit_picture(picture, fit)
        if on_progress:
            on_progress(0.6)
        _save_under_budget(fitted, out)
    if on_progress:
        on_progress(1.0)
    return out


def fix_video(
    path: Path | str,
    out_dir: Path | str,
    orientation: str,
    start: float = 0.0,
    fit: Fit = Fit.SOLID,
    short: ShortClip | None = None,
    on_progress: ProgressCallback | None = None,
    model: Model = DEFAULT_MODEL,
) -> Path:
    """Make a motion video that passes `check_video` for `orientation` and `model` (Kling 2.6 Pro unless
    told), in one ffmpeg pass made by `plan_video`, so it does what the plan says.

    The output is H.264/AAC MP4 with faststart, from `start` up to the model's cap for the orientation
    (10 s or 30 s), upright, at least 300 px a side, padded (`Fit.SOLID`: black bars, `Fit.BLUR`) or
    cropped into the aspect bounds, scaled down past 1080p, with the audio kept. The video bitrate comes
    from the duration so the file lands just under 10 MB when the source is bigger than that; a smaller
    source keeps its own bitrate. A clip shorter than 3 s raises `FixFailed` unless `short` says how to
    lengthen it (loop, slow down, ping-pong). `on_progress(fraction)` is called as ffmpeg reports,
    ending with 1.0.

    Returns `path` itself, untouched, when it already passes and `start` is 0.

        fix_video(Path("dance.mov"), Path("data/fixed"), "image", start=2.5)   # data/fixed/fixed-<hash>.mp4
    """
    path, out_dir = Path(path), Path(out_dir)
    plan = plan_video(path, orientation, start, fit, short, model)
    if not plan.steps:
        return path
    # The model's limits, not its name, shape the output: models with the same limits share one file.
    limits = _limits(model, orientation)
    extra = () if limits == _limits(DEFAULT_MODEL, orientation) else limits
    out = out_dir / f"fixed-{_recipe_hash(path, orientation, start, fit, plan.short, *extra)}.mp4"
    if not out.exists():
        with atomic_write(out) as partial:
            run_ffmpeg(plan.command(partial, path), plan.seconds, on_progress)
            after = check_video(partial, orientation, keep_original_sound=False, model=model)
            if not after.ok:
                raise FixFailed(after.problems[0].message)
    if on_progress:
        on_progress(1.0)
    return out


def _recipe_hash(path: Path, *settings: object) -> str:
    recipe = json.dumps([content_digest(path), RECIPE, *[str(setting) for setting in settings]])
    return hashlib.sha256(recipe.encode()).hexdigest()[:24]


def _limits(model: Model, orientation: str) -> tuple[float, ...]:
    return (model.max_video_seconds(orientation), model.min_seconds, model.max_bytes, model.min_side, model.max_aspect)


def _fit_picture(picture: Image.Image, fit: Fit) -> Image.Image:
    plan = layout(*picture.size, fit)
    content = picture.resize(plan.content, Image.Resampling.LANCZOS) if plan.content != picture.size else picture
    if fit == Fit.CROP:
        return ImageOps.fit(content, plan.canvas, Image.Resampling.LANCZOS)
    if plan.canvas == plan.content:
        return content
    if fit == Fit.BLUR:
        canvas = ImageOps.fit(content, plan.canvas).filter(ImageFilter.GaussianBlur(max(plan.canvas) / 30))
    else:
        canvas = Image.new("RGB", plan.canvas, _edge_colour(content))
    canvas.paste(content, ((plan.canvas[0] - plan.content[0]) // 2, (plan.canvas[1] - plan.content[1]) // 2))
    return canvas


def _edge_colour(picture: Image.Image) -> tuple[int, ...]:
    """The mean colour of the outermost pixels, so padding continues the background."""
    width, height = picture.size
    edges = [
        picture.crop(box)
        for box in ((0, 0, width, 1), (0, height - 1, width, height), (0, 0, 1, height), (width - 1, 0, width, height))
    ]
    means = [ImageStat.Stat(edge).mean for edge in edges]
    return tuple(round(sum(channel) / len(means)) for channel in zip(*means, strict=True))


def _save_under_budget(picture: Image.Image, out: Path) -> None:
    """Save as JPEG, lowering quality and then size until the file fits the budget."""
    with atomic_write(out) as partial:
        for quality in (92, 85, 75):
            picture.save(partial, "JPEG", quality=quality, optimize=True)
            if partial.stat().st_size <= BUDGET_BYTES:
                return
        while partial.stat().st_size > BUDGET_BYTES:
            smaller = [max(MIN_SIDE, round(side * 0.8)) for side in picture.size]
            if smaller == list(picture.size):
                raise FixFailed("the image stays over 10 MB even at the smallest allowed size")
            picture = picture.resize(smaller, Image.Resampling.LANCZOS)
            picture.save(partial, "JPEG", quality=75, optimize=True)
