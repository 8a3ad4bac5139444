"""History: every generation, newest first, to review, download, re-run or delete."""

from __future__ import annotations

import math

import streamlit as st

from lib.batches import Batches
from lib.errors import DeleteRefused
from lib.files.storage import storage_for
from lib.history.deleting import Deletion, deletion_for, remove_job
from lib.history.filters import ADDRESS_KEYS, address_of, counted, from_address, nothing_shown
from lib.history.gallery import (
    can_rerun,
    first_page_if_filtered,
)
from lib.jobs import GalleryQuery, Job, JobStatus
from lib.money import job_estimate
from lib.novita.rules import Orientation, model_for
from lib.team.people import shown
from lib.worker.heartbeat import Followers
from ui.batch import batch_group, batch_title, under_way
from ui.common import job_followers, job_outcome, page, status_badge, when
from ui.compare import compare_tray
from ui.exports import export_and_backup
from ui.media import show_image, show_video
from ui.rerun import rerun_in_generate
from ui.spending import spending
from ui.team import audit, is_team_admin, may_change, whose_jobs

PAGE_SIZE = 12
BATCHES_SHOWN = 3

settings, store = page("History", ":material/video_library:")
state = st.session_state
state.setdefault("history_page", 0)
state.setdefault("compare_picks", [])
# A link that names a job (Home's recent jobs, a shared address) opens it, even after another was closed.
if st.query_params.get("job") and st.query_params["job"] != state.get("open_job"):
    state.open_job = st.query_params["job"]


def open_job(job_id: str | None) -> None:
    state.open_job = job_id
    state.confirm_delete = False
    if job_id:
        st.query_params["job"] = job_id
    else:
        st.query_params.pop("job", None)


def save_note(job_id: str) -> None:
    """Keep the note as typed: Streamlit calls this when the field is left (or on Ctrl+Enter)."""
    store.update(job_id, note=state[f"note_{job_id}"])
    audit(settings, "note changed", f"job {job_id}")
    state.note_saved = job_id


def pick_for_compare(job_id: str) -> None:
    picks = [p for p in state.compare_picks if p != job_id]
    state.compare_picks = [*picks, job_id] if state[f"compare_{job_id}"] else picks
    state.picks_changed = True  # the tray sits in the sidebar, outside the grid's fragment


def rerun_job(job: Job) -> None:
    """Open Generate with this job's inputs and settings."""
    open_job(None)
    rerun_in_generate(store, job)


