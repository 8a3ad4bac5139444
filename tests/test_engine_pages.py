"""Pages start no threads or servers: they say whether a worker is there, and a tab with a typed key
says that it follows its own jobs (AppTest, on the real store)."""

from __future__ import annotations

import threading

from streamlit.testing.v1 import AppTest

from lib.config import APP_DIR
from lib.worker.heartbeat import WorkerBeat, Workers
from lib.worker.wiring import key_fingerprint
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
