"""What "Fix it" will do, worked out before the click: plain steps with numbers, and the same numbers
make the ffmpeg command (videos) or the picture (images), so what the page says is what the fix does.

    plan = plan_video(Path("dance.mov"), "image", start=20.0, fit=Fit.BLUR)
    plan.steps   # ("keep 0:20–0:30 of the 0:45 clip", "scale to 1080 x 1920", "re-encode to about 8.4 MB")
    plan.command(Path("out.mp4"))   # the ffmpeg arguments that do exactly that
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from pathlib import Path

from lib.errors import FixFailed
from lib.media.layout import Fit, Layout, layout
from lib.media.pictures import open_upright
from lib.media.preflight import Code, Report, check_image, check_video
from lib.media.probe import VideoFacts, probe
from lib.novita.rules import DEFAULT_MODEL, MAX_BYTES, MB, Model

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
# The `loop` filter holds the frames it repeats; a clip under the model's shortest length has few.
MAX_LOOPED_FRAMES = 32767


class ShortClip(StrEnum):
    """How a clip shorter than the model's shortest length is made long enough."""

    LOOP = "loop"
    SLOW = "slow"
    PING_PONG = "ping-pong"


FIT_WORDS = {
    Fit.BLUR: "Pad with a blurred background",
    Fit.SOLID: "Pad with a colour",
    Fit.CROP: "Crop",
}
SHORT_WORDS = {
    ShortClip.LOOP: "Loop",
    ShortClip.SLOW: "Slow down",
    ShortClip.PING_PONG: "Ping-pong (forward, then backward)",
}


@dataclass(frozen=True)
class ImagePlan:
    """How a character image is fixed; `steps` is empty when it already passes."""

    fit: Fit
    layout: Layout
    source_size: tuple[int, int]
    steps: tuple[str, ...]


@dataclass(frozen=True)
class VideoPlan:
    """How a motion video is fixed in one ffmpeg pass; `steps` is empty when it already passes."""

    facts: VideoFacts
    start: float
    seconds: float
    fit: Fit
    short: ShortClip | None  # the choice as applied: None when the clip is long enough
    layout: Layout
    bitrate: int
    steps: tuple[str, ...]

    @property
    def keeps_sound(self) -> bool:
        # Sound played backwards is noise, so a ping-pong clip is silent.
        return self.facts.has_audio and self.short is not ShortClip.PING_PONG

    @property
    def estimated_bytes(self) -> int:
        audio = AUDIO_BITRATE if self.keeps_sound else 0
        return int((self.bitrate + audio) * self.seconds / 8 * (1 + CONTAINER_OVERHEAD))

    @property
    def source_seconds(self) -> float:
        """How much of the source the output uses, from `start`."""
        return min(self.seconds, (self.facts.duration or 0) - self.start)

    def command(self, out: Path, source: Path) -> list[str]:
        """The ffmpeg arguments that make this plan's output from `source` into `out`."""
        (content_w, content_h), (canvas_w, canvas_h) = self.layout.content, self.layout.canvas
        head = "[0:v:0]"
        if self.short is ShortClip.SLOW:
            # Frames at the source's rate, each shown longer; the last one is held so the clip does not end
            # one stretched frame short.
            head += (
                f"setpts={self._slowdown():.6f}*PTS,fps={self.facts.fps or 30:g},tpad=stop_mode=clone:stop_duration=1,"
            )
        elif self.short is ShortClip.PING_PONG:
            frames = math.ceil((self.facts.fps or 30) * self.source_seconds * 2)
            repeats = max(0, math.ceil(self.seconds / (2 * self.source_seconds)) - 1)
            head = (
                f"[0:v:0]split[forward][back];[back]reverse[backward];[forward][backward]concat=n=2:v=1:a=0,"
                f"loop=loop={repeats}:size={min(frames, MAX_LOOPED_FRAMES)}:start=0,setpts=N/FRAME_RATE/TB,"
            )
        scale = f"{head}scale={content_w}:{content_h},setsar=1"
        if self.fit == Fit.CROP:
            graph = f"{scale},crop={canvas_w}:{canvas_h},format=yuv420p[v]"
        elif self.fit == Fit.BLUR and self.layout.content != self.layout.canvas:
            graph = (
                f"{scale},split[fg][bg];[bg]scale={canvas_w}:{canvas_h}:force_original_aspect_ratio=increase,"
                f"crop={canvas_w}:{canvas_h},boxblur=20:2[blurred];"
                f"[blurred][fg]overlay=(W-w)/2:(H-h)/2,format=yuv420p[v]"
            )
        else:
            graph = f"{scale},pad={canvas_w}:{canvas_h}:(ow-iw)/2:(oh-ih)/2:black,format=yuv420p[v]"
        looping = ["-stream_loop", "-1"] if self.short is ShortClip.LOOP else []
        rate = str(self.bitrate)
        command = ["-ss", f"{self.start:.3f}", *looping, "-i", str(source), "-t", f"{self.seconds:.3f}"]
        command += ["-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", X264_PRESET]
        command += ["-b:v", rate, "-maxrate", rate, "-bufsize", str(int(self.bitrate * VBV_SECONDS))]
        command += ["-profile:v", "high"]
        if self.keeps_sound:
            # Seeking the input starts the sound a few packets early, so `-t` let it run about 8 ms past the
            # picture: a 10.008 s file that a service measuring the whole file refuses. Resampling from
            # time 0 cuts the sound where the picture starts.
            sound = "aresample=async=1:first_pts=0"
            if self.short is ShortClip.SLOW:
                sound = f"{_atempo(1 / self._slowdown())},{sound}"
            command += ["-map", "0:a:0", "-af", sound, "-c:a", "aac", "-b:a", str(AUDIO_BITRATE)]
        return command + ["-movflags", "+faststart", "-f", "mp4", str(out)]

    def _slowdown(self) -> float:
        return self.seconds / self.source_seconds


