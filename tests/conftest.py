"""Shared fixtures: a temporary data folder for every test, the simulator on a free loopback port,
a stand-in for Streamlit's static file route, and small real media files."""

from __future__ import annotations

import functools
import os
import shutil
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import numpy  # noqa: F401  # see below
import pytest

from lib import simulator
from lib.config import Settings, load_settings
from lib.files.hosting import STATIC_ROUTE, VideoHosting
from lib.jobs import JobRequest, JobStore
from lib.jobs.following import Follow, PollTiming
from lib.novita import NovitaClient, Orientation, RetryPolicy
from lib.novita.balance import forget_balances
from tests.make_media import make_image, make_video

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytest_plugins = ["tests.fixtures_media", "tests.postgres_support"]

ROOT = Path(__file__).resolve().parent.parent
# The app in a real server hosts motion videos in its own static/ folder, under their content hash, so
# runs of the same sample share a file: it is removed once, after every worker is done with it.
APP_STATIC = ROOT / "static"
_HOSTED_BEFORE = pytest.StashKey[set[Path]]()
# Under xdist, files run longest first: the load test, started last, would keep one worker busy for
# two minutes after the other ran out of work. The other browser files come next, then the rest.
LONGEST_FIRST = ("tests/test_load.py",)

# numpy is imported up front: `pytest.approx` takes numpy from sys.modules without importing it, and a
# simulator thread rendering a video may be importing it at that moment, which hands approx a half-made
# module ("partially initialized module 'numpy' has no attribute 'isscalar'").
TEST_API_KEY = "sk_live_5ecret_TEST_KEY_do_not_leak_0123456789"
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)
# A job that meets faults backs off a poll at a time: a low cap keeps it from idling a second between polls.
FAST_POLLING = PollTiming(
    min_interval=0.2,
    max_interval=0.5,
    far_interval=1.0,
    download_lease=20.0,
    submit_lease=10.0,
    sweep_every=1.0,
)


