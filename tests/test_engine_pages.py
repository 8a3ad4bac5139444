"""Pages start no threads or servers: they say whether a worker is there, and a tab with a typed key
says that it follows its own jobs (AppTest, on the real store)."""

from __future__ import annotations

import threading
from pathlib import Path

import requests
from streamlit.testing.v1 import AppTest

from lib.config import APP_DIR
from lib.jobs import JobRequest, JobStatus, submit_job
from lib.jobs.models import now_iso
from lib.novita import Orientation
from lib.novita import client as novita_client
from lib.worker.__main__ import main as worker_main
from lib.worker.heartbeat import WorkerBeat, Workers
from lib.worker.wiring import key_fingerprint
from tests.browser_support import free_port
from tests.conftest import TEST_API_KEY
from ui.common import SESSION_API_KEY


def home() -> AppTest:
    return AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=30)


def warnings(app: AppTest) -> str:
    return " ".join(w.value for w in app.warning)


def test_with_no_worker_every_page_says_how_to_start_one(settings) -> None:
    threads_before = set(threading.enumerate())  # by identity: a thread an earlier test left may end meanwhile
    app = home().run()
    assert not app.exception
    assert "No worker is running" in warnings(app) and "start it with `python -m lib.worker`" in warnings(app)
    started = [thread.name for thread in threading.enumerate() if thread not in threads_before]
    assert not started, f"the page started threads: {started}"


def test_a_live_worker_is_shown_and_the_warning_goes(settings) -> None:
    Workers(settings.db_path).beat(WorkerBeat.for_this_process(key_fingerprint(settings), threads=4))
    app = home().run()
    assert "No worker is running" not in warnings(app)
    assert any("1 worker running" in caption.value for caption in app.sidebar.caption)


def test_a_worker_for_another_key_does_not_count(settings) -> None:
    Workers(settings.db_path).beat(WorkerBeat.for_this_process("someone-elses-key", threads=4))
    assert "No worker is running" in warnings(home().run())


def test_a_key_typed_into_the_tab_is_followed_by_the_tab_and_it_says_so(settings) -> None:
    app = home()
    app.session_state[SESSION_API_KEY] = TEST_API_KEY
    app.run()
    assert not app.exception
    said = " ".join(info.value for info in app.sidebar.info)
    assert "this tab follows its jobs" in said and "keep it open" in said
    assert "No worker is running" not in warnings(app)
    assert TEST_API_KEY not in said


def connections_to(port: int) -> int:
    """Open TCP connections on this machine whose far end is `port`: the client side of each."""
    lines = [
        line.split() for name in ("/proc/net/tcp", "/proc/net/tcp6") for line in Path(name).read_text().splitlines()[1:]
    ]
    return sum(1 for fields in lines if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[3] == "01")


def test_a_tab_following_its_key_leaves_no_connection_open_per_round(
    settings, sim, control, client, hosting, store, character_png, motion_mp4, monkeypatch
) -> None:
    monkeypatch.setenv("NOVITA_BASE_URL", sim.url)
    control.configure(processing_seconds=120)
    job = submit_job(
        JobRequest(character_png, motion_mp4, Orientation.IMAGE), store=store, client=client, hosting=hosting
    )
    opened, closed = [], []
    make_session = novita_client._session_for

    def counted_session(base_url: str) -> requests.Session:
        session = make_session(base_url)
        opened.append(session)
        real_close = session.close
        session.close = lambda: (closed.append(session), real_close())[1]  # type: ignore[method-assign]
        return session

    monkeypatch.setattr(novita_client, "_session_for", counted_session)
    port = int(sim.url.rsplit(":", 1)[1])
    before = connections_to(port)
    app = home()
    app.session_state[SESSION_API_KEY] = TEST_API_KEY
    for _ in range(8):  # each run is one round of the tab's fragment, with the job due each time
        store.update(job.id, due_at=now_iso())
        app.run()
        assert not app.exception
    assert store.get(job.id).status in (JobStatus.QUEUED, JobStatus.PROCESSING)
    assert control.request_count("task-result") >= 8, "the tab did not look at its job each round"
    # One client per round at most (and one for Home's balance line), each closed when done with; none is
    # left for the garbage collector to close.
    assert 1 <= len(opened) <= 8 + 1 and closed == opened, f"{len(opened)} sessions opened, {len(closed)} closed"
    assert connections_to(port) <= before


def test_the_app_and_a_worker_say_in_words_when_the_history_database_cannot_be_reached(
    settings, monkeypatch, capsys
) -> None:
    port = free_port()
    monkeypatch.setenv("DATABASE_URL", f"postgresql://motion:secret@127.0.0.1:{port}/history")
    app = home().run()
    assert not app.exception
    said = " ".join(error.value for error in app.error)
    assert f"The history database at 127.0.0.1:{port} cannot be reached" in said and "secret" not in said
    assert worker_main([]) == 2
    assert f"The worker cannot start: The history database at 127.0.0.1:{port}" in capsys.readouterr().err
