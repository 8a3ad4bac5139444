"""Five defects found in review, each pinned by a test that failed before its fix.

A failed fix kept on screen, ffmpeg stopped with an interrupted fix, a bad setting shown as one plain
error, the live balance read once a minute instead of on every rerun, and result downloads handed
over only when clicked.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from lib.config import APP_DIR, load_settings
from lib.errors import SettingInvalid
from lib.history.gallery import download_name
from lib.jobs import JobStatus, JobStore
from lib.jobs.poller import stop_pollers
from lib.media import fix_video
from lib.media.ffmpeg import FFMPEG
from lib.novita.balance import forget_balances
from lib.simulator import SimulatorControl
from tests.conftest import TEST_API_KEY
from tests.make_media import make_image, make_video
from tests.test_store import a_job


@pytest.fixture(autouse=True)
def quiet_app(monkeypatch):
    """Demo settings that start quickly, no poller or cached balance carried from one test to the next."""
    monkeypatch.setenv("SIMULATOR_PROCESSING_SECONDS", "1")
    forget_balances()
    yield
    stop_pollers()
    forget_balances()


def at_page(page: str) -> AppTest:
    return AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page(page)


def test_a_fix_that_fails_keeps_its_reason_on_screen_after_the_rerun(tmp_path) -> None:
    app = at_page("pages/1_Upload.py").run()
    assert not app.exception, app.exception
    app.get("file_uploader")[0].upload("broken.png", os.urandom(4096), "image/png").run()
    assert not app.exception, app.exception

    app.button(key="fix_image").click().run()

    assert not app.exception, app.exception
    assert any("could not be converted automatically" in e.value for e in app.error), [e.value for e in app.error]
    app.run()
    assert any("could not be converted automatically" in e.value for e in app.error)

    app.get("file_uploader")[0].upload(
        "small.png", make_image(tmp_path / "small.png", 200, 260).read_bytes(), "image/png"
    )
    app.run()
    assert not app.exception, app.exception
    assert not app.error, "the reason stayed after another file replaced the one it was about"


def ffmpeg_children() -> list[int]:
    """Process ids of ffmpeg processes whose parent is this test process, zombies included."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue
        parent = next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:"))
        if int(parent) == os.getpid() and (command == FFMPEG or "ffmpeg" in status.splitlines()[0]):
            found.append(int(entry.name))
    return found


class PageReran(BaseException):
    """What a progress callback raises when the page reruns: like Streamlit's RerunException, not an Exception."""


def test_an_interrupted_video_fix_stops_ffmpeg_and_leaves_no_partial_file(tmp_path) -> None:
    # Over the 10 s cap, so the fix is a 1080p encode of 10 s: about 8 s on two cores when nothing stops it.
    source = make_video(tmp_path / "long.mp4", 1920, 1080, seconds=12.0, fps=24, audio=False)
    out_dir = tmp_path / "fixed"
    assert not ffmpeg_children()

    interrupted_at: list[float] = []

    def page_reran(fraction: float) -> None:
        interrupted_at.append(time.monotonic())
        raise PageReran

    with pytest.raises(PageReran):
        fix_video(source, out_dir, "image", on_progress=page_reran)
    # Measured from the interruption: how soon ffmpeg's first progress report comes depends on the load.
    stopped_after = time.monotonic() - interrupted_at[0]

    assert not ffmpeg_children(), "ffmpeg kept running after the fix was interrupted"
    assert stopped_after < 1.5, f"the interrupted fix took {stopped_after:.1f} s to stop"
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
