"""The simulator's stand-in for a generated video, made with moviepy.

The character image moves for the motion video's length, following that video's motion: each
frame's change from the one before (how much, and where) sways, bobs and leans the character. The
reference audio is kept when asked. Small and fast on purpose: it is a demo result, not a model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from moviepy import AudioFileClip, VideoClip, VideoFileClip
from PIL import Image, ImageFilter

from lib.media.clips import write_mp4

OUTPUT_LONG_SIDE = 480
FPS = 24
MOTION_GRID = (48, 48)


def motion_signal(video_path: Path, fps: int = FPS) -> np.ndarray:
    """Per output frame: (energy, x, y) of the reference's frame-to-frame change, smoothed.

    x and y are where the change happens, from -0.5 to 0.5 around the centre; energy is 0 to 1.
    """
    with VideoFileClip(str(video_path), audio=False, target_resolution=MOTION_GRID) as clip:
        frames = [frame.mean(axis=2) for frame in clip.iter_frames(fps=fps, dtype="float32")]
    if len(frames) < 2:
        return np.zeros((max(1, len(frames)), 3), dtype="float32")
    ys, xs = np.mgrid[0 : frames[0].shape[0], 0 : frames[0].shape[1]]
    xs = xs / max(1, xs.max()) - 0.5
    ys = ys / max(1, ys.max()) - 0.5
    rows = [(0.0, 0.0, 0.0)]
    for before, after in zip(frames, frames[1:], strict=False):
        change = np.abs(after - before)
        total = float(change.sum()) or 1.0
        rows.append(
            (float(change.mean()) / 255.0, float((change * xs).sum() / total), float((change * ys).sum() / total))
        )
    signal = np.array(rows, dtype="float32")
    signal[:, 0] /= max(float(signal[:, 0].max()), 1e-6)
    kernel = np.ones(5, dtype="float32") / 5
    return np.stack([np.convolve(signal[:, i], kernel, mode="same") for i in range(3)], axis=1)


def output_size(width: int, height: int) -> tuple[int, int]:
    """The image's aspect at a small, even size (H.264 needs even sides)."""
    scale = OUTPUT_LONG_SIDE / max(width, height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def render(image_path: Path, video_path: Path, out_path: Path, keep_original_sound: bool, max_seconds: float) -> Path:
    """Write the stand-in result MP4 to `out_path` (atomically) and return it."""
    with Image.open(image_path) as opened:
        character = opened.convert("RGB")
    size = output_size(*character.size)
    character = character.resize(size)
    opaque = Image.new("L", size, 255)
    backdrop = np.asarray(character.filter(ImageFilter.GaussianBlur(12)).point(lambda v: v * 0.6))
    signal = motion_signal(video_path)
    with VideoFileClip(str(video_path)) as reference:
        duration = min(float(reference.duration), max_seconds)
        has_audio = reference.audio is not None

    def frame(t: float) -> np.ndarray:
        energy, x, y = signal[min(len(signal) - 1, int(t * FPS))]
        angle = -x * 16 + np.sin(t * 3) * 2 * energy
        offset = (x * size[0] * 0.25, y * size[1] * 0.15 - energy * size[1] * 0.04)
        moved = character.rotate(angle, resample=Image.Resampling.BILINEAR, translate=offset)
        mask = opaque.rotate(angle, translate=offset)
        out = Image.fromarray(backdrop)
        out.paste(moved, (0, 0), mask)
        return np.asarray(out)

    clip = VideoClip(frame, duration=duration)
    audio = None
    try:
        if keep_original_sound and has_audio:
            audio = AudioFileClip(str(video_path))
            clip = clip.with_audio(audio.subclipped(0, min(duration, audio.duration)))
        write_mp4(clip, out_path, FPS, preset="ultrafast")
    finally:
        clip.close()
        if audio is not None:
            audio.close()
    return out_path
