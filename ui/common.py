"""What every page shares: settings with this browser session's overrides, and a few small widgets.

Only widgets live here; everything they show comes from `lib/`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from uuid import uuid4

import streamlit as st

from lib.access import password_matches
from lib.config import Settings, load_settings
from lib.errors import DatabaseUnreachable, MotionStudioError, SettingInvalid, TooManySignIns
from lib.files.hosting import hosting_for
from lib.files.storage import storage_for
from lib.history.gallery import download_name
from lib.history.times import local_time
from lib.jobs import Job, JobStatus, JobStore
from lib.jobs.following import follow_due
from lib.jobs.submit import send_job
from lib.media.checklist import Check
from lib.media.thumbnails import thumbnail
from lib.money import next_steps
from lib.novita.rules import MODEL_WORDS, Model, model_for
from lib.novita.task import unknown_status_words
from lib.team.budgets import fail_if_over_budget
from lib.worker import START_COMMAND, follow_now, followers, live_workers
from lib.worker.heartbeat import WAITING_FOR_KEY, Followers, Workers
from lib.worker.takes import typed_key
from lib.worker.tasks import one_round
from ui.media import download_link, missing, show_image, show_video
from ui.settling import settle_maybe_sent
from ui.team import person_in_sidebar, sign_in_configured, who_is_here

# Session-only settings, kept under keys no widget owns (Streamlit drops a widget's state on pages
# that do not draw it).
SESSION_API_KEY = "session_api_key"
SESSION_PRICE = "session_price_per_second"
SESSION_PUBLIC_URL = "session_public_base_url"

NAVIGATION = [
    ("app.py", "Home", ":material/home:"),
    ("pages/1_Upload.py", "Upload", ":material/upload:"),
    ("pages/2_Generate.py", "Generate", ":material/movie:"),
    ("pages/3_History.py", "History", ":material/video_library:"),
    ("pages/4_Compare.py", "Compare", ":material/compare:"),
    ("pages/5_Batch.py", "Batch", ":material/grid_view:"),
    ("pages/6_Library.py", "Library", ":material/photo_library:"),
    ("pages/7_Team.py", "Team", ":material/group:"),
]
STATUS_COLORS: dict[JobStatus, Literal["blue", "orange", "violet", "green", "red"]] = {
    JobStatus.SUBMITTING: "blue",
    JobStatus.MAYBE_SUBMITTED: "orange",
    JobStatus.QUEUED: "blue",
    JobStatus.PROCESSING: "violet",
    JobStatus.DOWNLOADING: "violet",
    JobStatus.SUCCEEDED: "green",
    JobStatus.FAILED: "red",
    JobStatus.EXPIRED: "orange",
}
# Said wherever queued work waits (the sidebar, a take's card), in the same words.
NO_WORKER = (
    f"**No worker is running**: start it with `{START_COMMAND}` (or `./scripts/run.sh`, which starts the "
    "app and a worker together). Jobs and fixes wait in the queue until one runs."
)
PREVIEW_MAX_BYTES = 200 * 1000 * 1000
# Wide enough to judge a take, narrow enough that a portrait result does not fill the screen.
RESULT_WIDTH = 420
STATUS_ICONS = {
    JobStatus.SUCCEEDED: ":material/check_circle:",
    JobStatus.FAILED: ":material/error:",
    JobStatus.EXPIRED: ":material/link_off:",
    JobStatus.MAYBE_SUBMITTED: ":material/help:",
}


def page(title: str, icon: str) -> tuple[Settings, JobStore]:
    """Set up a page: its title bar, this session's settings, whether work is being done, the store."""
    st.set_page_config(page_title=f"{title} · Motion Studio", page_icon=icon, layout="wide")
    settings = session_settings()
    if settings.app_password and not sign_in_configured() and not st.session_state.get("signed_in"):
        sign_in(settings.app_password)
        st.stop()
    try:
        store = JobStore(settings.database)
    except DatabaseUnreachable as error:  # nothing on any page works without the history: say so, in words
        st.error(str(error), icon=":material/cloud_off:")
        st.stop()
    person = who_is_here(settings)
    with st.sidebar:
        st.markdown("### Motion Studio")
        for target, label, link_icon in NAVIGATION:
            st.page_link(target, label=label, icon=link_icon)
        person_in_sidebar(settings, person)
        if session_key_in_use(settings):
            follow_in_this_tab(settings)
        else:
            worker_status(settings)
    return settings, store


