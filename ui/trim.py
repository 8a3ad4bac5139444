"""Trim on a timeline: a strip of frames, the part kept as "0:20–0:30", and a player looping that part."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.media.fix_plan import clock, latest_start
from lib.media.frame_strip import frame_strip
from ui.common import video_preview


def trim_window(path: str, duration: float, longest: float, strips_dir: Path, key: str) -> float:
    """The start of the `longest` seconds to keep from a `duration` s clip, chosen over its frames; the
    player below plays the chosen part in a loop."""
    strip = frame_strip(path, strips_dir)
    if strip:
        st.image([str(frame) for _, frame in strip], caption=[clock(at) for at, _ in strip], width=72)
    latest = latest_start(duration, longest)
    start = (
        st.slider(
            f"Which {longest:g} seconds to keep",
            0.0,
            latest,
            step=0.5 if latest >= 1 else 0.1,
            format="%.1f s",
            key=key,
            help=f"The start of the part kept; it runs {longest:g} s, the longest the model takes.",
        )
        if latest
        else 0.0
    )
    end = min(duration, start + longest)
    st.markdown(f"Keeping **{clock(start)}–{clock(end)}** of the {clock(duration)} clip")
    video_preview(path, start_time=int(start), end_time=int(end + 0.999), loop=True)
    return float(start)
