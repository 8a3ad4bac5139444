"""Motion Studio: home page."""

from __future__ import annotations

import streamlit as st

from lib.novita.balance import live_balance
from lib.setup_check import check_setup
from ui.common import (
    SESSION_API_KEY,
    SESSION_PRICE,
    SESSION_PUBLIC_URL,
    configured_settings,
    job_followers,
    page,
    status_badge,
    when,
)
from ui.media import show_image
from ui.team import audit, is_team_admin

POSTER_WIDTH = 72  # small enough that five recent jobs fit under the steps

settings, store = page("Home", ":material/movie:")

st.title("Motion Studio")
st.write(
    "Turn a character image and a motion video into a new video in which your character performs the moves. "
    "Upload both, fix anything the model would refuse, generate, and find every result in your history."
)

if settings.demo_mode:
    st.info(
        "**Demo mode**: running on the built-in Novita simulator. No API key is needed and nothing is charged; "
        "results are stand-in videos. Add your Novita API key below to go live.",
        icon=":material/science:",
    )
else:
    balance_slot = st.empty()  # filled last, so a slow answer from Novita never holds the rest of the page

if st.button("Check my set-up", key="check_setup", icon=":material/fact_check:"):
    with st.spinner("Checking the key and how Novita would fetch your motion videos…"):
        checks = check_setup(settings)
    for check in checks:
        if check.works:
            st.success(f"**{check.part}**: {check.said}", icon=":material/check_circle:")
        else:
            st.error(f"**{check.part}**: {check.said}", icon=":material/cancel:")

steps = st.columns(5)
steps[0].page_link("pages/1_Upload.py", label="1. Upload and check", icon=":material/upload:")
steps[0].caption("Add a character image and a motion video; fix what the model would refuse.")
steps[1].page_link("pages/2_Generate.py", label="2. Generate", icon=":material/movie:")
steps[1].caption("Describe the scene, see the cost, and follow the job live.")
steps[2].page_link("pages/3_History.py", label="3. History", icon=":material/video_library:")
steps[2].caption("Watch, download, re-run or delete past generations.")
steps[3].page_link("pages/5_Batch.py", label="Batch", icon=":material/grid_view:")
steps[3].caption("Several characters x several motion videos, one job each, at a cost shown first.")
steps[4].page_link("pages/6_Library.py", label="Library", icon=":material/photo_library:")
steps[4].caption("Characters and motion clips saved for everyone, ready to use.")

st.subheader("Recent jobs")
recent = store.recent(limit=5)
if not recent:
    st.caption("No jobs yet.")
movers = job_followers()
for job in recent:
    poster, text, badge = st.columns([1, 6, 1], vertical_alignment="center")
    if job.poster_path:  # a job still under way has no picture yet
        with poster:
            show_image(job.poster_path, what="poster of this take", width=POSTER_WIDTH)
    text.page_link(
        "pages/3_History.py",
        label=f"{when(job.created_at)} · {job.prompt[:80] or 'No prompt'}",
        query_params={"job": job.id},
    )
    with badge:
        status_badge(job, movers)

with st.expander("Settings", icon=":material/settings:"):
    if not configured_settings().api_key:
        st.text_input(
            "Novita API key (kept in this browser session only)",
            type="password",
            key="api_key_input",
            placeholder="sk_…",
            help="Never written to disk and never shown again. Close the tab to forget it.",
            on_change=lambda: st.session_state.update(
                {SESSION_API_KEY: st.session_state.api_key_input.strip() or None}
            ),
        )
    else:
        st.caption("The API key comes from the server's configuration.")
    admin = is_team_admin(settings, "change the price and the public address")
    st.number_input(
        "Price per second of output (USD), for cost estimates",
        disabled=not admin,
        help="For Kling 2.6 Pro. Kling 3.0 takes its prices from PRICE_PER_SECOND_V3_STD and PRICE_PER_SECOND_V3_PRO.",
        min_value=0.0,
        max_value=10.0,
        step=0.01,
        value=settings.price_per_second,
        key="price_input",
        on_change=lambda: (
            st.session_state.update({SESSION_PRICE: st.session_state.price_input}),
            audit(settings, "setting changed", f"price per second to ${st.session_state.price_input:.2f}"),
        ),
    )
    st.text_input(
        "Public address of this app (where Novita fetches uploaded videos)",
        value=settings.public_base_url or "",
        key="public_url_input",
        placeholder="https://studio.example.com",
        disabled=not admin,
        on_change=lambda: (
            st.session_state.update({SESSION_PUBLIC_URL: st.session_state.public_url_input.strip() or None}),
            audit(settings, "setting changed", f"public address to {st.session_state.public_url_input.strip()}"),
        ),
    )
    st.caption(f"Your history and videos live in `{settings.data_dir}`.")

if not settings.demo_mode:
    reading = live_balance(settings.api_key, settings.api_base_url)
    if reading.usd is not None:
        balance_slot.success(f"**Live on Novita**: balance {reading.usd:,.2f} USD.", icon=":material/bolt:")
    else:
        balance_slot.warning(
            f"**Live on Novita**, but the balance could not be read: {reading.problem}", icon=":material/warning:"
        )
