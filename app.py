"""Motion Studio: home page."""
from __future__ import annotations

import streamlit as st

from lib.config import load_settings
from lib.errors import MotionStudioError
from lib.jobs import start_poller
from lib.service import client_for
from lib.store import JobStore

st.set_page_config(page_title="Motion Studio", page_icon="🎬", layout="wide")

settings = load_settings()
start_poller(settings)

st.title("🎬 Motion Studio")
st.write(
    "Turn a character image and a motion video into a new video: your character performs the moves. "
    "Upload both, fix anything the model would refuse, generate, and find every result in your history."
)

if settings.demo_mode:
    st.info(
        "**Demo mode**: running on the built-in Novita simulator. No API key is needed and nothing is charged; "
        "results are stand-in videos. Add `NOVITA_API_KEY` to go live.",
        icon="🧪",
    )
else:
    try:
        balance = client_for(settings).balance()
        st.success(f"**Live on Novita**: balance {balance:,.2f} USD.", icon="✅")
    except MotionStudioError as error:
        st.warning(f"**Live on Novita**, but the balance could not be read: {error}", icon="⚠️")

st.subheader("Recent jobs")
recent = JobStore(settings.db_path).recent(limit=5)
if not recent:
    st.caption("No jobs yet.")
for job in recent:
    st.write(f"`{job.created_at[:16].replace('T', ' ')}` · **{job.status.value.replace('_', ' ')}** · {job.prompt or 'no prompt'}")

with st.expander("Where your data lives"):
    st.write(f"History database: `{settings.db_path}`")
    st.write(f"Saved result videos: `{settings.results_dir}`")