def session_key_in_use(settings: Settings) -> bool:
    """The key is one typed into this browser session, which no worker holds."""
    return typed_key(settings, configured_settings().api_key) is not None


@st.fragment(run_every=5.0)
def worker_status(settings: Settings) -> None:
    """Whether a worker is there to do what the pages queue, said plainly when none is."""
    workers = live_workers(settings)
    if workers:
        st.caption(f":green[:material/check_circle:] {len(workers)} worker{'s' if len(workers) > 1 else ''} running")
    else:
        st.warning(NO_WORKER, icon=":material/warning:")


@st.fragment(run_every=2.0)
def follow_in_this_tab(settings: Settings) -> None:
    """Follow the jobs of a key typed into this tab: no worker holds it, and it is never written anywhere."""
    with one_round(settings) as follow:
        # Said on every round, so everyone can tell this key's jobs still have a follower (`Followers`).
        Workers(settings.database).tab_holds(st.session_state.setdefault("tab_id", uuid4().hex), follow.key_fingerprint)

        def send(job: Job) -> None:
            if fail_if_over_budget(job, follow.store, settings.price_for):  # held here as on the worker
                return
            with contextlib.suppress(MotionStudioError):  # a job that could not be sent records why
                hosting = video_hosting(settings)
                send_job(
                    job,
                    store=follow.store,
                    client=follow.client(),
                    hosting=hosting,
                    lease_seconds=follow.timing.submit_lease,
                    storage=storage_for(settings),
                )

        followed = follow_due(follow, send)
    st.info(
        "The API key you typed stays in this tab only, so **this tab follows its jobs**"
        + (f" ({followed} under way)" if followed else "")
        + ": keep it open until they finish. Jobs left unfinished carry on when the same key is entered again. "
        "To have a worker follow jobs with the tab closed, set NOVITA_API_KEY on the server.",
        icon=":material/key:",
    )


def sign_in(expected: str) -> None:
    st.title("Motion Studio")
    with st.form("sign_in"):
        given = st.text_input("Team password", type="password")
        if st.form_submit_button("Sign in", type="primary"):
            address = st.context.ip_address  # None on this computer; a stand-in object under AppTest
            try:
                right = password_matches(given, expected, client=address if isinstance(address, str) else "")
            except TooManySignIns as error:
                st.error(str(error), icon=":material/timer:")
                return
            if right:
                st.session_state.signed_in = True
                st.rerun()
            st.error("That password is not right. Ask whoever set up Motion Studio for it.")


def configured_settings() -> Settings:
    """The app's own settings; a value it cannot use stops the page with one plain error naming it."""
    try:
        return load_settings()
    except SettingInvalid as error:
        st.error(
            f"Motion Studio cannot use one of its settings: {error.detail or error.user_message}. "
            "Correct it in the environment or in `.streamlit/secrets.toml`, then restart the app.",
            icon=":material/error:",
        )
        st.stop()


def session_settings() -> Settings:
    """The app's settings with what this browser session set on the home page (never written anywhere)."""
    settings = configured_settings()
    overrides: dict = {}
    if not settings.api_key and st.session_state.get(SESSION_API_KEY):
        overrides["api_key"] = st.session_state[SESSION_API_KEY]
    if st.session_state.get(SESSION_PRICE) is not None:
        overrides["price_per_second"] = float(st.session_state[SESSION_PRICE])
    if st.session_state.get(SESSION_PUBLIC_URL):
        overrides["public_base_url"] = st.session_state[SESSION_PUBLIC_URL].rstrip("/")
    return replace(settings, **overrides)


def video_hosting(settings: Settings):  # VideoHosting or S3Hosting; the S3 one loads boto3 only when used
    return hosting_for(settings, st.get_option("server.port"))


def job_followers() -> Followers:
    """Who can follow jobs now: the deployment's key, and the keys live workers and tabs hold."""
    return followers(configured_settings())


def status_words(job: Job, movers: Followers | None = None) -> str:
    """The job's status in a creator's words; a remote status we do not know, as Novita says it; or,
    with `movers`, that it waits for the key that made it."""
    if movers is not None and movers.label(job) == WAITING_FOR_KEY:
        return WAITING_FOR_KEY
    if job.status.polled and (words := unknown_status_words(job.remote_status)):
        return words
    return job.status.label