def plan_image(path: Path | str, fit: Fit = Fit.SOLID, model: Model = DEFAULT_MODEL) -> ImagePlan:
    """The fix of a character image for `model`, in steps; raises `FixFailed` for one that cannot be read."""
    report = check_image(Path(path), model)
    _refuse_unreadable(report)
    with open_upright(Path(path)) as picture:
        size = picture.size
    plan = layout(size[0], size[1], fit)
    if report.ok:
        return ImagePlan(fit, plan, size, ())
    steps = _shape_steps(size, plan, fit, "the edge colour") + ["save as JPEG under 10 MB"]
    return ImagePlan(fit, plan, size, tuple(steps))


def plan_video(
    path: Path | str,
    orientation: str,
    start: float = 0.0,
    fit: Fit = Fit.SOLID,
    short: ShortClip | None = None,
    model: Model = DEFAULT_MODEL,
) -> VideoPlan:
    """The fix of a motion video for `orientation` and `model`, in steps and as one ffmpeg command.

    A clip shorter than the model's shortest length raises `FixFailed` unless `short` says how to
    lengthen it; one that cannot be read raises `FixFailed` with preflight's words.
    """
    path = Path(path)
    report = check_video(path, orientation, keep_original_sound=False, model=model)
    _refuse_unreadable(report)
    facts = probe(path)
    if not isinstance(facts, VideoFacts) or facts.duration is None:
        raise FixFailed(report.problems[0].message)
    cap = model.max_video_seconds(orientation)
    seconds = _output_seconds(facts.duration, facts.fps, start, cap, model.min_seconds, short is not None)
    applied = short if facts.duration - start < model.min_seconds else None
    plan = layout(facts.width, facts.height, fit, even=True, max_long_side=MAX_LONG_SIDE)
    bitrate = _video_bitrate(facts, seconds, keeps_sound=facts.has_audio and applied is not ShortClip.PING_PONG)
    draft = VideoPlan(facts, start, seconds, fit, applied, plan, bitrate, ())
    if report.ok and start == 0:
        return draft
    steps: list[str] = []
    if start > 0 or facts.duration - start > seconds + 0.01:
        end = start + draft.source_seconds
        steps.append(f"keep {clock(start)}–{clock(end)} of the {clock(facts.duration)} clip")
    if applied is ShortClip.LOOP:
        steps.append(f"loop the {draft.source_seconds:.1f} s clip to {seconds:g} s")
    elif applied is ShortClip.SLOW:
        steps.append(f"slow it down to {seconds:g} s ({1 / draft._slowdown():.2f}x speed)")
    elif applied is ShortClip.PING_PONG:
        steps.append(f"play it forward, then backward, to {seconds:g} s, without sound")
    steps += _shape_steps((facts.width, facts.height), plan, fit, "black")
    steps.append(f"re-encode to H.264 at about {draft.estimated_bytes / MB:.1f} MB")
    return VideoPlan(facts, start, seconds, fit, applied, plan, bitrate, tuple(steps))


