"""Batch: several characters x several motion videos, one job per pair, at a cost confirmed before sending."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import streamlit as st

from lib.batches import MAX_SIDE, Batches, BatchPlan, plan_batch
from lib.errors import MotionStudioError
from lib.files.storage import storage_for
from lib.library import LibraryKind, library_for
from lib.novita.rules import Orientation, model_for
from lib.team.budgets import Budgets
from lib.uploads import IMAGE_UPLOAD_TYPES, VIDEO_UPLOAD_TYPES
from lib.worker import queue_batch
from ui.advice import batch_advice
from ui.batch import batch_group, under_way
from ui.common import model_and_way, page
from ui.inputs import file_inputs
from ui.library import pick_from_library
from ui.team import current_person

settings, store = page("Batch", ":material/grid_view:")
state = st.session_state
state.setdefault("batch_error", None)
# Names this sending: a double click or a rerun sends it once; "Start another batch" makes a new one.
state.setdefault("batch_token", uuid4().hex)
# The files dropped so far on each side, each path with the name the person knows it by.
state.setdefault("batch_files", {"batch_image": {}, "batch_video": {}})

st.title("Batch")
st.caption(
    f"One motion video with several characters, or one character with several motion videos: up to "
    f"{MAX_SIDE} x {MAX_SIDE}, one job for each character and motion video. Every file is checked and, where "
    "needed, fixed on the worker before anything is sent. The total cost is shown before you send."
)


def planned(images: dict[str, str], videos: dict[str, str]) -> BatchPlan:
    """The batch as the controls stand. Read from the session, which a press brings up to date before its
    callback runs, so Send uses the prompt typed just before it."""
    model = model_for(state.batch_model)
    return plan_batch(
        list(images),
        list(videos),
        Orientation(state.batch_orientation),
        model,
        settings.price_for(model),
        prompt=state.batch_prompt.strip(),
        negative_prompt=state.batch_negative_prompt.strip(),
        keep_original_sound=state.batch_keep_sound,
        max_cost=state.batch_cap,
        names={**images, **videos},
    )


def send(shown: BatchPlan) -> None:
    """Queue the batch whose cost the person saw with the button (bound to it when it was drawn), with the
    words as they stood at the press."""
    try:
        plan = shown.as_pressed(planned(shown.files("image"), shown.files("video")))
        batch = queue_batch(
            plan, settings, key=state.batch_token, public_base_url=settings.public_base_url, made_by=current_person()
        )
    except MotionStudioError as error:
        state.batch_error = str(error)
        return
    state.batch_error = None
    st.query_params["batch"] = batch.id


def follow(batch_id: str) -> None:
    shown = Batches(settings.database).get(batch_id)
    if shown is None:
        st.warning("This batch no longer exists.")
        return

    @st.fragment(run_every=settings.poll_seconds if under_way(store, shown) else None)
    def live() -> None:
        batch = Batches(settings.database).get(batch_id) or shown
        if not batch_group(store, batch, key="batch_page", settings=settings):
            st.caption("Every job of this batch has ended. History keeps it as one group.")
            if under_way(store, shown):
                st.rerun()  # the whole page, so the fragment stops refreshing

    live()


if st.query_params.get("batch"):
    follow(st.query_params["batch"])
    if st.button("Start another batch", icon=":material/add:"):
        del st.query_params["batch"]
        state.batch_token = uuid4().hex
        st.rerun()
    st.stop()


def chosen_files(kind: LibraryKind, label: str, types: list[str], key: str) -> dict[str, str]:
    """Files dropped (one after another, through Upload's drop zone) and picked from the library, each
    path once, with its name; a dropped file can be taken out again."""
    dropped: dict[str, str] = state.batch_files[key]
    file_inputs(settings, key, label, types, "…or paste a link")
    if state.get(f"{key}_path") and state[f"{key}_path"] not in dropped:
        dropped[state[f"{key}_path"]] = state.get(f"{key}_name") or Path(state[f"{key}_path"]).name
    for path, name in list(dropped.items()):
        if st.button(f"Remove {name}", key=f"{key}_remove_{path}", icon=":material/close:", type="tertiary"):
            del dropped[path]
            state[f"{key}_path"] = None
            st.rerun()
    chosen = dict(dropped)
    with st.expander(f"Pick {kind.label.lower()}s from the library", icon=":material/photo_library:"):
        for item in pick_from_library(library_for(settings), kind, f"{key}_library", True):
            chosen.setdefault(str(storage_for(settings).local_path(item.path)), item.name)
    return chosen


characters, motions = st.columns(2)
with characters:
    images = chosen_files(LibraryKind.CHARACTER, "Character images", IMAGE_UPLOAD_TYPES, "batch_image")
with motions:
    videos = chosen_files(LibraryKind.MOTION, "Motion videos", VIDEO_UPLOAD_TYPES, "batch_video")

model_and_way("batch")
st.text_area("Prompt (for every job)", key="batch_prompt", placeholder="e.g. dancing on a beach at sunset")
st.text_input("Things to avoid", key="batch_negative_prompt")
st.toggle("Keep the motion videos' sound", value=True, key="batch_keep_sound")
st.number_input(
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
    plan = planned(images, videos)
except MotionStudioError as error:
    st.error(str(error), icon=":material/block:")
    st.stop()

st.subheader("Before you send")
st.markdown(plan.summary())
for file in plan.files_to_fix:
    st.caption(file.to_fix)
# Said before the press; queue_batch refuses it whatever the page says.
over = Budgets(settings.database).refusal(current_person(), settings.price_for, plan.total_cost, what="this batch")
if over is not None:
    st.warning(str(over), icon=":material/savings:")
st.button(
    f"Send {len(plan.cells)} job{'s' if len(plan.cells) != 1 else ''} for about ${plan.total_cost:.2f}",
    type="primary",
    icon=":material/send:",
    on_click=send,
    args=(plan,),
    key="batch_send",
    disabled=over is not None,
)
# Below the button, so a first look at many clips (a few seconds each) never keeps it from being pressed.
batch_advice(settings, images, videos)
