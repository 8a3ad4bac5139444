"""Batch: several characters x several motion videos, one job per pair, at a cost confirmed before sending."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.batches import MAX_SIDE, Batches, BatchPlan, plan_batch
from lib.errors import MotionStudioError
from lib.files.uploads import IMAGE_UPLOAD_TYPES, VIDEO_UPLOAD_TYPES, save_upload
from lib.library import Library, LibraryKind
from lib.novita.rules import Orientation
from lib.worker import queue_batch
from ui.batch import batch_group, under_way
from ui.common import model_and_way, page
from ui.library import pick_from_library

settings, store = page("Batch", ":material/grid_view:")
state = st.session_state
state.setdefault("batch_error", None)

st.title("Batch")
st.caption(
    f"One motion video with several characters, or one character with several motion videos: up to "
    f"{MAX_SIDE} x {MAX_SIDE}, one job for each character and motion video. Every file is checked and, where "
    "needed, fixed on the worker before anything is sent. The total cost is shown before you send."
)


def send(plan: BatchPlan) -> None:
    """Queue the plan the person saw and confirmed (bound to the button when it was drawn)."""
    try:
        batch = queue_batch(plan, settings, public_base_url=settings.public_base_url)
    except MotionStudioError as error:
        state.batch_error = str(error)
        return
    state.batch_error = None
    st.query_params["batch"] = batch.id


def follow(batch_id: str) -> None:
    shown = Batches(settings.db_path).get(batch_id)
    if shown is None:
        st.warning("This batch no longer exists.")
        return

    @st.fragment(run_every=settings.poll_seconds if under_way(store, shown) else None)
    def live() -> None:
        batch = Batches(settings.db_path).get(batch_id) or shown
        if not batch_group(store, batch, key="batch_page"):
            st.caption("Every job of this batch has ended. History keeps it as one group.")
            if under_way(store, shown):
                st.rerun()  # the whole page, so the fragment stops refreshing

    live()


if st.query_params.get("batch"):
    follow(st.query_params["batch"])
    if st.button("Start another batch", icon=":material/add:"):
        del st.query_params["batch"]
        st.rerun()
    st.stop()


def chosen_files(kind: LibraryKind, label: str, types: list[str], key: str) -> list[Path]:
    """Uploaded files and files picked from the library, uploads first, each once."""
    uploads = st.file_uploader(label, type=types, accept_multiple_files=True, key=f"{key}_upload")
    paths = [save_upload(upload.getvalue(), settings.inputs_dir) for upload in uploads or []]
    with st.expander(f"Pick {kind.label.lower()}s from the library", icon=":material/photo_library:"):
        paths += [
            Path(item.path) for item in pick_from_library(Library(settings.db_path), kind, f"{key}_library", True)
        ]
    return list(dict.fromkeys(paths))


characters, motions = st.columns(2)
with characters:
    images = chosen_files(LibraryKind.CHARACTER, "Character images", IMAGE_UPLOAD_TYPES, "batch_images")
with motions:
    videos = chosen_files(LibraryKind.MOTION, "Motion videos", VIDEO_UPLOAD_TYPES, "batch_videos")

model, orientation = model_and_way("batch")
prompt = st.text_area("Prompt (for every job)", key="batch_prompt", placeholder="e.g. dancing on a beach at sunset")
negative_prompt = st.text_input("Things to avoid", key="batch_negative_prompt")
keep_sound = st.toggle("Keep the motion videos' sound", value=True, key="batch_keep_sound")
cap = st.number_input(
    "Stop if the batch would cost more than $",
    min_value=0.0,
    value=None,
    step=1.0,
    format="%.2f",
    key="batch_cap",
    placeholder="no cap",
)

if state.batch_error:
    st.error(state.batch_error, icon=":material/error:")
if not images or not videos:
    st.info("Add at least one character image and one motion video.", icon=":material/info:")
    st.stop()
try:
    plan = plan_batch(
        images,
        videos,
        Orientation(orientation),
        model,
        settings.price_for(model),
        prompt=prompt.strip(),
        negative_prompt=negative_prompt.strip(),
        keep_original_sound=keep_sound,
        max_cost=cap,
    )
except MotionStudioError as error:
    st.error(str(error), icon=":material/block:")
    st.stop()

st.subheader("Before you send")
st.markdown(plan.summary())
for file in plan.files_to_fix:
    st.caption(f"To fix: {Path(file.path).name}: {'; '.join(file.problems)}")
st.button(
    f"Send {len(plan.cells)} job{'s' if len(plan.cells) != 1 else ''} for about ${plan.total_cost:.2f}",
    type="primary",
    icon=":material/send:",
    on_click=send,
    args=(plan,),
    key="batch_send",
)
