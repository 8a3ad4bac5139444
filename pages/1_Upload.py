"""Upload and check: the character image and the motion video, checked against every rule and fixed in one click."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.errors import MotionStudioError
from lib.files.links import is_url
from lib.files.uploads import fetch_link, save_upload
from lib.jobs.prepared import prepare_pair
from lib.media import fix_image, fix_video, preflight
from lib.media.checklist import checklist
from lib.media.samples import samples
from lib.novita.rules import MAX_SECONDS
from ui.common import page, show_checklist

settings, store = page("Upload", ":material/upload:")
state = st.session_state
for key, default in {"image_path": None, "video_path": None, "video_link": None, "orientation": "image"}.items():
    state.setdefault(key, default)

st.title("Upload and check")
st.write(
    "Add a character image and a motion video. Every rule of the model is checked here, before anything is "
    "spent, and whatever it would refuse can be fixed in one click."
)

if st.button(
    "Try it with samples",
    icon=":material/auto_awesome:",
    help="Loads a sample character and a short dance clip that come with the app.",
):
    pair = samples(settings.data_dir / "samples")
    state.image_path, state.video_path, state.video_link = str(pair.image), str(pair.video), None

st.radio(
    "Which way should the character face?",
    options=["image", "video"],
    format_func=lambda o: {"image": "As in the image", "video": "As in the motion video"}[o],
    captions=[
        "Keeps the pose direction of your image. Motion video up to 10 s.",
        "Follows the dancer's direction. Motion video up to 30 s.",
    ],
    horizontal=True,
    key="orientation",
)
orientation = state.orientation


def take_upload(kind: str) -> None:
    """Keep a new upload as a content-named file, once per file.

    Checked on every run rather than in an on_change callback: two files dropped in quick
    succession can arrive in one rerun, and a callback would then see only one of them.
    """
    uploaded = state.get(f"{kind}_upload")
    if uploaded is not None and uploaded.file_id != state.get(f"{kind}_upload_id"):
        state[f"{kind}_upload_id"] = uploaded.file_id
        state[f"{kind}_path"] = str(save_upload(uploaded.getvalue(), settings.inputs_dir))
        if kind == "video":
            state.video_link = None


def take_link(kind: str) -> None:
    link = (state.get(f"{kind}_link_input") or "").strip()
    if not link:
        return
    try:
        state[f"{kind}_path"] = str(fetch_link(link, settings.inputs_dir, allow_private=settings.allow_private_urls))
        state[f"{kind}_link_error"] = None
        if kind == "video":
            state.video_link = link if is_url(link) else None
    except MotionStudioError as error:
        state[f"{kind}_link_error"] = str(error)


def fix(kind: str, start: float) -> None:
    bar = st.progress(0.0, text="Fixing…")
    try:
        if kind == "image":
            fixed = fix_image(
                state.image_path, settings.inputs_dir / "fixed", on_progress=lambda f: bar.progress(f, text="Fixing…")
            )
        else:
            fixed = fix_video(
                state.video_path,
                settings.inputs_dir / "fixed",
                orientation,
                start=start,
                loop_short=True,
                on_progress=lambda f: bar.progress(min(f, 1.0), text=f"Fixing… {f:.0%}"),
            )
            state.video_link = None
        state[f"{kind}_path"] = str(fixed)
        state[f"{kind}_fix_error"] = None
        bar.progress(1.0, text="Fixed")
    except MotionStudioError as error:
        bar.empty()
        # Kept in the session because the rerun after the click would wipe an st.error shown here;
        # tied to this file, so a new file starts clean.
        state[f"{kind}_fix_error"] = (state[f"{kind}_path"], str(error))


def fix_error(kind: str) -> None:
    """Why the last fix of the file now in place failed, if it did."""
    failed = state.get(f"{kind}_fix_error")
    if failed and failed[0] == state[f"{kind}_path"]:
        st.error(failed[1], icon=":material/error:")


def file_inputs(kind: str, drop_label: str, types: list[str], link_label: str) -> None:
    """An uploader and a link box for one of the two inputs."""
    st.file_uploader(drop_label, type=types, key=f"{kind}_upload")
    take_upload(kind)
    st.text_input(link_label, key=f"{kind}_link_input", on_change=take_link, args=(kind,), placeholder="https://…")
    if state.get(f"{kind}_link_error"):
        st.error(state[f"{kind}_link_error"])


image_column, video_column = st.columns(2, gap="large")

with image_column:
    st.subheader("Character image")
    file_inputs("image", "Drop a JPG or PNG", ["jpg", "jpeg", "png"], "…or paste a link to an image")
    image_report = None
    if state.image_path and Path(state.image_path).exists():
        image_report = preflight.check_image(state.image_path)
        if image_report.facts.get("width"):
            st.image(state.image_path, width=320)
        show_checklist(checklist(image_report))
        if not image_report.ok and st.button("Fix it", key="fix_image", type="primary", icon=":material/build:"):
            fix("image", 0.0)
            st.rerun()
        fix_error("image")

with video_column:
    st.subheader("Motion video")
    file_inputs("video", "Drop an MP4 or MOV", ["mp4", "mov"], "…or paste a link to a video")
    video_report = None
    if state.video_path and Path(state.video_path).exists():
        video_report = preflight.check_video(state.video_path, orientation)
        if video_report.facts.get("width"):
            st.video(state.video_path)
        show_checklist(checklist(video_report, orientation))
        for warning in video_report.warnings:
            st.caption(f":material/info: {warning}")
        if not video_report.ok:
            duration = float(video_report.facts.get("duration") or 0)
            cap = MAX_SECONDS[orientation]
            start = 0.0
            if duration > cap:
                start = st.slider(
                    f"Which {cap:g} seconds to keep: start at",
                    0.0,
                    round(duration - cap, 1),
                    0.0,
                    step=0.5,
                    format="%.1f s",
                    key="video_window",
                )
            if st.button("Fix it", key="fix_video", type="primary", icon=":material/build:"):
                fix("video", start)
                st.rerun()
            fix_error("video")

st.divider()
if image_report and video_report and image_report.ok and video_report.ok:
    prepared = prepare_pair(store, state.image_path, state.video_path, orientation, state.video_link)
    st.session_state.prepared_id = prepared.id
    st.success("Both files pass every rule. Next: describe the scene and generate.", icon=":material/task_alt:")
    st.page_link("pages/2_Generate.py", label="Continue to Generate", icon=":material/arrow_forward:")
else:
    st.info("Add both files; when every rule passes, you can continue to Generate.", icon=":material/info:")
