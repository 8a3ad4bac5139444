"""Compare: 2 to 4 takes (and the motion video, if wanted) side by side, playing in sync."""

from __future__ import annotations

import streamlit as st

from lib.files.storage import storage_for
from lib.history.compare import job_ids_from, motion_clip, pick_problem, take_clips
from lib.history.gallery import can_rerun, download_name
from lib.jobs import Job
from ui.common import page
from ui.compare import synced_player
from ui.media import download_link
from ui.rerun import rerun_in_generate

settings, store = page("Compare", ":material/compare:")
state = st.session_state
state.setdefault("compare_picks", [])

st.title("Compare takes")
# The picks live in the URL (`?jobs=a,b,c`), so a comparison can be shared and survives a reload; the
# sidebar's link (no picks in it) opens those picked in History.
picked = job_ids_from(st.query_params.get("jobs")) or list(state.compare_picks)
found = [job_id for job_id in picked if store.get(job_id) is not None]
problem = pick_problem(len(found))
if problem:
    missing = len(picked) - len(found)
    st.warning(
        problem + (f" {missing} of the jobs in the link no longer exist." if missing else ""), icon=":material/warning:"
    )
    st.page_link("pages/3_History.py", label="Pick takes in History", icon=":material/video_library:")
    st.stop()

clips = take_clips(store, found, storage_for(settings))
if len(clips) < len(found):
    st.caption(f"{len(found) - len(clips)} of the picked jobs have no result video yet, so they are not shown.")
if len(clips) < 2:
    st.info("There is not enough to compare until at least two of these takes have finished.", icon=":material/info:")
    st.page_link("pages/3_History.py", label="Back to History", icon=":material/arrow_back:")
    st.stop()


def keep(job: Job) -> None:
    store.update(job.id, favorite=not job.favorite)


synced_player(clips, motion_clip(store, found, storage_for(settings)))
# Each take's actions under its own video, in the same columns.
for column, clip in zip(st.columns(len(clips)), clips, strict=True):
    job = store.get(clip.job_id or "")
    if job is None or not job.result_path:
        continue
    with column:
        st.button(
            "Kept" if job.favorite else "Keep this one",
            key=f"keep_{job.id}",
            icon=":material/star:",
            type="primary" if job.favorite else "secondary",
            help="Kept takes are your favourites in History. Press again to unmark it.",
            on_click=keep,
            args=(job,),
            width="stretch",
        )
        download_link(
            job.result_path, download_name(job), what="result video of this take", label=":material/download: Download"
        )
        if st.button(
            "Re-run with changes",
            key=f"rerun_{job.id}",
            icon=":material/replay:",
            disabled=not can_rerun(job, storage_for(settings)),
            help="Opens Generate with this take's files and settings, to change and send again.",
            width="stretch",
        ):
            rerun_in_generate(store, job)
st.page_link("pages/3_History.py", label="Back to History", icon=":material/arrow_back:")
