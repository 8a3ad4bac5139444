"""Five defects found in review, each pinned by a test that failed before its fix.

A failed fix kept on screen, ffmpeg stopped with an interrupted fix, a bad setting shown as one plain
error, the live balance read once a minute instead of on every rerun, and result downloads handed
over only when clicked. Fixes run in a worker now: the first two run a real worker process, or the
worker's `run_fix` in this process, where only this process can see its ffmpeg.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from lib.config import APP_DIR, load_settings
from lib.errors import SettingInvalid
from lib.history.gallery import download_name
from lib.jobs import JobStatus, JobStore
from lib.jobs.fix_runs import FixRun, FixRuns, FixState, run_fix
from lib.novita.balance import forget_balances
from lib.simulator import SimulatorControl
from tests.bigfiles_support import upload_in_apptest
from tests.conftest import TEST_API_KEY
from tests.make_media import make_image, make_video
from tests.processes import ffmpeg_children
from tests.test_store import a_job


@pytest.fixture(autouse=True)
def quiet_app(monkeypatch):
    """Demo settings that start quickly, no cached balance carried from one test to the next."""
    monkeypatch.setenv("SIMULATOR_PROCESSING_SECONDS", "1")
    forget_balances()
    yield
    forget_balances()


def at_page(page: str) -> AppTest:
    return AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page(page)


def errors_on(app: AppTest) -> list[str]:
    return [e.value for e in app.error]


def test_a_file_no_fix_can_read_says_why_before_the_click_until_another_replaces_it(settings, tmp_path) -> None:
    app = at_page("pages/1_Upload.py").run()
    assert not app.exception, app.exception
    upload_in_apptest(app, "image", "broken.png", os.urandom(4096))
    assert not app.exception, app.exception

    reasons = [w.value for w in app.warning if "could not be converted automatically" in w.value]
    assert reasons and "JPG/PNG" in reasons[0], "the plan says why before anything is queued"
    assert app.button(key="fix_image").disabled

    upload_in_apptest(app, "image", "small.png", make_image(tmp_path / "small.png", 200, 260).read_bytes())
    assert not app.exception, app.exception
    assert not [w for w in app.warning if "could not be converted" in w.value], "the reason stayed after another file"
    assert not app.button(key="fix_image").disabled


class WatchedFixRuns(FixRuns):
    """The store's fix runs, noting when the running fix's progress write is refused: it has seen Stop."""

    def __init__(self, db_path) -> None:
        super().__init__(db_path)
        self.stop_seen_at: list[float] = []

    def update(self, run_id: str, expect=None, **changes) -> FixRun | None:
        written = super().update(run_id, expect, **changes)
        if written is None and "progress" in changes:
            self.stop_seen_at.append(time.monotonic())
        return written


def test_a_stopped_video_fix_kills_ffmpeg_and_leaves_no_partial_file(settings, tmp_path) -> None:
    # Over the 10 s cap, so the fix is a 1080p encode of 10 s: about 8 s on two cores when nothing stops it.
    source = make_video(tmp_path / "long.mp4", 1920, 1080, seconds=12.0, fps=24, audio=False)
    out_dir = tmp_path / "fixed"
    assert not ffmpeg_children(os.getpid())
    runs = WatchedFixRuns(settings.db_path)
    run, _ = runs.request("video", source, "image")
    ended: list[tuple[FixRun | None, float]] = []
    # The worker's own task, on a thread of this process, so its ffmpeg is this process's child.
    fixing = threading.Thread(target=lambda: ended.append((run_fix(runs, run.id, out_dir), time.monotonic())))
    fixing.start()
    try:
        deadline = time.monotonic() + 30
        while not (runs.get(run.id).progress > 0 and ffmpeg_children(os.getpid())):
            assert time.monotonic() < deadline and fixing.is_alive(), runs.get(run.id)
            time.sleep(0.02)
        pressed = time.monotonic()
        runs.stop(run.id)
    finally:
        fixing.join(timeout=60)
    ((stopped, ended_at),) = ended
    # Measured from when the fix saw Stop: how soon ffmpeg's next progress report comes depends on the load.
    stopped_after = ended_at - runs.stop_seen_at[0]

    assert stopped is not None and stopped.status is FixState.STOPPED and "stopped" in (stopped.error or "")
    assert not ffmpeg_children(os.getpid()), "ffmpeg kept running after the fix was stopped"
    assert stopped_after < 1.5, f"the stopped fix took {stopped_after:.1f} s to end"
    assert ended_at - pressed < 10, "the fix did not see Stop at its next progress report"
    assert not list(out_dir.iterdir()), list(out_dir.iterdir())


def test_a_bad_setting_shows_one_plain_error_naming_it(monkeypatch) -> None:
    monkeypatch.setenv("PRICE_PER_SECOND", "abc")
    for page in ("app.py", "pages/1_Upload.py", "pages/2_Generate.py", "pages/3_History.py"):
        app = at_page(page).run()
        assert not app.exception, (page, app.exception)
        assert len(app.error) == 1, (page, [e.value for e in app.error])
        message = app.error[0].value
        assert "PRICE_PER_SECOND" in message and "'abc'" in message and "restart" in message, message
        assert not app.title, (page, "the page went on after the error")


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf"])
def test_load_settings_refuses_a_price_that_is_not_a_usable_number(value: str) -> None:
    with pytest.raises(SettingInvalid, match="PRICE_PER_SECOND") as refused:
        load_settings({"PRICE_PER_SECOND": value}, secrets={})
    assert "accepts US dollars per second" in str(refused.value)


def test_the_live_balance_is_read_once_for_many_reruns(sim, monkeypatch) -> None:
    monkeypatch.setenv("NOVITA_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("NOVITA_BASE_URL", sim.url)
    control = SimulatorControl(sim.url)
    control.configure(balance_usd=42.5)

    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=30).run()
    for _ in range(3):
        app.run()
    another_session = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=30).run()

    for shown in (app, another_session):
        assert not shown.exception, shown.exception
        assert any("Live on Novita" in s.value and "42.50 USD" in s.value for s in shown.success)
    assert control.request_count("balance") == 1


@pytest.fixture
def downloads(monkeypatch) -> dict[str, list[tuple[str, object]]]:
    """Every file the page registered for download, by file name: ("read", data) or ("deferred", callable)."""
    registered: dict[str, list[tuple[str, object]]] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if is_for_static_download:
            registered.setdefault(file_name, []).append(("read", path_or_data))
        return add(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    def record_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        registered.setdefault(file_name, []).append(("deferred", data_callable))
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return registered


def test_a_results_download_reads_the_file_only_when_clicked(settings, downloads, character_png, motion_mp4) -> None:
    result = settings.results_dir / "result.mp4"
    result.parent.mkdir(parents=True)
    result.write_bytes(motion_mp4.read_bytes())
    job = JobStore(settings.db_path).add(
        a_job(
            "done",
            status=JobStatus.SUCCEEDED,
            prompt="a dancer",
            result_path=str(result),
            image_path=str(character_png),
            video_path=str(motion_mp4),
        )
    )
    app = at_page("pages/3_History.py").run()
    app.button(key=f"open_{job.id}").click().run()
    app.run()

    assert not app.exception, app.exception
    assert app.get("download_button")[0].proto.label == "Download video"
    ways = downloads[download_name(job)]
    assert {way for way, _ in ways} == {"deferred"}, ways
    assert all(data() == result.read_bytes() for _, data in ways)