def detail(job: Job, movers: Followers) -> None:
    if state.pop("rerun_after_settling", None) == job.id and can_rerun(job, storage_for(settings)):
        rerun_job(job)
    if st.button("Back to all jobs", icon=":material/arrow_back:"):
        open_job(None)
        st.rerun()  # the whole page: the detail view runs in a fragment
    head, badge = st.columns([4, 1])
    head.title(job.prompt[:60] or "Untitled generation")
    with badge:
        status_badge(job, movers)
    result, character, motion = st.columns([2, 1, 1], gap="medium")
    with result:
        # Generate opens with the same request, for a press to send it again (pages switch outside callbacks).
        job_outcome(job, movers, send_again=lambda settled: state.update(rerun_after_settling=settled.id))
    with character:
        st.caption("Character image")
        if job.image_path:  # a job sent from a link has no stored image
            show_image(job.image_path, what="character image of this take")
    with motion:
        st.caption("Motion video")
        if job.video_path:
            show_video(job.video_path, what="motion video of this take")

    facts, actions = st.columns([2, 1], gap="large")
    with facts:
        model = model_for(job.model)
        cost = job_estimate(job, settings.price_for).usd
        st.markdown(
            "\n".join(
                [
                    f"- **Model:** {model.label}",
                    f"- **Character faces:** {Orientation(job.character_orientation).label.lower()}",
                    f"- **Prompt:** {job.prompt or '—'}",
                    f"- **Things to avoid:** {job.negative_prompt or '—'}",
                    f"- **Sound:** {'kept from the motion video' if job.keep_original_sound else 'none'}",
                    f"- **Length:** {f'{job.output_seconds:.1f} s' if job.output_seconds else '—'}",
                    f"- **Estimated cost:** {f'${cost:.2f}' if cost is not None else '—'}",
                    f"- **Created:** {when(job.created_at)} · **sent:** {when(job.submitted_at)} "
                    f"· **finished:** {when(job.finished_at)}",
                ]
            )
        )
        st.caption("Task id (click to copy)")
        st.code(job.task_id or "not assigned", language=None)
        st.text_area(
            "Note",
            value=job.note,
            key=f"note_{job.id}",
            placeholder="Anything to remember about this one",
            on_change=save_note,
            args=(job.id,),
        )
        if state.get("note_saved") == job.id:
            st.caption("Saved")
    with actions:
        if st.button("Unfavorite" if job.favorite else "Favorite", icon=":material/star:", width="stretch"):
            store.update(job.id, favorite=not job.favorite)
            st.rerun()
        rerunnable = can_rerun(job, storage_for(settings))
        if st.button(
            "Re-run",
            icon=":material/replay:",
            width="stretch",
            disabled=not rerunnable,
            help=None if rerunnable else "The inputs of this job are no longer on disk.",
        ):
            rerun_job(job)
        if not state.get("confirm_delete"):
            if may_change(settings, job.made_by, "delete other people's work") and st.button(
                "Delete", icon=":material/delete:", width="stretch"
            ):
                state.confirm_delete = True
                st.rerun()
        else:
            deletion = deletion_for(job, movers.can_follow(job))
            st.warning(deletion.sentence)
            yes, no = st.columns(2)
            if deletion is not Deletion.REFUSE and yes.button(
                "Yes, delete" if deletion is Deletion.DELETE else "Hide it", type="primary", width="stretch"
            ):
                try:
                    done = remove_job(
                        store,
                        job.id,
                        settings.data_dir,
                        settings.static_dir,
                        movers.can_follow(job),
                        storage_for(settings),
                    )
                except DeleteRefused as refused:
                    st.error(str(refused), icon=":material/error:")
                    return
                audit(settings, "job deleted" if done is Deletion.DELETE else "job hidden", f"job {job.id}")
                state.compare_picks = [p for p in state.compare_picks if p != job.id]
                open_job(None)
                st.toast("Job deleted" if done is Deletion.DELETE else "Job hidden: it is still followed to its end")
                st.rerun()
            if no.button("Keep it", width="stretch"):
                state.confirm_delete = False
                st.rerun()


def card(job: Job, take: int | None, movers: Followers) -> None:
    with st.container(border=True):
        if job.poster_path:
            show_image(job.poster_path, what="poster of this take", width="stretch")
        status_badge(job, movers)
        star = " :orange[:material/star:]" if job.favorite else ""
        # Takes of one pair share their inputs: the take number, prompt and model are what tell them apart.
        st.markdown(f"**Take {take or '?'}**{star}")
        st.write((job.prompt[:120] + "…") if len(job.prompt) > 120 else (job.prompt or "No prompt"))
        length = f" · {job.output_seconds:.0f} s" if job.output_seconds else ""
        faces = f"faces as in the {job.character_orientation}"
        st.caption(f"{when(job.created_at)}{length} · {faces} · {model_for(job.model).label}")
        st.caption(f":material/person: {shown(job.made_by)}")
        if job.status.polled:
            st.progress(job.progress_percent / 100)
        st.checkbox(
            "Compare",
            value=job.id in state.compare_picks,
            key=f"compare_{job.id}",
            on_change=pick_for_compare,
            args=(job.id,),
        )
        if st.button("Open", key=f"open_{job.id}", width="stretch"):
            open_job(job.id)
            st.rerun()  # the whole page, not only this fragment


opened = store.get(state.open_job) if state.get("open_job") else None
if opened is not None:
    live = job_followers().can_move(opened)

    @st.fragment(run_every=1.0 if live else None)
    def live_detail() -> None:
        job = store.get(opened.id)
        if job is None:
            return
        movers = job_followers()
        if movers.can_move(job) != live:
            st.rerun()  # start or stop the live updates
        detail(job, movers)

    live_detail()
    st.stop()

compare_tray(state.compare_picks)
st.title("History")
st.write("Every generation you made, newest first. Open one to watch, download, re-run or delete it.")

