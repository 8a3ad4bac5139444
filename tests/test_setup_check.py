""" "Check my set-up": each part tested for real (the simulator as Novita, a static server as the app's public
address, moto as the bucket), and what it says for each thing that can be wrong."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from streamlit.testing.v1 import AppTest

from lib.config import APP_DIR, Settings, load_settings
from lib.files import safe_fetch
from lib.files.object_storage import KEY_PREFIX
from lib.setup_check import check_bucket, check_key, check_public_address, check_setup
from tests.conftest import TEST_API_KEY
from tests.s3_support import admin_client, s3_settings


@pytest.fixture
def live(sim, monkeypatch) -> Settings:
    monkeypatch.setenv("NOVITA_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("NOVITA_BASE_URL", sim.url)
    return load_settings(secrets={})


@pytest.fixture
def own_network(live) -> Settings:
    """A studio whose app and Novita's address are on its own network (here: this computer)."""
    return replace(live, allow_private_urls=True)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_working_live_set_up_says_so_for_each_part(live, own_network, control, hosting) -> None:
    control.configure(balance_usd=42.5)
    key, address = check_setup(replace(own_network, public_base_url=hosting.base_url))
    assert key.works and "Novita accepted the key" in key.said and "$42.50" in key.said
    assert address.works and hosting.base_url in address.said
    assert list(live.static_dir.iterdir()) == [], "the test file was left in the static folder"


def test_demo_mode_needs_nothing(settings) -> None:
    key, address = check_setup(settings)
    assert key.works and "Demo mode" in key.said and "NOVITA_API_KEY" in key.said
    assert address.works and "Demo mode" in address.said


def test_a_wrong_key_says_novita_did_not_accept_it(live, control) -> None:
    control.configure(api_key="sk_another")
    key = check_key(live)
    assert not key.works and "did not accept the API key" in key.said
    assert TEST_API_KEY not in key.said


def test_no_public_address_says_what_to_set(live) -> None:
    address = check_public_address(live)
    assert not address.works
    assert "Set PUBLIC_BASE_URL" in address.said and "S3_BUCKET" in address.said


def test_an_unreachable_public_address_says_nothing_answered(live, own_network) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    address = check_public_address(replace(own_network, public_base_url=base))
    assert not address.works and f"Nothing answered at {base}" in address.said
    assert list(live.static_dir.iterdir()) == []


def test_an_address_that_is_not_this_app_says_so(own_network, sim) -> None:
    address = check_public_address(replace(own_network, public_base_url=sim.url))  # answers, but with a 404
    assert not address.works and "HTTP 404" in address.said and "not with this app's test file" in address.said


def test_a_private_address_is_no_use_to_novita_on_the_internet(settings, hosting, monkeypatch) -> None:
    monkeypatch.setenv("NOVITA_API_KEY", TEST_API_KEY)  # live, on Novita's own (public) address
    address = check_public_address(replace(load_settings(secrets={}), public_base_url=hosting.base_url))
    assert not address.works and "a loopback address" in address.said and "tunnel" in address.said


class Redirecting(BaseHTTPRequestHandler):
    """Answers every GET with a redirect to `to`, and notes each path asked for in `seen`."""

    to = ""
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self.seen.append(self.path)
        self.send_response(302)
        self.send_header("Location", self.to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def redirecting_server(host: str, to: str) -> Iterator[tuple[str, list[str]]]:
    """A server on `host` that sends every GET to `to`: its address, and the paths it was asked for."""
    handler = type("Handler", (Redirecting,), {"to": to, "seen": []})
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_address[1]}", handler.seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_private_public_address_is_refused_without_contacting_it(live) -> None:
    with redirecting_server("127.0.0.1", "/elsewhere") as (base, seen):
        address = check_public_address(replace(live, public_base_url=base))
        assert not address.works and "a loopback address" in address.said and "ALLOW_PRIVATE_URLS" in address.said
        assert seen == [], "the check asked a loopback address"
    assert list(live.static_dir.iterdir()) == []
    metadata = check_public_address(replace(live, public_base_url="http://169.254.169.254"))
    assert not metadata.works and "a link-local address" in metadata.said


@pytest.mark.parametrize("target", ["metadata", "loopback"])
def test_a_redirect_to_a_private_address_is_not_followed(live, monkeypatch, target) -> None:
    # The first server counts as public; where it redirects to is judged for real.
    real_refusal = safe_fetch.refusal
    monkeypatch.setattr(
        safe_fetch, "refusal", lambda address: None if address == "127.0.0.1" else real_refusal(address)
    )
    with redirecting_server("127.0.0.2", "/") as (inside, inside_seen):
        to = "http://169.254.169.254/latest/meta-data/" if target == "metadata" else f"{inside}/secret"
        with redirecting_server("127.0.0.1", to) as (base, seen):
            address = check_public_address(replace(live, public_base_url=base))
        assert len(seen) == 1 and inside_seen == [], "the redirect was followed"
    assert not address.works
    assert ("a link-local address" if target == "metadata" else "a loopback address") in address.said


def test_a_working_bucket_is_put_presigned_fetched_and_left_clean(live, moto_url, bucket) -> None:  # noqa: F811
    part = check_bucket(replace(live, s3=s3_settings(moto_url, bucket)))
    assert part.works and "presigned and fetched back" in part.said
    left = admin_client(moto_url).list_objects_v2(Bucket=bucket, Prefix=KEY_PREFIX).get("Contents", [])
    assert left == [], "the test file was left in the bucket"


def test_a_bad_bucket_says_it_does_not_exist(live, moto_url) -> None:  # noqa: F811
    part = check_bucket(replace(live, s3=s3_settings(moto_url, "no-such-bucket-for-motion-studio")))
    assert not part.works and "bucket for motion videos does not exist" in part.said


def test_an_unreachable_bucket_says_so(live) -> None:
    s3 = s3_settings(f"http://127.0.0.1:{closed_port()}", "motion-studio")
    part = check_bucket(replace(live, s3=s3))
    assert not part.works and "Could not reach the object storage" in part.said


def test_home_checks_the_set_up_when_asked_and_says_what_to_do(live, control) -> None:
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).run()
    assert not app.exception, app.exception
    assert not any("Public address" in e.value for e in app.error), "checked before it was asked"
    app.button(key="check_setup").click().run()
    assert not app.exception, app.exception
    assert any("Novita API key" in s.value and "accepted the key" in s.value for s in app.success)
    [address] = [e.value for e in app.error if "Public address" in e.value]
    assert "Set PUBLIC_BASE_URL" in address
