"""Generate's takes: a compact grid of cards, each a poster that plays where it stands, the take's number,
model and prompt, and what can be done with it (Favourite, Compare, Open in History, Download, Cancel).

    take_grid(numbered_jobs, movers, settings, store, send_again)
"""

from __future__ import annotations

import html
from collections.abc import Callable

import streamlit as st

from lib.config import Settings
from lib.errors import AlreadySent
from lib.files.storage import storage_for
from lib.history.gallery import download_name
from lib.jobs import Job, JobStatus, JobStore
from lib.jobs.cancelling import can_cancel, cancel_unsent
from lib.novita.rules import model_for
from lib.team.people import shown
from lib.worker import live_workers
from lib.worker.heartbeat import Followers
from ui.common import NO_WORKER, job_outcome, session_key_in_use, status_badge, when
from ui.media import download_link

TAKES_SHOWN = 10
GRID_COLUMNS = 3
# Tall enough to judge a take, short enough that two rows of cards fit a laptop screen.
TILE_HEIGHT = 150
PROMPT_SHOWN = 80


def take_grid(
    jobs: list[Job],
    movers: Followers,
    settings: Settings,
    store: JobStore,
    send_again: Callable[[Job], None],
) -> None:
    """A pair's takes (oldest first, as numbered), shown newest first, `GRID_COLUMNS` to a row."""
    numbered = list(enumerate(jobs, start=1))
    if len(numbered) > TAKES_SHOWN:  # each take draws a card: a long list would slow every rerun
        st.caption(f"The newest {TAKES_SHOWN} of {len(numbered)} takes; every take is in History.")
    numbered = list(reversed(numbered[-TAKES_SHOWN:]))
    waiting = (
        any(job.status is JobStatus.SUBMITTING for _, job in numbered)
        and not session_key_in_use(settings)
        and not live_workers(settings)
    )
    for start in range(0, len(numbered), GRID_COLUMNS):
        row = numbered[start : start + GRID_COLUMNS]
        for column, (number, job) in zip(st.columns(GRID_COLUMNS), row, strict=False):
            with column:
                take_card(number, job, movers, settings, store, send_again, no_worker=waiting)


def take_card(
    number: int,
    job: Job,
    movers: Followers,
    settings: Settings,
    store: JobStore,
    send_again: Callable[[Job], None],
    *,
    no_worker: bool,
) -> None:
    with st.container(border=True, key=f"take_{job.id}"):
        result = job.result_path if job.status is JobStatus.SUCCEEDED else None
        playable = bool(result) and storage_for(settings).exists(result or "")
        if playable:
            video_tile(result or "", job.poster_path, settings)
        star = " :orange[:material/star:]" if job.favorite else ""
        st.markdown(f"**Take {number}**{star} · {model_for(job.model).label}")
        if job.made_by:  # on a team, whose take it is
            st.caption(f":material/person: {shown(job.made_by)}")
        prompt = job.prompt if len(job.prompt) <= PROMPT_SHOWN else job.prompt[:PROMPT_SHOWN] + "…"
        st.caption(
            f"Prompt: {prompt}" if job.prompt else "No prompt",
            help=f"Made {when(job.created_at)}. {job.prompt}".strip(),
        )
        if not playable:
            job_outcome(job, movers, send_again)
            if no_worker and job.status is JobStatus.SUBMITTING:
                st.caption(f":orange[:material/warning:] Waiting to be sent: {NO_WORKER}")
        actions(job, movers, settings, store)


def video_tile(path: str, poster: str | None, settings: Settings) -> None:
    """A player that loads nothing until pressed, streamed from its link (the static route, or the media
    bucket), with full screen in its controls; the poster is the take's own still."""
    storage = storage_for(settings)
    url = storage.link(path) or ""
    still = (storage.link(poster) or "") if poster and storage.exists(poster) else ""
    st.html(
        f'<video src="{html.escape(url)}" poster="{html.escape(still)}" controls preload="none" playsinline '
        f'style="width:100%;height:{TILE_HEIGHT}px;background:#000;border-radius:0.5rem"></video>'
    )


def actions(job: Job, movers: Followers, settings: Settings, store: JobStore) -> None:
    """One row of small buttons; each says what it does when hovered."""
    state = st.session_state
    state.setdefault("compare_picks", [])  # History's picks: Compare there shows them side by side

    def favourite() -> None:
        store.update(job.id, favorite=not job.favorite)

    def pick() -> None:
        state.compare_picks = [p for p in state.compare_picks if p != job.id] + [job.id]

    def cancel() -> None:
        try:
            cancel_unsent(store, job.id)
        except AlreadySent as error:
            state.take_cancel_note = (job.id, str(error))

    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        status_badge(job, movers)
        st.button(
            "",
            icon=":material/star:" if not job.favorite else ":material/star_rate:",
            key=f"favourite_{job.id}",
            on_click=favourite,
            help="Remove from favourites" if job.favorite else "Favourite",
        )
        if job.status is JobStatus.SUCCEEDED:
            picked = job.id in state.compare_picks
            st.button(
                "",
                icon=":material/compare:",
                key=f"pick_to_compare_{job.id}",
                on_click=pick,
                disabled=picked,
                help="Picked for Compare: see it in History" if picked else "Compare (pick it in History)",
            )
        st.page_link("pages/3_History.py", label="History", icon=":material/open_in_new:", query_params={"job": job.id})
        if job.status is JobStatus.SUCCEEDED and job.result_path:
            # No icon: a take's row of actions stays one line, so six takes fit a laptop's screen.
            download_link(job.result_path, download_name(job), what="result video of this take", icon="")
        if can_cancel(job):
            st.button("Cancel", icon=":material/cancel:", key=f"cancel_{job.id}", on_click=cancel)
    if not job.status.final and not can_cancel(job) and job.status is not JobStatus.MAYBE_SUBMITTED:
        st.caption("Sent to Novita, which cannot stop a take once it has it.")
    note = state.get("take_cancel_note")
    if note and note[0] == job.id:
        st.warning(note[1], icon=":material/info:")
