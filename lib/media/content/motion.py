"""How the clip moves: the camera (pan and zoom), the person (still or very fast), and black or frozen ends.

The camera's motion is what most of the picture does between two looks: phase correlation finds a
shift of the whole frame, and a similarity fitted to matched corners (RANSAC keeps the background,
not a dancer crossing it) finds its change of scale.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from lib.media.content.advice import AdviceCode, Finding
from lib.media.content.frames import Frames
from lib.media.fix_plan import clock

PAN_SHARE = 0.15  # of the frame's width or height, in all
ZOOM_CHANGE = 0.15  # in size, in all
STEADY = 0.6  # net move over the path walked: a camera going one way, not shaking
STILL_LEVEL = 2.0  # mean grey-level change between two looks a fifth of a second apart, camera set aside
STILL_SHARE = 0.85
FAST_PIXELS = 0.2  # share of the picture changing by more than FAST_LEVEL between looks
FAST_LEVEL = 40
FAST_SHARE = 0.5  # of the looks
BLACK_LEVEL = 20
FROZEN_SECONDS = 1.0
MIN_MATCHES = 12
WEAK_PEAK = 0.1


def camera_motion(frames: Frames, cuts: list[float]) -> list[Finding]:
    """A pan or a zoom of the camera, with its direction and size; nothing when the camera holds still."""
    grey = frames.grey
    height, width = grey[0].shape if grey else (0, 0)
    steps = [shift for shift in _shifts(frames, cuts) if shift is not None]
    found = []
    dx, dy = sum(step[0] for step in steps), sum(step[1] for step in steps)
    path = sum(math.hypot(step[0], step[1]) for step in steps)
    share = max(abs(dx) / width, abs(dy) / height) if steps else 0.0
    if share >= PAN_SHARE and math.hypot(dx, dy) >= STEADY * path:
        # The picture moving left means the camera turning right.
        across = abs(dx) / width >= abs(dy) / height
        direction = ("right" if dx < 0 else "left") if across else ("down" if dy < 0 else "up")
        found.append(
            Finding(
                AdviceCode.CAMERA_MOTION,
                f"The camera pans {direction} by about {share:.0%} of the frame. Kling follows the person's moves, "
                "not the camera's: a clip filmed from a fixed camera works best.",
                min(0.95, 0.5 + share),
                frames.times[len(frames.times) // 2],
                frames.pictures[len(frames.pictures) // 2],
            )
        )
    # Scale is measured a second apart: small per-look errors would pile up over many looks.
    stride = max(1, round(frames.fps))
    scales = [
        _scale(grey[index], grey[index + stride])
        for index in range(0, len(grey) - stride, stride)
        if not _crosses_cut(frames.times[index], frames.times[index + stride], cuts)
        and not _black(grey[index])
        and not _black(grey[index + stride])
    ]
    changes = [math.log(scale) for scale in scales]
    total = sum(changes)
    steady = abs(total) >= STEADY * sum(abs(change) for change in changes) if changes else False
    if abs(total) >= math.log(1 + ZOOM_CHANGE) and steady:
        scale = math.exp(total)
        way = "in" if scale > 1 else "out"
        found.append(
            Finding(
                AdviceCode.CAMERA_MOTION,
                f"The camera zooms {way}: the picture grows {max(scale, 1 / scale):.1f}x. The character would change "
                "size with it; a clip with a fixed framing works best.",
                min(0.95, 0.5 + abs(total)),
                frames.times[-1],
                frames.pictures[-1],
            )
        )
    return found


def movement(frames: Frames, cuts: list[float], camera_moves: bool) -> list[Finding]:
    """A clip that barely moves, or moves faster than a take can follow (the camera's own motion set aside).

    A pan over a still scene is advice about the camera, not a still clip, so `camera_moves` silences "still".
    """
    grey = frames.grey
    shifts = _shifts(frames, cuts)
    pairs = [
        _aligned_difference(grey[index], grey[index + 1], shift)
        for index, shift in enumerate(shifts)
        if shift is not None
    ]
    pairs = [diff for diff in pairs if diff.size]
    if len(pairs) < 3:
        return []
    levels = np.array([float(diff.mean()) for diff in pairs])
    fast = np.array([float((diff > FAST_LEVEL).mean()) for diff in pairs])
    middle = frames.pictures[len(frames.pictures) // 2]
    if (levels < STILL_LEVEL).mean() >= STILL_SHARE and not camera_moves:
        return [
            Finding(
                AdviceCode.STILL,
                "The clip is mostly still: there is little motion for the character to copy.",
                float(min(0.95, (levels < STILL_LEVEL).mean())),
                None,
                middle,
            )
        ]
    if (fast > FAST_PIXELS).mean() >= FAST_SHARE:
        worst = int(fast.argmax())
        return [
            Finding(
                AdviceCode.FAST_MOTION,
                "The motion is very fast: much of the picture changes between frames, which often comes out "
                "blurred or broken. A slower take works better.",
                float(min(0.9, 0.4 + (fast > FAST_PIXELS).mean() / 2)),
                frames.times[worst + 1],
                frames.pictures[worst + 1],
            )
        ]
    return []


def black_and_frozen_ends(frames: Frames, still_all_through: bool) -> list[Finding]:
    """Black or frozen stretches at the start or the end, which the take would copy as they are."""
    grey = frames.grey
    if not grey:
        return []
    black = [_black(picture) for picture in grey]
    found = []
    if all(black):
        return [Finding(AdviceCode.BLACK_FRAMES, "The clip is black all through.", 0.95, None, frames.pictures[0])]
    lead = _run_length(black)
    tail = _run_length(black[::-1])
    step = 1 / frames.fps
    if lead:
        found.append(
            Finding(
                AdviceCode.BLACK_FRAMES,
                f"The clip opens on {lead * step:.1f} s of black. Trim it so the take starts on the person.",
                0.9,
                0.0,
                frames.pictures[lead],
            )
        )
    if tail:
        at = frames.times[-tail]
        found.append(
            Finding(
                AdviceCode.BLACK_FRAMES,
                f"The clip ends on black from {clock(at)}. Trim it so the take ends on the person.",
                0.9,
                at,
                frames.pictures[-tail - 1],
            )
        )
    moving = [float(cv2.absdiff(a, b).mean()) >= STILL_LEVEL for a, b in zip(grey, grey[1:], strict=False)]
    if still_all_through:
        return found  # advice of its own, not two frozen ends
    frozen_lead, frozen_tail = _run_length([not m for m in moving]), _run_length([not m for m in moving[::-1]])
    if lead == 0 and frozen_lead * step >= FROZEN_SECONDS and any(moving):
        found.append(
            Finding(
                AdviceCode.STILL,
                f"The picture is frozen for the first {frozen_lead * step:.1f} s. Trim it so the take starts moving.",
                0.8,
                0.0,
                frames.pictures[0],
            )
        )
    if tail == 0 and frozen_tail * step >= FROZEN_SECONDS and any(moving):
        at = frames.times[-frozen_tail - 1]
        found.append(
            Finding(
                AdviceCode.STILL,
                f"The picture is frozen from {clock(at)} to the end. Trim it so the take ends moving.",
                0.8,
                at,
                frames.pictures[-1],
            )
        )
    return found


def _shifts(frames: Frames, cuts: list[float]) -> list[tuple[float, float] | None]:
    """How the whole picture moved from each look to the next, in px; None across a cut, on black, or
    where no shift explains the change (a weak phase-correlation peak)."""
    grey = [picture.astype(np.float32) for picture in frames.grey]
    shifts: list[tuple[float, float] | None] = []
    for index, (before, after) in enumerate(zip(grey, grey[1:], strict=False)):
        if _crosses_cut(frames.times[index], frames.times[index + 1], cuts) or _black(before) or _black(after):
            shifts.append(None)
            continue
        (dx, dy), peak = cv2.phaseCorrelate(before, after)
        shifts.append((dx, dy) if peak >= WEAK_PEAK else None)
    return shifts


def _aligned_difference(before: np.ndarray, after: np.ndarray, shift: tuple[float, float]) -> np.ndarray:
    """How much each pixel changed once the camera's shift is undone, inside the part both looks show."""
    dx, dy = shift
    back = np.array([[1, 0, -dx], [0, 1, -dy]], dtype=np.float32)
    moved = cv2.warpAffine(after, back, (after.shape[1], after.shape[0]))
    x, y = int(abs(dx)) + 2, int(abs(dy)) + 2
    return cv2.absdiff(before, moved)[y : before.shape[0] - y, x : before.shape[1] - x]


def _black(picture: np.ndarray) -> bool:
    return float(picture.mean()) < BLACK_LEVEL and float(picture.std()) < BLACK_LEVEL


def _scale(before: np.ndarray, after: np.ndarray) -> float:
    # A detector per call: OpenCV's objects are not to be shared between the page's threads.
    orb, matcher = cv2.ORB.create(nfeatures=400), cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
    points_before, marks_before = orb.detectAndCompute(before, None)
    points_after, marks_after = orb.detectAndCompute(after, None)
    if marks_before is None or marks_after is None:
        return 1.0
    matches = matcher.match(marks_before, marks_after)
    if len(matches) < MIN_MATCHES:
        return 1.0
    source = np.array([points_before[m.queryIdx].pt for m in matches], dtype=np.float32)
    target = np.array([points_after[m.trainIdx].pt for m in matches], dtype=np.float32)
    fitted, _ = cv2.estimateAffinePartial2D(source, target, method=cv2.RANSAC)
    if fitted is None:
        return 1.0
    return float(math.hypot(fitted[0, 0], fitted[1, 0]))


def _crosses_cut(start: float, end: float, cuts: list[float]) -> bool:
    return any(start < cut <= end for cut in cuts)


def _run_length(flags: list[bool]) -> int:
    count = 0
    for flag in flags:
        if not flag:
            break
        count += 1
    return count
