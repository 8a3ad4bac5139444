"""Trim on a timeline: a strip of frames, the part kept as "0:20–0:30", and a player looping that part.

The strip is made on the worker, once per clip content; until it is there the page shows a placeholder
and a Stop button, and a fragment picks the strip up when it lands.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.config import Settings
from lib.files.storage import storage_for
from lib.media.fix_plan import clock, latest_start
from lib.media.frame_strip import made_strip, strips_dir
from lib.uploads.fix_runs import FixState, fix_runs_for
from lib.worker import queue_strip
from ui.common import video_preview
from ui.fixing import run_progress


def trim_window(
    path: str, duration: float, longest: float, settings: Settings, key: str, width: int | None = None
) -> float:
    """The start of the `longest` seconds to keep from a `duration` s clip, chosen over its frames; the
    player below (`width` px wide, or the column's width) plays the chosen part in a loop. A start kept from
    before (Undo sets the fix's) is kept, within this clip's range."""
    timeline(path, settings, key)
    latest = latest_start(duration, longest)
    if isinstance(st.session_state.get(key), float | int):
        st.session_state[key] = min(float(st.session_state[key]), latest)
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
    sized: dict[str, Any] = {"width": width} if width else {}
    video_preview(path, start_time=int(start), end_time=int(end + 0.999), loop=True, **sized)
    return float(start)


def timeline(path: str, settings: Settings, key: str) -> None:
    """The strip of frames over the clip, or while the worker makes it, a placeholder; the slider below
    works either way."""
    strip = made_strip(path, strips_dir(settings.data_dir), storage=storage_for(settings))
    if strip is not None:
        if strip:
            st.image([str(frame) for _, frame in strip], caption=[clock(at) for at, _ in strip], width=72)
        return
    runs = fix_runs_for(settings)
    asked = f"{key}_strip_run"
    run = runs.get(st.session_state.get(asked) or "")
    if run is None or run.source_path != path or run.status is FixState.DONE:
        run = queue_strip(settings, path)  # a second visitor, or a rerun, joins the strip under way
        st.session_state[asked] = run.id
    if run.status.active:
        run_progress(run.id, settings.database, "Making the timeline")
        return
    if run.status is FixState.STOPPED:
        st.caption("The timeline was stopped. The slider below still chooses the part to keep.")
    elif run.status is FixState.FAILED:
        st.warning(f"The timeline could not be made: {run.error}", icon=":material/warning:")
    st.button(
        "Make the timeline",
        key=f"{key}_strip_again",
        icon=":material/view_timeline:",
        on_click=st.session_state.pop,
        args=(asked, None),
    )
