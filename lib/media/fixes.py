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
import math
from pathlib import Path

from PIL import ImageFilter, ImageOps, ImageStat

from lib.errors import FixFailed
from lib.files.atomic import atomic_write
from lib.files.digest import content_digest
from lib.media.ffmpeg import ProgressCallback, run_ffmpeg
from lib.media.image_formats import Image
from lib.media.layout import Fit, layout
from lib.media.pictures import open_upright
from lib.media.preflight import Code, Report, check_image, check_video
from lib.media.probe import VideoFacts, probe
from lib.novita.rules import DEFAULT_MODEL, MAX_BYTES, MIN_SIDE, Model

# 95% of 10 MiB is still under 10,000,000 bytes, so the output passes whichever megabyte the service means.
BUDGET_BYTES = int(MAX_BYTES * 0.95)
AUDIO_BITRATE = 128_000
# x264 may spend up to one buffer (this many seconds at the target rate) beyond rate x duration;
# reserving it is what makes one pass land under the cap.
VBV_SECONDS = 1.0
CONTAINER_OVERHEAD = 0.01
# Pixels past 1080p cost encode time and, within 10 MB, bits that are better spent on quality.
MAX_LONG_SIDE = 1920
X264_PRESET = "fast"
# Part of every output name: change it when the recipe changes, so old outputs are not reused.
RECIPE = "1"


def fix_image(
    path: Path | str,
    out_dir: Path | str,
    fit: Fit = Fit.SOLID,
    on_progress: ProgressCallback | None = None,
    model: Model = DEFAULT_MODEL,
) -> Path:
    """Make a character image that passes `check_image` for `model` (Kling 2.6 Pro unless told): JPEG, at
    least 300 px a side, within the aspect bounds (padded with the edge colour, a blurred fill, or
    cropped), under 10 MB. Every model has the same image rules today, so the output is the same for each.

    Returns `path` itself, untouched, when it already passes. EXIF rotation is applied and transparency
    is flattened onto the fill. Raises `FixFailed` for a file that cannot be opened or is too large to.

        fix_image(Path("wide.png"), Path("data/fixed"))   # data/fixed/fixed-<hash>.jpg
    """
    path, out_dir = Path(path), Path(out_dir)
    report = check_image(path, model)
    if report.ok:
        return path
    _refuse_unreadable(report)
    out = out_dir / f"fixed-{_recipe_hash(path, 'image', fit)}.jpg"
    if not out.exists():
        _save_under_budget(_fit_picture(open_upright(path), fit), out)
    if on_progress:
        on_progress(1.0)
    return out


def fix_video(
    path: Path | str,
    out_dir: Path | str,
    orientation: str,
    start: float = 0.0,
    fit: Fit = Fit.SOLID,
    loop_short: bool = False,
    on_progress: ProgressCallback | None = None,
    model: Model = DEFAULT_MODEL,
) -> Path:
    """Make a motion video that passes `check_video` for `orientation` and `model` (Kling 2.6 Pro unless
    told), in one ffmpeg pass.

    The output is H.264/AAC MP4 with faststart, from `start` up to the model's cap for the orientation
    (10 s or 30 s),
    upright, at least 300 px a side, padded (`Fit.SOLID`: black bars, `Fit.BLUR`) or cropped into the
    aspect bounds, scaled down past 1080p, with the audio kept. The video bitrate comes from the duration
    so the file lands just under 10 MB when the source is bigger than that; a smaller source keeps its
    own bitrate. A clip shorter than 3 s raises `FixFailed` unless `loop_short` loops it to 3 s.
    `on_progress(fraction)` is called as ffmpeg reports, ending with 1.0.

    Returns `path` itself, untouched, when it already passes and `start` is 0.

        fix_video(Path("dance.mov"), Path("data/fixed"), "image", start=2.5)   # data/fixed/fixed-<hash>.mp4
    """
    path, out_dir = Path(path), Path(out_dir)
    report = check_video(path, orientation, keep_original_sound=False, model=model)
    if report.ok and start == 0:
        return path
    _refuse_unreadable(report)
    facts = probe(path)
    if not isinstance(facts, VideoFacts) or facts.duration is None:
        raise FixFailed(report.problems[0].message)
    cap = model.max_video_seconds(orientation)
    seconds = _output_seconds(facts.duration, facts.fps, start, cap, model.min_seconds, loop_short)
    # The model's limits, not its name, shape the output: models with the same limits share one file, and
    # 2.6 Pro's add nothing to the name, so files fixed before there were models are found again.
    limits = _limits(model, orientation)
    extra = () if limits == _limits(DEFAULT_MODEL, orientation) else limits
    out = out_dir / f"fixed-{_recipe_hash(path, orientation, start, fit, loop_short, *extra)}.mp4"
    if not out.exists():
        with atomic_write(out) as partial:
            run_ffmpeg(_video_command(path, facts, start, seconds, fit, loop_short, partial), seconds, on_progress)
            after = check_video(partial, orientation, keep_original_sound=False, model=model)
            if not after.ok:
                raise FixFailed(after.problems[0].message)
    if on_progress:
        on_progress(1.0)
    return out


