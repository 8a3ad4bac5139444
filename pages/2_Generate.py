"""Generate: describe the scene, see the cost, queue takes (several on purpose) and follow them to their results."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

import streamlit as st

from lib.errors import MotionStudioError
from lib.files.storage import storage_for
from lib.history.gallery import request_from
from lib.jobs import Job, JobRequest
from lib.media import check_prompts, preflight
from lib.money import estimate
from lib.novita import Orientation
from lib.novita.balance import live_balance
from lib.novita.rules import model_for
from lib.pairs.drafts import Draft, Drafts, reconcile, take_paths
from lib.setup_check import missing_link
from lib.team.budgets import Budgets
from lib.worker.takes import TakesSent, already_running, balance_refusal, send_takes, token_spent, typed_key
from ui.common import (
    configured_settings,
    job_followers,
    model_and_way,
    page,
    video_hosting,
    when,
)
from ui.library import pick_pair
from ui.media import show_image, show_video
from ui.pairs import earlier_pairs
from ui.prompts import prompt_boxes
from ui.takes import take_grid
from ui.team import current_person

settings, store = page("Generate", ":material/movie:")
state = st.session_state
drafts = Drafts(settings.database)
DRAFT_KEYS = ("prompt", "negative_prompt", "gen_orientation", "gen_model", "keep_sound")

st.title("Generate")
st.write(
    "Describe the scene if you like, check the estimated cost, and generate. Every press queues a take; "
    "you can keep working, or leave this page: the takes keep running and land in History."
)


def library_picker(choices_from: str | None = None) -> None:
    """A character and a motion clip from the shared library become this tab's pair, named in the address."""
    pair = pick_pair(settings, store, choices_from=choices_from)
    if pair is not None:
        st.query_params["pair"] = pair.id
        state.prepared_id = pair.id
        state.rerun_of = None
        state.library_done = True  # the grid closes once its pair is open
        st.rerun()


# The page follows the pair its address names, or the one prepared in this tab; never another tab's.
prepared_id = st.query_params.get("pair") or state.get("prepared_id")
prepared = store.prepared(prepared_id) if prepared_id else None
storage = storage_for(settings)
# A pair's files are fetched into this machine's data folder if it lacks them (they live in the media
# bucket, with MEDIA_BUCKET): the checks below read the motion video.
if prepared is None or not all(
    storage.local_path(name).is_file() for name in (prepared.image_path, prepared.video_path)
):
    st.info(
        "Nothing prepared in this tab yet. Start by adding a character image and a motion video.",
        icon=":material/info:",
    )
    st.page_link("pages/1_Upload.py", label="Go to Upload", icon=":material/upload:")
    recent = drafts.recent_pairs()
    if recent:
        st.caption("Or open a pair prepared earlier:")
        earlier_pairs(settings, recent)
    st.subheader("Pick from the library")
    library_picker()
    st.stop()
st.query_params["pair"] = prepared.id
state.prepared_id = prepared.id  # opened on purpose, it is this tab's pair from now on


def in_the_boxes(pair_id: str) -> Draft:
    return Draft(
        pair_id,
        state.get("prompt") or "",
        state.get("negative_prompt") or "",
        state.get("gen_orientation"),
        state.get("gen_model"),
        bool(state.get("keep_sound", True)),
    )


def save_draft() -> None:
    """Called on every change: what is typed lives in the store, so nothing typed is lost."""
    state.take_token = uuid4().hex  # a new request: the next press queues new takes
    state.noted_takes = []
    drafts.save(in_the_boxes(prepared.id))


previous = state.get("draft_pair")
reconciled = reconcile(
    in_the_boxes(prepared.id) if all(key in state for key in DRAFT_KEYS) else None,
    drafts.get(previous) if previous not in (None, prepared.id) else None,
    drafts.get(prepared.id),
    prepared,
)
if reconciled.fill:
    state.prompt = reconciled.draft.prompt
    state.negative_prompt = reconciled.draft.negative_prompt
    state.gen_orientation = reconciled.draft.character_orientation
    state.gen_model = reconciled.draft.model
    state.keep_sound = reconciled.draft.keep_original_sound
