"""Cuts: PySceneDetect's content detector run over the sampled frames, and the longest shot between them.

A hard cut changes most pixels' hue, saturation and brightness between two looks; a pan over one
scene changes far fewer, so the detector's default threshold separates them even at five looks a second.
"""

from __future__ import annotations

import cv2
import numpy as np
from scenedetect import ContentDetector, FrameTimecode

from lib.media.content.advice import Shot
from lib.media.content.frames import Frames

THRESHOLD = 27.0  # PySceneDetect's own default
SAME_SCENE = 0.2  # phase correlation's peak above which the two looks are one scene shifted
BLACK_LEVEL = 20


def find_cuts(frames: Frames) -> list[float]:
    """The seconds at which the clip cuts from one shot to another.

    PySceneDetect proposes every look that changes past its threshold; a fast pan does that too at five
    looks a second, so a proposal stands only when no shift of the picture explains the change (a low
    phase-correlation peak). A fade from or to black is not a cut: the black frames are advice of their own.
    """
    detector = ContentDetector(threshold=THRESHOLD, min_scene_len=1)
    grey = frames.grey
    cuts: list[float] = []
    for index, picture in enumerate(frames.pictures):
        for timecode in detector.process_frame(FrameTimecode(index, frames.fps), picture):
            at = timecode.frame_num
            if at > 0 and _new_scene(grey[at - 1], grey[at]):
                cuts.append(frames.times[at])
    return cuts


def _new_scene(before: np.ndarray, after: np.ndarray) -> bool:
    if min(float(before.mean()), float(after.mean())) < BLACK_LEVEL:
        return False
    _, peak = cv2.phaseCorrelate(before.astype(np.float32), after.astype(np.float32))
    return bool(peak < SAME_SCENE)


def shots_between(cuts: list[float], duration: float) -> list[Shot]:
    """The shots the cuts leave, in order."""
    edges = [0.0, *cuts, duration]
    return [Shot(start, end) for start, end in zip(edges, edges[1:], strict=False) if end > start]


def longest_shot(cuts: list[float], duration: float) -> Shot:
    """The longest continuous stretch: the one to keep."""
    return max(shots_between(cuts, duration), key=lambda shot: shot.seconds)