def _refuse_unreadable(report: Report) -> None:
    for problem in report.problems:
        if problem.code == Code.UNREADABLE:
            raise FixFailed(problem.message)


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


def _output_seconds(
    duration: float, fps: float | None, start: float, cap: float, shortest: float, loop_short: bool
) -> float:
    if not 0 <= start < duration:
        raise FixFailed(f"the start, {start:g} s, is not inside the {duration:.1f} s clip")
    if duration - start > cap:
        # A clip cut at exactly `cap` seconds keeps a frame starting just before it, which ends past the
        # cap at 29.97 fps: cut at the last whole frame instead.
        return math.floor(cap * fps + 1e-6) / fps - 0.001 if fps else cap
    seconds = duration - start
    if seconds >= shortest:
        return seconds
    if loop_short:
        return shortest
    raise FixFailed(
        f"the clip is {seconds:.1f} s long from the start chosen and must be at least {shortest:g} s; "
        "loop it to make it long enough"
    )


def _video_bitrate(facts: VideoFacts, seconds: float) -> int:
    """Bits per second for the picture: the 10 MB budget spread over the output, or the source's own
    rate when that is lower and the source already fits (more bits cannot add detail it lacks)."""
    audio = AUDIO_BITRATE if facts.has_audio else 0
    budget_bits = BUDGET_BYTES * 8 * (1 - CONTAINER_OVERHEAD) - audio * seconds
    rate = budget_bits / (seconds + VBV_SECONDS)
    if facts.size_bytes <= MAX_BYTES and facts.duration:
        rate = min(rate, facts.size_bytes * 8 / facts.duration - audio)
    return max(int(rate), 100_000)


def _video_command(
    path: Path, facts: VideoFacts, start: float, seconds: float, fit: Fit, loop_short: bool, out: Path
) -> list[str]:
    plan = layout(facts.width, facts.height, fit, even=True, max_long_side=MAX_LONG_SIDE)
    (content_w, content_h), (canvas_w, canvas_h) = plan.content, plan.canvas
    scale = f"scale={content_w}:{content_h},setsar=1"
    if fit == Fit.CROP:
        graph = f"[0:v:0]{scale},crop={canvas_w}:{canvas_h},format=yuv420p[v]"
    elif fit == Fit.BLUR and plan.content != plan.canvas:
        graph = (
            f"[0:v:0]{scale},split[fg][bg];[bg]scale={canvas_w}:{canvas_h}:force_original_aspect_ratio=increase,"
            f"crop={canvas_w}:{canvas_h},boxblur=20:2[blurred];"
            f"[blurred][fg]overlay=(W-w)/2:(H-h)/2,format=yuv420p[v]"
        )
    else:
        graph = f"[0:v:0]{scale},pad={canvas_w}:{canvas_h}:(ow-iw)/2:(oh-ih)/2:black,format=yuv420p[v]"
    rate = _video_bitrate(facts, seconds)
    command = ["-ss", f"{start:.3f}"] + (["-stream_loop", "-1"] if loop_short else []) + ["-i", str(path)]
    command += [
        "-t",
        f"{seconds:.3f}",
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-c:v",
        "libx264",
        "-preset",
        X264_PRESET,
        "-b:v",
        str(rate),
        "-maxrate",
        str(rate),
        "-bufsize",
        str(int(rate * VBV_SECONDS)),
        "-profile:v",
        "high",
    ]
    if facts.has_audio:
        # Seeking the input starts the sound a few packets early, so `-t` let it run about 8 ms past the
        # picture: a 10.008 s file that a service measuring the whole file refuses. Resampling from
        # time 0 cuts the sound where the picture starts.
        command += ["-map", "0:a:0", "-af", "aresample=async=1:first_pts=0", "-c:a", "aac", "-b:a", str(AUDIO_BITRATE)]
    return command + ["-movflags", "+faststart", "-f", "mp4", str(out)]
