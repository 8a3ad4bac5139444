"""Settling a job that may have been sent: the person who checked the Novita dashboard says what they found."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from lib.errors import NotResolvable
from lib.jobs import Job, JobStore
from lib.jobs.resolving import resolve_not_sent, resolve_with_task


def settle_maybe_sent(
    store: JobStore, job: Job, send_again: Callable[[Job], None] | None, follow: Callable[[Job], None]
) -> None:
    """The two answers a person gives once they checked the Novita dashboard for a job that may have been sent:
    `send_again` sends one that was not made, `follow` has one that was made followed now."""

    def not_made() -> None:
        try:
            settled = resolve_not_sent(store, job.id)
        except NotResolvable as error:
            st.session_state.settle_error = str(error)
            return
        if send_again is not None:
            send_again(settled)

    def made() -> None:
        try:
            settled = resolve_with_task(store, job.id, st.session_state.get(f"task_id_{job.id}") or "")
        except NotResolvable as error:
            st.session_state.settle_error = str(error)
            return
        follow(settled)

    st.button(
        "I checked: it was not made, send it again",
        key=f"not_made_{job.id}",
        on_click=not_made,
        icon=":material/replay:",
    )
    typed, made_column = st.columns([2, 1], vertical_alignment="bottom")
    typed.text_input("Task ID on the Novita dashboard", key=f"task_id_{job.id}", placeholder="e.g. 3f2a…")
    made_column.button("It was made: follow task ID", key=f"made_{job.id}", on_click=made, icon=":material/link:")
    if st.session_state.get("settle_error"):
        st.error(st.session_state.pop("settle_error"), icon=":material/error:")
