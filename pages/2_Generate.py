"""Generate: describe the scene, see the cost, submit once, and follow the job to its result."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.errors import MotionStudioError
from lib.history.gallery import estimate_cost
from lib.jobs import JobRequest, JobStatus, submit_job
from lib.media import check_prompts, preflight
from lib.novita import Orientation
from lib.novita.balance import live_balance
from lib.novita.billing import cost_over_balance
from lib.novita.rules import MODEL_WORDS, model_for
from lib.novita.service import client_for, service_name
from lib.setup_check import missing_link
from lib.worker import queue_job
from ui.common import job_outcome, page, session_key_in_use, status_badge, video_hosting

settings, store = page("Generate", ":material/movie:")
state = st.session_state
state.setdefault("submitting", False)

st.title("Generate")
st.write(
    "Describe the scene if you like, check the estimated cost, and generate. "
    "You can leave this page: the job keeps running and lands in History."
)

if "job" in st.query_params and "current_job" not in state:
    state.current_job = st.query_params["job"]
prepared_id = state.get("prepared_id") or st.query_params.get("pair")
prepared = store.prepared(prepared_id) if prepared_id else store.prepared()
if prepared is None or not (Path(prepared.image_path).exists() and Path(prepared.video_path).exists()):
    st.info("Nothing is prepared yet. Start by adding a character image and a motion video.", icon=":material/info:")
    st.page_link("pages/1_Upload.py", label="Go to Upload", icon=":material/upload:")
    st.stop()
st.query_params["pair"] = prepared.id
state.setdefault("gen_orientation", prepared.character_orientation)
state.setdefault("gen_model", prepared.model)

image_column, video_column, form_column = st.columns([1, 1, 2], gap="large")
with image_column:
    st.caption("Character image")
    st.image(prepared.image_path)
with video_column:
    st.caption("Motion video")
    st.video(prepared.video_path)

with form_column:
    model = model_for(
        st.selectbox("Model", options=MODEL_WORDS, format_func=lambda word: model_for(word).label, key="gen_model")
    )
    orientation = st.radio(
        "Character faces",
        options=["image", "video"],
        format_func=lambda o: {
            "image": f"As in the image (video up to {model.max_video_seconds('image'):g} s)",
            "video": f"As in the motion video (up to {model.max_video_seconds('video'):g} s)",
        }[o],
        key="gen_orientation",
        horizontal=True,
    )
    st.text_area(
        "Prompt (optional)",
        key="prompt",
        placeholder="Scene, style, lighting: e.g. a sunny beach at golden hour, cinematic",
    )
    st.text_area(
        "Things to avoid (optional)",
        key="negative_prompt",
        max_chars=model.max_negative_prompt,
        placeholder="e.g. blurry, extra limbs",
        help=f"At most {model.max_negative_prompt:,} characters; the counter shows how many are left.",
    )
    keep_sound = st.toggle("Keep the motion video's sound", value=True, key="keep_sound")
    video_report = preflight.check_video(prepared.video_path, orientation, keep_original_sound=keep_sound, model=model)
    prompt_report = check_prompts(state.get("prompt"), state.get("negative_prompt"), model)
    for warning in video_report.warnings:
        st.warning(
            warning, icon=":material/volume_off:" if "sound" in warning or "silent" in warning else ":material/info:"
        )
    for problem in video_report.problems + prompt_report.problems:
        st.error(problem.message, icon=":material/error:")
    if not video_report.ok:
        st.page_link("pages/1_Upload.py", label="Fix it on the Upload page", icon=":material/build:")

    seconds = model.billed_seconds(float(video_report.facts.get("duration") or 0), orientation)
    price = settings.price_for(model)
    cost = estimate_cost(seconds, price)
    metrics = st.columns(2)
    metrics[0].metric(
        "Estimated cost",
        f"${cost:.2f}",
        help=f"{seconds:.1f} s of video at ${price:.2f} per second (Model: {model.label})",
    )
    if settings.demo_mode:
        metrics[1].metric("Mode", "Demo", help="The built-in simulator: nothing is charged.")
    else:
        balance_slot = metrics[1].empty()  # filled last, so a slow answer from Novita never holds the page

    motion_video = prepared.video_url or prepared.video_path
    no_link = missing_link(settings, motion_video)
    if no_link is not None:
        st.error(str(no_link), icon=":material/link_off:")

    def generate() -> None:
        """Runs once per click, before the rerun; the store turns a repeat into the job already running."""
        state.submit_error = None
        if not settings.demo_mode:  # in demo mode the worker asks the simulator, which this page cannot reach
            refusal = cost_over_balance(cost, live_balance(settings).usd)
            if refusal is not None:
                state.submit_error = str(refusal)
                return
        state.submitting = True
        request = JobRequest(
            image=prepared.image_path,
            video=motion_video,
            character_orientation=Orientation(state.gen_orientation),
            prompt=(state.get("prompt") or "").strip(),
            negative_prompt=(state.get("negative_prompt") or "").strip(),
            keep_original_sound=state.keep_sound,
            model=model_for(state.gen_model),
        )
        try:
            if session_key_in_use(settings):  # no worker holds this key: this tab sends and follows it
                job = submit_job(
                    request,
                    store=store,
                    client=client_for(settings),
                    hosting=video_hosting(settings),
                    inputs_dir=settings.inputs_dir,
                    service=service_name(settings),
                )
            else:
                job = queue_job(request, settings, public_base_url=settings.public_base_url)
            state.current_job = job.id
        except MotionStudioError as error:
            state.submit_error = str(error)
            state.current_job = error.job_id
        finally:
            state.submitting = False
        if state.current_job:
            st.query_params["job"] = state.current_job

    current = store.get(state.current_job) if state.get("current_job") else None
    busy = state.submitting or (current is not None and current.status.in_flight)
    st.button(
        "Generate",
        type="primary",
        icon=":material/play_arrow:",
        on_click=generate,
        key="generate",
        disabled=busy or no_link is not None or not (video_report.ok and prompt_report.ok),
        help="Sends the job once. While it runs, this button waits." if busy else None,
        width="stretch",
    )
    if state.get("submit_error"):
        st.error(state.submit_error, icon=":material/error:")

if state.get("current_job"):
    job_id = state.current_job
    running = (job := store.get(job_id)) is not None and not job.status.final

    @st.fragment(run_every=1.0 if running else None)
    def status_card() -> None:
        job = store.get(job_id)
        if job is None:
            return
        with st.container(border=True):
            head, badge = st.columns([3, 1])
            head.subheader("Your video")
            with badge:
                status_badge(job)
            if job.status.final != (not running):
                st.rerun()
            if job.status is JobStatus.SUCCEEDED:
                result, motion, character = st.columns([2, 1, 1])
                with result:
                    job_outcome(job)
                motion.caption("Motion video")
                motion.video(job.video_path or prepared.video_path)
                character.caption("Character")
                character.image(job.image_path or prepared.image_path)
            else:
                job_outcome(job)

    status_card()

if not settings.demo_mode:
    reading = live_balance(settings)
    if reading.usd is not None:
        balance_slot.metric("Balance", f"${reading.usd:,.2f}")
    else:
        balance_slot.warning(f"The balance could not be read: {reading.problem}", icon=":material/warning:")