batches = Batches(settings.database).recent(BATCHES_SHOWN)
if batches:
    # A batch is one group, folded to one line so the gallery starts on the first screen: open it for its
    # progress, its grid of posters, one zip and a link to Compare.
    @st.fragment(run_every=settings.poll_seconds if any(under_way(store, b) for b in batches) else None)
    def batch_groups() -> None:
        for shown in batches:
            batch = Batches(settings.database).get(shown.id)
            if batch is None:
                continue
            with st.expander(batch_title(store, batch), icon=":material/grid_view:", key=f"fold_{batch.id}"):
                batch_group(store, batch, key=f"history_batch_{batch.id}", settings=settings)

    batch_groups()
# The filters live in the address; coming back through the sidebar (an address without them) finds them again.
if not any(key in st.query_params for key in ADDRESS_KEYS):
    st.query_params.update(state.get("history_address", {}))
asked = from_address(st.query_params)
whose = whose_jobs(settings, asked.made_by)
labels = {s.label: s for s in JobStatus}
state.setdefault("filter_status", [status.label for status in asked.statuses])
state.setdefault("filter_orientation", asked.character_orientation or "Any")
state.setdefault("filter_search", asked.search)
state.setdefault("filter_favorites", asked.favorites_only)


def clear_filters() -> None:
    state.filter_status, state.filter_orientation, state.filter_search, state.filter_favorites = [], "Any", "", False


filters = st.columns([2, 1, 2, 1])
statuses = filters[0].multiselect("Status", list(labels), key="filter_status", placeholder="Any status")
orientation = filters[1].selectbox(
    "Character faces",
    ["Any", "image", "video"],
    key="filter_orientation",
    format_func=lambda o: {"Any": "Any", "image": "As in the image", "video": "As in the motion video"}[o],
)
search = filters[2].text_input("Search prompts and notes", key="filter_search", placeholder="e.g. beach")
favorites = filters[3].toggle("Favorites only", key="filter_favorites")
query = GalleryQuery(
    statuses=tuple(labels[s] for s in statuses),
    character_orientation=None if orientation == "Any" else orientation,
    search=search,
    favorites_only=favorites,
    made_by=whose,
    page=state.history_page,
    page_size=PAGE_SIZE,
)
state.history_address = address_of(query)
for key in ADDRESS_KEYS:
    st.query_params.pop(key, None)
st.query_params.update(state.history_address)
query = first_page_if_filtered(query, state.get("history_filters"))
state.history_filters, state.history_page = query.filters, query.page
jobs, total = store.gallery(query)

if not total:
    has_jobs = bool(store.count())
    st.info(nothing_shown(query, has_jobs), icon=":material/info:")
    if has_jobs:
        st.button("Clear the filters", icon=":material/filter_alt_off:", on_click=clear_filters)
    else:
        st.page_link("pages/1_Upload.py", label="Make your first video", icon=":material/upload:")
    st.stop()

movers = job_followers()
pending = any(movers.can_move(job) for job in jobs)
takes = store.take_numbers([job.id for job in jobs])


@st.fragment(run_every=2.0 if pending else None)
def grid() -> None:
    fresh = [store.get(job.id) or job for job in jobs] if pending else jobs
    for row in range(0, len(fresh), 3):
        for column, job in zip(st.columns(3), fresh[row : row + 3], strict=False):  # the last row may be short
            with column:
                card(job, takes.get(job.id), movers)
    if state.pop("picks_changed", False):
        st.rerun()  # the whole page, so the sidebar's tray shows the picks


grid()
pages = max(1, math.ceil(total / PAGE_SIZE))
back, where, forward = st.columns([1, 2, 1])
if back.button("Newer", icon=":material/chevron_left:", disabled=state.history_page == 0, width="stretch"):
    state.history_page -= 1
    st.rerun()
where.markdown(
    f"<div style='text-align:center'>Page {state.history_page + 1} of {pages} · {counted(total, 'job')}</div>",
    unsafe_allow_html=True,
)
if forward.button("Older", icon=":material/chevron_right:", disabled=state.history_page >= pages - 1, width="stretch"):
    state.history_page += 1
    st.rerun()


if is_team_admin(settings):  # the key's spending is everyone's: an admin's to see
    spending(settings, store)
export_and_backup(settings, store)
