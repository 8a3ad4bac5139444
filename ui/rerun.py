"""Re-run: Generate opens with a past take's pair, words, sound and model, for a press to send it again."""

from __future__ import annotations

import streamlit as st

from lib.config import load_settings
from lib.files.storage import storage_for
from lib.history.gallery import set_up_rerun
from lib.jobs import Job, JobStore


def rerun_in_generate(store: JobStore, job: Job) -> None:
    """Fill Generate with this job's inputs and settings and open it (outside a callback: pages switch there)."""
    state = st.session_state
    rerun = set_up_rerun(store, job, storage_for(load_settings()))
    state.prepared_id = rerun.prepared_id
    state.gen_orientation = rerun.character_orientation
    state.gen_model = rerun.model
    state.prompt, state.negative_prompt, state.keep_sound = (
        rerun.prompt,
        rerun.negative_prompt,
        rerun.keep_original_sound,
    )
    state.rerun_of = job.id  # Generate says it was filled, and that nothing is sent yet
    state.pop("current_job", None)
    state.open_job = None  # coming back to History shows the gallery, not this job
    st.query_params.clear()
    st.switch_page("pages/2_Generate.py")
