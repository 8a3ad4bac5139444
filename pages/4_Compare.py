"""Compare: 2 to 4 takes (and the motion video, if wanted) side by side, playing in sync."""

from __future__ import annotations

import streamlit as st

from lib.history.compare import job_ids_from, motion_clip, pick_problem, take_clips
from ui.common import page
from ui.compare import synced_player

settings, store = page("Compare", ":material/compare:")

st.title("Compare takes")
# The picks live in the URL (`?jobs=a,b,c`), so a comparison can be shared and survives a reload.
picked = job_ids_from(st.query_params.get("jobs"))
found = [job_id for job_id in picked if store.get(job_id) is not None]
problem = pick_problem(len(found))
if problem:
    missing = len(picked) - len(found)
    st.warning(
        problem + (f" {missing} of the jobs in the link no longer exist." if missing else ""), icon=":material/warning:"
    )
    st.page_link("pages/3_History.py", label="Pick takes in History", icon=":material/video_library:")
    st.stop()

with_motion = st.toggle("Show the motion video too", key="compare_with_motion")
clips = take_clips(store, found, settings.static_dir)
if len(clips) < len(found):
    st.caption(f"{len(found) - len(clips)} of the picked jobs have no result video yet, so they are not shown.")
motion = motion_clip(store, found, settings.static_dir) if with_motion else None
if len(clips) < 2:
    st.info("There is not enough to compare until at least two of these takes have finished.", icon=":material/info:")
else:
    synced_player([motion, *clips] if motion else clips)
st.page_link("pages/3_History.py", label="Back to History", icon=":material/arrow_back:")