def status_badge(job: Job, movers: Followers | None = None) -> None:
    words = status_words(job, movers)
    st.badge(
        words,
        color="gray" if words == WAITING_FOR_KEY else STATUS_COLORS[job.status],
        icon=":material/key_off:"
        if words == WAITING_FOR_KEY
        else STATUS_ICONS.get(job.status, ":material/hourglass_top:"),
    )


def show_checklist(checks: list[Check]) -> None:
    for check in checks:
        if check.passed:
            st.markdown(f":green[:material/check_circle:] **{check.rule}**: {check.measured} · limit {check.limit}")
        else:
            st.markdown(f":red[:material/cancel:] **{check.rule}**: {check.message}")


def job_progress(job: Job) -> None:
    """Progress bar, ETA and elapsed time of a job still on its way."""
    started = datetime.fromisoformat(job.created_at)
    elapsed = int((datetime.now(UTC) - started).total_seconds())
    st.progress(max(0, min(100, job.progress_percent)) / 100, text=f"{status_words(job)}… {job.progress_percent}%")
    eta = f"about {job.eta_seconds} s left · " if job.eta_seconds else ""
    st.caption(f"{eta}{elapsed // 60} min {elapsed % 60:02d} s since you pressed Generate")


def job_outcome(job: Job, movers: Followers | None = None, send_again: Callable[[Job], None] | None = None) -> None:
    """The result with its download, what went wrong and what to do, or the live progress.

    A job that may have been sent gets the two ways to settle it; `send_again` sends one that was not made."""
    storage = storage_for(load_settings())
    if job.status is JobStatus.SUCCEEDED and job.result_path and storage.exists(job.result_path):
        show_video(job.result_path, what="result video of this take", width=RESULT_WIDTH)
        download_link(job.result_path, download_name(job), what="result video of this take")
    elif job.status is JobStatus.SUCCEEDED:
        missing("result video of this take")
    elif job.status.final or job.status is JobStatus.MAYBE_SUBMITTED:
        st.error(job.failure_reason or "The job did not finish.", icon=":material/error:")
        st.write(next_steps(job))
        if job.status is JobStatus.MAYBE_SUBMITTED:
            settings = configured_settings()
            settle_maybe_sent(
                JobStore(settings.database), job, send_again, lambda settled: follow_now(settings, settled)
            )
    elif movers is not None and movers.label(job) == WAITING_FOR_KEY:
        st.info(
            f"**{WAITING_FOR_KEY}.** It was made with an API key that no worker or open tab holds now (a key typed "
            "into a tab since closed, or a server key since changed). It carries on when that key is entered again "
            "or a worker with it runs; until then it blocks nothing.",
            icon=":material/key_off:",
        )
    else:
        job_progress(job)


def model_and_way(key_prefix: str, on_change: Callable[[], None] | None = None) -> tuple[Model, str]:
    """The "Model" and "Character faces" controls, worded alike wherever a job is set up; the way's caption
    gives the chosen model's longest motion video."""
    model = model_for(
        st.selectbox(
            "Model",
            options=MODEL_WORDS,
            format_func=lambda word: model_for(word).label,
            key=f"{key_prefix}_model",
            on_change=on_change,
        )
    )
    orientation = st.radio(
        "Character faces",
        options=["image", "video"],
        format_func=lambda o: {
            "image": f"As in the image (video up to {model.max_video_seconds('image'):g} s)",
            "video": f"As in the motion video (up to {model.max_video_seconds('video'):g} s)",
        }[o],
        key=f"{key_prefix}_orientation",
        on_change=on_change,
        horizontal=True,
    )
    return model, str(orientation)


def video_preview(path: str, what: str = "motion video", **options: Any) -> None:
    """A player for a video file, or for one too large to play this way (the static route serves up to
    200 MiB), a still from it; `what` names it if it is gone."""
    try:
        stat = Path(path).stat()
    except FileNotFoundError:
        missing(what)
        return
    if stat.st_size > PREVIEW_MAX_BYTES:
        show_image(str(still_of(path, stat.st_mtime_ns)), what=f"still of the {what}", width=320)
        st.caption("A still from the clip: it is too large to play here. Fix it makes a copy that plays.")
    else:
        show_video(path, what=what, **options)


@functools.lru_cache(maxsize=32)
def still_of(path: str, mtime_ns: int) -> Path:
    """A still of a large video, made once per file and version: naming it hashes the whole file."""
    return thumbnail(path)


def when(stamp: str | None) -> str:
    """An ISO time in this machine's zone, named: '24 Nov 2026, 15:05 CET'; a dash for none."""
    return local_time(stamp) or "—"