if reconciled.new_request:
    save_draft()
elif reconciled.save:
    drafts.save(reconciled.draft)  # so a later pair can tell these boxes hold this pair's draft
state.draft_pair = prepared.id
state.setdefault("take_token", uuid4().hex)
state.setdefault("variations", 1)
take_image, take_video = take_paths(prepared, settings.inputs_dir, storage)
takes = store.takes(take_image, take_video)
if token_spent(takes, state.take_token):
    state.take_token = uuid4().hex  # those takes are done: the same settings again are new takes

# History's Re-run fills the boxes and sends nothing: say so, until a press sends it or another pair opens.
rerun_of = store.get(state.rerun_of) if state.get("rerun_of") else None
if rerun_of is not None:
    number = store.take_numbers([rerun_of.id]).get(rerun_of.id)
    st.info(
        f"Filled from take {number or '?'} of {when(rerun_of.created_at)}: the same image, video and settings. "
        "Nothing is sent yet: change what you like, then press **Generate** to send it.",
        icon=":material/replay:",
    )

# Drawn only when asked for: the grid's thumbnails would slow every rerun of the page.
if state.pop("library_done", False):
    state.library_open = False
if st.toggle("Pick from the library", key="library_open", help="Use a saved character and motion clip instead."):
    library_picker(choices_from="gen")
image_column, video_column, form_column = st.columns([1, 1, 2], gap="large")
with image_column:
    st.caption("Character image")
    show_image(prepared.image_path, what="character image of this pair")
with video_column:
    st.caption("Motion video")
    show_video(prepared.video_path, what="motion video of this pair")