def _runs_the_session(config: pytest.Config) -> bool:
    """True in a run without xdist, and in xdist's controller; False in its workers."""
    return not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if _runs_the_session(config):
        config.stash[_HOSTED_BEFORE] = set(APP_STATIC.iterdir()) if APP_STATIC.exists() else set()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _runs_the_session(config) and _HOSTED_BEFORE in config.stash and APP_STATIC.exists():
        for path in set(APP_STATIC.iterdir()) - config.stash[_HOSTED_BEFORE]:
            path.unlink(missing_ok=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _runs_the_session(config):
        return  # one process runs them all anyway: keep the files' own order

    def rank(item: pytest.Item) -> int:
        if item.nodeid.split("::")[0] in LONGEST_FIRST:
            return 0
        return 1 if item.get_closest_marker("browser") else 2

    items.sort(key=rank)  # stable: each file keeps its own order


@pytest.fixture(autouse=True)
def _main_module_restored() -> Iterator[None]:
    """Put back the `__main__` module a Streamlit AppTest leaves in its place.

    Streamlit's script runner installs the page script as `__main__` and never restores it; a process
    started with "spawn" later in the same pytest process then re-runs that script and dies at start.
    """
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data and static folders, and none of the machine's settings."""
    data = tmp_path / "data"
    monkeypatch.setenv("MOTION_STUDIO_DATA", str(data))
    monkeypatch.setenv("MOTION_STUDIO_STATIC_DIR", str(tmp_path / "static"))
    for machine_setting in (
        "NOVITA_API_KEY",
        "NOVITA_BASE_URL",
        "PUBLIC_BASE_URL",
        "APP_PASSWORD",
        "ALLOW_PRIVATE_URLS",
        "S3_BUCKET",
        "MEDIA_BUCKET",
        "S3_REGION",
        "S3_ENDPOINT_URL",
        "S3_ACCESS_KEY_ID",
        "S3_SECRET_ACCESS_KEY",
        "S3_LINK_SECONDS",
        "DATABASE_URL",
    ):
        monkeypatch.delenv(machine_setting, raising=False)
    forget_balances()  # a reading is kept per process: one test's balance must not show in the next
    return data


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return load_settings(secrets={})


@pytest.fixture(scope="session", autouse=True)
def shared_renders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One folder of simulator renders for the whole run, shared by every simulator the tests start (in this
    process, in app and worker processes through SIMULATOR_RENDER_CACHE, and by both xdist workers): the
    same sample inputs are rendered once, not in every test that generates."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "renders"
    before = os.environ.get("SIMULATOR_RENDER_CACHE")
    os.environ["SIMULATOR_RENDER_CACHE"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("SIMULATOR_RENDER_CACHE", None)
    else:
        os.environ["SIMULATOR_RENDER_CACHE"] = before


@pytest.fixture
def sim(tmp_path: Path, shared_renders: Path) -> Iterator[simulator.RunningSimulator]:
    # A task is done once its real render is (about a second): tests that need it to stay busy longer say so.
    config = simulator.SimulatorConfig(processing_seconds=0.5, render_cache=str(shared_renders))
    running = simulator.start(tmp_path / "simulator", config)
    yield running
    running.stop()


@pytest.fixture
def follow_for(sim: simulator.RunningSimulator, settings: Settings) -> Callable[..., Follow]:
    """Makes what following the test key's jobs on `sim` needs, for a store, with fast timing."""

    def make(store: JobStore, timing: PollTiming = FAST_POLLING) -> Follow:
        # The same number of tries as in production, without its seconds of back-off between them.
        return Follow(
            store,
            lambda: NovitaClient(TEST_API_KEY, sim.url, retry=FAST_RETRY),
            settings.results_dir,
            NovitaClient(TEST_API_KEY, sim.url).key_fingerprint,
            "novita",
            timing,
        )

    return make


@pytest.fixture
def control(sim: simulator.RunningSimulator) -> simulator.SimulatorControl:
    return simulator.SimulatorControl(sim.url)


@pytest.fixture
def client(sim: simulator.RunningSimulator) -> NovitaClient:
    return NovitaClient(TEST_API_KEY, sim.url, timeout=(2.0, 5.0), submit_timeout=(2.0, 10.0), retry=FAST_RETRY)


class _StaticHandler(SimpleHTTPRequestHandler):
    """Serves a folder at /app/static/, as Streamlit's static serving does."""

    def translate_path(self, path: str) -> str:
        if not path.startswith(STATIC_ROUTE):
            return "/nonexistent"
        return super().translate_path("/" + path[len(STATIC_ROUTE) :])

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def hosting(settings: Settings) -> Iterator[VideoHosting]:
    settings.static_dir.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_StaticHandler, directory=str(settings.static_dir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    # shutdown() waits for the loop's next poll, 0.5 s by default: a short one keeps teardown quick.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield VideoHosting(settings.static_dir, f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


@pytest.fixture
def store(settings: Settings) -> JobStore:
    return JobStore(settings.database)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("core-media")


@pytest.fixture(scope="session")
def character_png(media_dir: Path) -> Path:
    return make_image(media_dir / "character.png", 480, 640)


@pytest.fixture(scope="session")
def motion_mp4(media_dir: Path) -> Path:
    return make_video(media_dir / "motion.mp4", 480, 360, seconds=3.5)


@pytest.fixture(scope="session")
def long_motion_mp4(media_dir: Path) -> Path:
    return make_video(media_dir / "long-motion.mp4", 480, 360, seconds=11.0, fps=12)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for every browser test: Playwright's sync API allows one per thread."""
    from tests.browser_support import CHROMIUM, SCREENSHOTS, chromium

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs it (apt-get install chromium)")
    shutil.rmtree(SCREENSHOTS / "failures", ignore_errors=True)  # only this run's failures
    with chromium() as running:
        yield running


@pytest.fixture
def request_for(character_png, motion_mp4):
    def make(**overrides) -> JobRequest:
        """The sample character and motion video, as in the image; `overrides` change any field."""
        return JobRequest(
            **{"image": character_png, "video": motion_mp4, "character_orientation": Orientation.IMAGE, **overrides}
        )

    return make


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """A real S3-compatible HTTP server (moto in server mode) on a free loopback port."""
    from moto.server import ThreadedMotoServer  # moto takes seconds to import: only tests of S3 pay for it

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(moto_url: str) -> str:
    """A fresh bucket per test (moto keeps one set of buckets per process)."""
    from tests.s3_support import admin_client  # boto3 only for tests of S3

    name = f"motion-studio-{uuid.uuid4().hex[:12]}"
    admin_client(moto_url).create_bucket(Bucket=name)
    return name
