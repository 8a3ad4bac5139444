"""What "Fix it" will do and what it did: the choices, the plan in plain steps, and before and after."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.errors import FixFailed
from lib.files.sizes import file_size
from lib.media.fix_plan import FIT_WORDS, SHORT_WORDS, ImagePlan, ShortClip, VideoPlan
from lib.media.layout import Fit
from lib.media.preflight import Report
from lib.uploads.fix_runs import FixRuns, FixState
from ui.previews import preview_image, preview_video


def fit_choice(key: str) -> Fit:
    """How a shape outside the allowed ratio is brought inside; a blurred background by default."""
    return Fit(
        st.radio(
            "The shape is outside what the model takes:",
            options=list(FIT_WORDS),
            format_func=FIT_WORDS.__getitem__,
            horizontal=True,
            key=key,
        )
    )


def short_choice(key: str) -> ShortClip:
    """How a clip shorter than the model takes is made long enough; looping by default."""
    return ShortClip(
        st.radio(
            "The clip is too short:",
            options=list(SHORT_WORDS),
            format_func=SHORT_WORDS.__getitem__,
            horizontal=True,
            key=key,
        )
    )


def show_plan(plan: ImagePlan | VideoPlan | FixFailed) -> None:
    """The steps "Fix it" will take, numbered, or why it cannot."""
    if isinstance(plan, FixFailed):
        st.warning(str(plan), icon=":material/warning:")
        return
    st.markdown("**Fix it will:**\n" + "\n".join(f"{number}. {step}" for number, step in enumerate(plan.steps, 1)))


def numbers(report: Report) -> str:
    """Size, length and resolution of a checked file, in the checklist's units."""
    facts = report.facts
    parts = [file_size(int(facts.get("size_bytes") or 0))]
    if facts.get("duration"):
        parts.append(f"{float(facts['duration']):.1f} s")
    if facts.get("width"):
        parts.append(f"{facts['width']} x {facts['height']} px")
    return " · ".join(parts)


def before_and_after(kind: str, original: str, fixed: str, before: Report, after: Report) -> None:
    """The original and the fixed file side by side, with their numbers."""
    left, right = st.columns(2)
    for column, title, path, report in ((left, "Before", original, before), (right, "After", fixed, after)):
        with column:
            st.caption(f"**{title}** · {numbers(report)}")
            if kind == "image":
                preview_image(path, report, what=f"{title.lower()} character image", widest=160)
            else:
                preview_video(path, report, what=f"{title.lower()} motion video")


@st.fragment(run_every=1.0)
def run_progress(run_id: str, db_path: Path | str, doing: str) -> None:
    """Progress and Stop while a worker runs a fix run (`doing` it, in words); only this part of the page
    reruns until it ends, then the whole page does, and shows how it ended."""
    runs = FixRuns(db_path)
    run = runs.get(run_id)
    if run is None or not run.status.active:
        st.rerun()
        return
    waiting = run.status is FixState.WAITING
    st.progress(run.progress, text=f"{doing}… waiting for a worker" if waiting else f"{doing}… {run.progress:.0%}")
    st.button("Stop", key=f"stop_{run_id}", icon=":material/stop:", on_click=runs.stop, args=(run_id,))