def latest_start(duration: float, longest: float) -> float:
    """The latest start a trim of `longest` seconds can choose in a `duration` s clip, in tenths.

    Rounded down, so the part kept never runs past the clip's end. 0.0 means there is nothing to
    choose: a phone clip "of 10 s" often runs 10.03 s, and only its tail is cut.
    ``latest_start(14, 10) == 4.0``; ``latest_start(10.03, 10) == 0.0``.
    """
    return max(0.0, math.floor((duration - longest) * 10 + 1e-6) / 10)


def clock(seconds: float) -> str:
    """0:20 for 20 s, 1:05.5 for 65.5 s: how a player shows a time."""
    whole, tenths = divmod(round(seconds * 10), 10)
    minutes, rest = divmod(whole, 60)
    return f"{minutes}:{rest:02d}" + (f".{tenths}" if tenths else "")


def _shape_steps(size: tuple[int, int], plan: Layout, fit: Fit, colour: str) -> list[str]:
    steps = []
    if plan.content != size:
        steps.append(f"scale {size[0]} x {size[1]} to {plan.content[0]} x {plan.content[1]}")
    if plan.canvas != plan.content:
        shape = f"{plan.canvas[0]} x {plan.canvas[1]} ({_ratio(*plan.canvas)})"
        if fit == Fit.CROP:
            steps.append(f"crop to {shape}, keeping the middle")
        else:
            fill = "a blurred background" if fit == Fit.BLUR else colour
            steps.append(f"pad to {shape} with {fill}")
    return steps


def _ratio(width: int, height: int) -> str:
    if width >= height:
        return f"{float(Fraction(width, height)):.2g}:1"
    return f"1:{float(Fraction(height, width)):.2g}"


def _refuse_unreadable(report: Report) -> None:
    for problem in report.problems:
        if problem.code == Code.UNREADABLE:
            raise FixFailed(problem.message)


def _output_seconds(
    duration: float, fps: float | None, start: float, cap: float, shortest: float, lengthen: bool
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
    if lengthen:
        return shortest
    raise FixFailed(
        f"the clip is {seconds:.1f} s long from the start chosen and must be at least {shortest:g} s; "
        "loop it, slow it down or ping-pong it to make it long enough"
    )


def _video_bitrate(facts: VideoFacts, seconds: float, keeps_sound: bool) -> int:
    """Bits per second for the picture: the 10 MB budget spread over the output, or the source's own
    rate when that is lower and the source already fits (more bits cannot add detail it lacks)."""
    audio = AUDIO_BITRATE if keeps_sound else 0
    budget_bits = BUDGET_BYTES * 8 * (1 - CONTAINER_OVERHEAD) - audio * seconds
    rate = budget_bits / (seconds + VBV_SECONDS)
    if facts.size_bytes <= MAX_BYTES and facts.duration:
        rate = min(rate, facts.size_bytes * 8 / facts.duration - audio)
    return max(int(rate), 100_000)


def _atempo(speed: float) -> str:
    """An atempo chain for `speed`: one atempo filter takes 0.5 to 2."""
    parts = []
    while speed < 0.5:
        parts.append("atempo=0.5")
        speed /= 0.5
    return ",".join([*parts, f"atempo={speed:.6f}"])
