"""Upload's pair and choices, kept where a page switch and a reload find them.

Streamlit forgets a widget's value once a page without it has run, and a reload starts a new session. So
the way the character faces and the model live in plain session keys (`upload_way`, `upload_model`) that
the widgets start from, and the whole pair is written into the address: each file by its place in the
data folder and the name it was added under, each fix by its run in the store (which knows the original
and the fixed file), the way and the model. A new address (a reload, a bookmark, Generate's "Fix it on
the Upload page" naming a `pair`) brings all of it back.
"""

from __future__ import annotations

import streamlit as st

from lib.config import Settings
from lib.jobs import JobStore
from lib.media import preflight
from lib.novita.rules import DEFAULT_MODEL, MODEL_WORDS, model_for
from lib.uploads.address import from_address, in_address
from lib.uploads.fix_runs import FixRuns, FixState

KINDS = ("image", "video")
ADDRESS_KEYS = ("image", "video", "image_name", "video_name", "image_fix", "video_fix", "way", "model", "pair")


def start_choices() -> None:
    """The choice widgets start from the kept choices, also after a visit to another page."""
    state = st.session_state
    state.setdefault("upload_way", "image")
    state.setdefault("upload_model", DEFAULT_MODEL.word)
    if "orientation" not in state:
        state.orientation = state.upload_way
    if "model" not in state:
        state.model = state.upload_model


def restore(settings: Settings, store: JobStore, fix_runs: FixRuns) -> None:
    """An address this page did not write itself (a reload, a link) brings back the pair it names."""
    state = st.session_state
    asked = {key: st.query_params[key] for key in ADDRESS_KEYS if key in st.query_params}
    if not asked or asked == state.get("upload_address"):
        return
    if (pair := store.prepared(asked.get("pair") or "")) is not None:
        state.image_path, state.video_path, state.video_link = pair.image_path, pair.video_path, pair.video_url
        state.upload_way, state.upload_model = pair.character_orientation, pair.model
    for kind in KINDS:
        if (path := from_address(asked.get(kind), settings.data_dir)) is not None:
            state[f"{kind}_path"] = str(path)
            if kind == "video":
                state.video_link = None
        state[f"{kind}_original"] = state[f"{kind}_fixed"] = state[f"{kind}_fix"] = None
        state[f"{kind}_name"] = name = asked.get(f"{kind}_name")
        state[f"{kind}_shown"] = f"In use: {name}" if name else None  # the drop zone says which file it is
        run = fix_runs.get(asked.get(f"{kind}_fix") or "")
        if run is None or run.kind != kind:
            continue
        state[f"{kind}_fix"] = run.id
        done = run.status is FixState.DONE and bool(run.result_path)
        if done and run.result_path != run.source_path:
            state[f"{kind}_original"], state[f"{kind}_fixed"] = run.source_path, run.result_path
        if not state[f"{kind}_path"]:
            state[f"{kind}_path"] = run.result_path if done else run.source_path
    if asked.get("way") in ("image", "video"):
        state.upload_way = asked["way"]
    if asked.get("model") in MODEL_WORDS:
        state.upload_model = asked["model"]
    state.orientation, state.model = state.upload_way, state.upload_model


def keep_in_address(settings: Settings) -> None:
    """Write the pair and the choices into the address (a page switch clears it; a reload needs it)."""
    state = st.session_state
    wanted = {
        "image": in_address(state.get("image_path"), settings.data_dir),
        "video": in_address(state.get("video_path"), settings.data_dir),
        "image_name": state.get("image_name"),
        "video_name": state.get("video_name"),
        "image_fix": state.get("image_fix"),
        "video_fix": state.get("video_fix"),
        "way": state.upload_way,
        "model": state.upload_model,
    }
    kept = {key: value for key, value in wanted.items() if value}
    for key in ADDRESS_KEYS:
        if key not in kept:
            st.query_params.pop(key, None)
        elif st.query_params.get(key) != kept[key]:
            st.query_params[key] = kept[key]
    state.upload_address = kept


def follow_choice() -> None:
    """A new way or model: a fixed file that passes under it stays in use (switching back finds it again);
    one that does not gives way to its original, from which Fix it plans anew."""
    state = st.session_state
    state.upload_way, state.upload_model = state.orientation, state.model
    model = model_for(state.model)
    for kind in KINDS:
        original, fixed = state.get(f"{kind}_original"), state.get(f"{kind}_fixed")
        if not (original and fixed):
            continue
        report = (
            preflight.check_image(fixed, model)
            if kind == "image"
            else preflight.check_video(fixed, state.orientation, model=model)
        )
        state[f"{kind}_path"] = fixed if report.ok else original