with form_column:
    model, orientation = model_and_way("gen", on_change=save_draft)

    prompt_boxes(drafts, model, save_draft)
    keep_sound = st.toggle("Keep the motion video's sound", key="keep_sound", on_change=save_draft)
    video_report = preflight.check_video(
        str(storage.local_path(prepared.video_path)), orientation, keep_original_sound=keep_sound, model=model
    )
    prompt_report = check_prompts(state.get("prompt"), state.get("negative_prompt"), model)
    for warning in video_report.warnings:
        st.warning(
            warning, icon=":material/volume_off:" if "sound" in warning or "silent" in warning else ":material/info:"
        )
    for problem in video_report.problems + prompt_report.problems:
        st.error(problem.message, icon=":material/error:")
    if not video_report.ok:
        st.page_link(
            "pages/1_Upload.py",
            label="Fix it on the Upload page",
            icon=":material/build:",
            query_params={"pair": prepared.id, "way": orientation, "model": model.word},
        )

    one_take = estimate(model, orientation, float(video_report.facts.get("duration") or 0), settings.price_for(model))
    seconds, price, cost = one_take.seconds or 0.0, one_take.price_per_second, one_take.usd or 0.0
    count = int(
        st.number_input(
            "Variations",
            min_value=1,
            max_value=4,
            step=1,
            key="variations",
            on_change=save_draft,
            help="How many takes of these same settings to make on purpose. Each one is paid.",
        )
    )
    metrics = st.columns(2)
    metrics[0].metric(
        "Estimated cost",
        f"${cost * count:.2f}",
        help=f"{seconds:.1f} s of video at ${price:.2f} per second (Model: {model.label})",
    )
    if count > 1:
        metrics[0].caption(f"{count} takes x ${cost:.2f} = ${cost * count:.2f}")
    if settings.demo_mode:
        metrics[1].metric("Mode", "Demo", help="The built-in simulator: nothing is charged.")
    else:
        balance_slot = metrics[1].empty()  # filled last, so a slow answer from Novita never holds the page

    motion_video = prepared.video_url or prepared.video_path
    no_link = missing_link(settings, motion_video)
    if no_link is not None:
        st.error(str(no_link), icon=":material/link_off:")

    def send(request: JobRequest, count: int, token: str) -> TakesSent:
        session_key = typed_key(settings, configured_settings().api_key)
        return send_takes(
            replace(request, made_by=current_person()),  # whoever presses, for a take sent again too
            count,
            token,
            settings,
            session_key=session_key,  # a typed key: this tab sends and follows its takes
            hosting=video_hosting(settings) if session_key else None,
            public_base_url=settings.public_base_url,
        )

    def generate() -> None:
        """Runs once per click, before the rerun. The click's token names its takes, so a double click
        makes them once; the same request while one is in flight is that one."""
        state.submit_error = state.rerun_of = None
        state.noted_takes = []
        save_draft_keeping_token()
        refusal = balance_refusal(
            cost * count, settings.demo_mode, lambda: live_balance(settings.api_key, settings.api_base_url).usd
        )
        if refusal is not None:
            state.submit_error = str(refusal)
            return
        over = Budgets(settings.database).refusal(current_person(), settings.price_for, cost * count)
        if over is not None:  # the worker holds the cap whatever a page says; this only says it before recording
            state.submit_error = str(over)
            return
        request = JobRequest(
            image=prepared.image_path,
            video=motion_video,
            character_orientation=Orientation(state.gen_orientation),
            prompt=(state.get("prompt") or "").strip(),
            negative_prompt=(state.get("negative_prompt") or "").strip(),
            keep_original_sound=state.keep_sound,
            model=model_for(state.gen_model),
        )
        before = {job.id for job in store.takes(take_image, take_video)}
        sent = send(request, count, state.take_token)
        state.submit_error = sent.problem
        state.noted_takes = [job.id for job in sent.jobs if job.id in before]

    def save_draft_keeping_token() -> None:
        token = state.take_token
        save_draft()
        state.take_token = token

    st.button(
        "Generate" if count == 1 else f"Generate {count} takes",
        type="primary",
        icon=":material/play_arrow:",
        on_click=generate,
        key="generate",
        disabled=no_link is not None or not (video_report.ok and prompt_report.ok),
        help="Queues a take; you can change the prompt and generate again while it runs.",
        width="stretch",
    )
    if state.get("submit_error"):
        st.error(state.submit_error, icon=":material/error:")
    # Worked out from the store on every run, so the note goes once those takes end.
    numbers = store.take_numbers([job.id for job in takes if job.id in state.get("noted_takes", [])])
    note = already_running([numbers[job.id] for job in takes if job.id in numbers and not job.status.final])
    if note:
        st.info(note, icon=":material/info:")

if takes:
    running = any(job_followers().can_move(job) for job in takes)

    def send_again(job: Job) -> None:
        """A take that was not made after all: the same request, sent again as a new take."""
        try:
            state.submit_error = send(request_from(job), 1, uuid4().hex).problem
        except MotionStudioError as error:
            state.submit_error = str(error)

    @st.fragment(run_every=1.0 if running else None)
    def take_list() -> None:
        """This pair's takes, newest first, live while any can still move by itself."""
        jobs = store.takes(take_image, take_video)
        movers = job_followers()
        ended = [job.id for job in jobs if job.id in state.get("noted_takes", []) and job.status.final]
        if any(movers.can_move(job) for job in jobs) != running or ended:
            state.noted_takes = [i for i in state.get("noted_takes", []) if i not in ended]
            st.rerun()  # start or stop the live updates, or drop the note of takes that ended
        st.subheader("Takes")
        take_grid(jobs, movers, settings, store, send_again)

    take_list()

if not settings.demo_mode:
    reading = live_balance(settings.api_key, settings.api_base_url)
    if reading.usd is not None:
        balance_slot.metric("Balance", f"${reading.usd:,.2f}")
    else:
        balance_slot.warning(f"The balance could not be read: {reading.problem}", icon=":material/warning:")
