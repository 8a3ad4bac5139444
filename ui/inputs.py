"""The uploader and the link box for each of Upload's two inputs: what the user hands over becomes a file
in the data folder, named in this session's state as `<kind>_path`."""

from __future__ import annotations

import streamlit as st

from lib.config import Settings
from lib.errors import MotionStudioError
from lib.files.links import is_url
from lib.files.uploads import fetch_link, save_upload


def file_inputs(settings: Settings, kind: str, drop_label: str, types: list[str], link_label: str) -> None:
    """An uploader and a link box for one of the two inputs."""
    st.file_uploader(drop_label, type=types, key=f"{kind}_upload")
    _take_upload(settings, kind)
    st.text_input(
        link_label, key=f"{kind}_link_input", on_change=_take_link, args=(settings, kind), placeholder="https://…"
    )
    if st.session_state.get(f"{kind}_link_error"):
        st.error(st.session_state[f"{kind}_link_error"])


def _take_upload(settings: Settings, kind: str) -> None:
    """Keep a new upload as a content-named file, once per file.

    Checked on every run rather than in an on_change callback: two files dropped in quick
    succession can arrive in one rerun, and a callback would then see only one of them.
    """
    state = st.session_state
    uploaded = state.get(f"{kind}_upload")
    if uploaded is not None and uploaded.file_id != state.get(f"{kind}_upload_id"):
        state[f"{kind}_upload_id"] = uploaded.file_id
        state[f"{kind}_path"] = str(save_upload(uploaded.getvalue(), settings.inputs_dir))
        if kind == "video":
            state.video_link = None


def _take_link(settings: Settings, kind: str) -> None:
    state = st.session_state
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
