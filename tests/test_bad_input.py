"""Bad input: random and mutated media, hostile links, odd prompts and hostile upload names.

Property tests run a fixed number of derandomized examples (the same ones on every run), so CI is
reproducible; the counts and the slowest call go to the pytest cache under
`motion_studio/bad_input` (see docs/reliability.md, "Bad input").
"""

from __future__ import annotations

import hashlib
import inspect
import ipaddress
import json
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from lib.errors import LinkNotWeb, LinkPrivate, LinkTooLarge, LinkTooSlow, LinkUnusable, MediaUnreadable
from lib.files import safe_fetch
from lib.files.safe_fetch import fetch
from lib.media import Code, Report, check_image, check_prompts, check_video, preflight
from lib.media import mediainfo as probe_module
from lib.media.probe import MediaFacts, probe
from lib.novita.rules import MAX_NEGATIVE_PROMPT
from lib.uploads import fetch_link, save_upload
from tests.bigfiles_support import upload_in_apptest

STATS: Counter = Counter()
SLOWEST: dict[str, float] = {}
PROPERTY = dict(
    derandomize=True,
    database=None,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Media calls are bounded by lib.media.mediainfo.PROBE_SECONDS (shortened here), not by a hypothesis deadline:
# a file that hangs MediaInfo costs that bound on each of the four calls; the slowest call is recorded.
MEDIA_PROPERTY = {**PROPERTY, "deadline": None}
TEST_PROBE_SECONDS = 2.0
FIGURES = Path(__file__).resolve().parent.parent / "test-artifacts" / "bad_input_figures.json"


@pytest.fixture(scope="module", autouse=True)
def record_figures(request: pytest.FixtureRequest):
    """Keep what this module tried, for docs/reliability.md."""
    yield
    figures = {**STATS, **{f"slowest {name} s": round(seconds, 4) for name, seconds in SLOWEST.items()}}
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(figures, indent=2))


def timed(name: str, call, *args):
    """Run a media call, counting it; calls stopped at the probe limit are counted apart from the slowest."""
    started = time.perf_counter()
    try:
        return call(*args)
    finally:
        elapsed = time.perf_counter() - started
        STATS[f"{name} calls"] += 1
        if elapsed >= probe_module.PROBE_SECONDS:
            STATS[f"{name} calls stopped at the probe limit"] += 1
        else:
            SLOWEST[name] = max(SLOWEST.get(name, 0.0), elapsed)


# --- media: random and mutated bytes -------------------------------------------------------------

SEED_NAMES = ("png", "jpeg", "mp4", "mov", "webm")
# Where parsers read sizes and counts: box sizes in MP4/MOV, chunk lengths in PNG, segment lengths in JPEG.
INTERESTING = (
    b"\x00\x00\x00\x00",
    b"\xff\xff\xff\xff",
    b"\x7f\xff\xff\xff",
    b"\x80\x00\x00\x00",
    b"\x00\x00\x00\x01",
    b"\x00\x00\x00\x08",
    b"\xff\xd9",
    b"IEND",
    b"moov",
    b"ftyp",
)
MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0",
    b"\x00\x00\x00\x18ftypisom",
    b"\x00\x00\x00\x14ftypqt  ",
    b"\x1aE\xdf\xa3",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"GIF89a",
)


@pytest.fixture(scope="module")
def seeds(media) -> dict[str, bytes]:
    """Small whole files of each kind, the material every mutation starts from."""
    paths = {
        "png": media.image("seed.png", 320, 400),
        "jpeg": media.image("seed.jpg", 320, 400, exif_orientation=6),
        "mp4": media.video("seed.mp4", width=320, height=240, seconds=3.2, fps=8),
        "mov": media.video("seed.mov", width=240, height=320, seconds=3.2, fps=8, audio=False),
        "webm": media.video("seed.webm", width=320, height=240, seconds=1, fps=8, vcodec="libvpx-vp9"),
    }
    for path in paths.values():
        probe(path)  # loads MediaInfo once, so the first example is not timed with it
    return {name: path.read_bytes() for name, path in paths.items()}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bad-input")


position = st.one_of(st.integers(0, 600), st.floats(0, 1, exclude_max=True))  # half the time in the header
operation = st.one_of(
    st.tuples(st.just("truncate"), position),
    st.tuples(st.just("flip"), position, st.integers(1, 255)),
    st.tuples(st.just("overwrite"), position, st.sampled_from(INTERESTING)),
    st.tuples(st.just("insert"), position, st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("delete"), position, st.integers(1, 256)),
    st.tuples(st.just("zero"), position, st.integers(1, 4096)),
    st.tuples(st.just("splice"), position, st.sampled_from(SEED_NAMES), position),
)


def at(data: bytes | bytearray, where: int | float) -> int:
    return min(where, len(data)) if isinstance(where, int) else int(where * len(data))


def mutate(data: bytes, operations: list[tuple], seeds: dict[str, bytes]) -> bytes:
    """Apply each operation in turn; splice puts one file's head on another file's tail."""
    data = bytearray(data)
    for name, *args in operations:
        if not data:
            break
        i = at(data, args[0])
        if name == "truncate":
            del data[i:]
        elif name == "flip" and i < len(data):
            data[i] ^= args[1]
        elif name == "overwrite":
            data[i : i + len(args[1])] = args[1]
        elif name == "insert":
            data[i:i] = args[1]
        elif name == "delete":
            del data[i : i + args[1]]
        elif name == "zero":
            data[i : i + args[1]] = bytes(len(data[i : i + args[1]]))
        elif name == "splice":
            other = seeds[args[1]]
            data = data[:i] + other[at(other, args[2]) :]
    return bytes(data)


def check_everything(path: Path) -> None:
    """The promises: probe gives facts or MediaUnreadable; every check gives a Report, never raises,
    and a file probe cannot read is one `unreadable` problem."""
    preflight.clear_cache()
    try:
        facts = timed("probe", probe, path)
        assert isinstance(facts, MediaFacts)
        STATS["readable files"] += 1
    except MediaUnreadable as error:
        facts = None
        assert str(error)
        STATS["unreadable files"] += 1
    reports = [
        timed("check_image", check_image, path),
        timed("check_video", check_video, path, "image"),
        timed("check_video", check_video, path, "video"),
    ]
    for report in reports:
        assert isinstance(report, Report)
        assert all(isinstance(p.message, str) and p.message for p in report.problems)
        if facts is None:
            assert [p.code for p in report.problems] == [Code.UNREADABLE] and not report.ok


def write(scratch: Path, data: bytes, suffix: str = ".bin") -> Path:
    path = scratch / f"example{suffix}"
    path.write_bytes(data)
    return path


@pytest.fixture
def short_probe_limit(monkeypatch):
    monkeypatch.setattr(probe_module, "PROBE_SECONDS", TEST_PROBE_SECONDS)


def test_random_bytes_never_crash_probe_or_preflight(scratch, short_probe_limit) -> None:
    @hypothesis_settings(max_examples=150, **MEDIA_PROPERTY)
    @given(prefix=st.sampled_from((b"",) + MAGIC), body=st.binary(max_size=4096))
    def run(prefix: bytes, body: bytes) -> None:
        STATS["random examples"] += 1
        check_everything(write(scratch, prefix + body))

    run()


def test_mutated_real_files_never_crash_probe_or_preflight(seeds, scratch, short_probe_limit) -> None:
    @hypothesis_settings(max_examples=400, **MEDIA_PROPERTY)
    @given(seed=st.sampled_from(SEED_NAMES), operations=st.lists(operation, min_size=1, max_size=4))
    def run(seed: str, operations: list[tuple]) -> None:
        STATS["mutated examples"] += 1
        data = mutate(seeds[seed], operations, seeds)
        STATS["mutated files that differ from their seed"] += data != seeds[seed]
        check_everything(write(scratch, data, "." + seed))

    run()


def test_the_seeds_themselves_are_readable(seeds, scratch) -> None:
    for name, data in seeds.items():
        facts = probe(write(scratch, data, "." + name))
        assert facts.format == name


def test_a_webm_that_hangs_mediainfo_is_unreadable_in_bounded_time(seeds, scratch, short_probe_limit) -> None:
    """Found by the mutation test: with the first 18 bytes of its Tracks element zeroed, MediaInfo 24.12
    parses a WebM forever (in process, that was a Streamlit thread and a core lost per upload)."""
    data = bytearray(seeds["webm"])
    tracks_id = b"\x16\x54\xae\x6b"
    tracks = data.index(tracks_id, data.index(tracks_id) + 1)  # the first one is the SeekHead's pointer to it
    data[tracks : tracks + 18] = bytes(18)
    hanging = write(scratch, bytes(data), ".webm")
    with pytest.raises(MediaUnreadable, match="took longer than 2 s"):
        probe(hanging)
    preflight.clear_cache()
    report = check_video(hanging, "video")
    assert [p.code for p in report.problems] == [Code.UNREADABLE] and "probably damaged" in report.problems[0].message
    assert probe(write(scratch, seeds["mp4"], ".mp4")).format == "mp4"  # a new helper took over


def test_a_video_track_without_a_picture_size_is_unreadable(seeds, scratch) -> None:
    """Found by the mutation test: one byte inserted near the end of an MP4's index left MediaInfo with a
    video track but no width, and probe raised KeyError."""
    damaged = write(scratch, mutate(seeds["mp4"], [("insert", 0.987064360822994, b"\x00")], seeds), ".mp4")
    with pytest.raises(MediaUnreadable, match="how large its picture is"):
        probe(damaged)
    preflight.clear_cache()
    assert [p.code for p in check_image(damaged).problems] == [Code.UNREADABLE]


# --- prompts -------------------------------------------------------------------------------------

WORLD = [
    "a dancer 💃🏽 on a rooftop",
    "راقصة على السطح",
    "屋顶上的舞者",
    "e\u0301le\u0300ve",
    "👩‍👩‍👧‍👦 family",
    "\u200fRTL mark",
    "line one\nline two\ttabbed\r\n",
]


@pytest.mark.parametrize("text", WORLD)
def test_any_unicode_text_is_a_fine_prompt(text) -> None:
    assert check_prompts(text, text).ok


@pytest.mark.parametrize(
    ("char", "named"),
    [
        ("\x00", "U+0000 NUL"),
        ("\x1b", "U+001B escape"),
        ("\x7f", "U+007F delete"),
        ("\x85", "U+0085"),
        ("\ud800", "U+D800 (not a character)"),
    ],
)
def test_control_characters_are_a_problem_that_names_them(char, named) -> None:
    report = check_prompts(f"a dancer{char} at dusk", None)
    assert [p.code for p in report.problems] == [Code.PROMPT_CHARACTERS]
    assert report.problems[0].message == (
        f"The prompt contains an invisible control character ({named} at character 9); delete it or retype the "
        "text around it. New lines and tabs are fine."
    )


def test_many_control_characters_are_counted_and_the_first_few_shown() -> None:
    message = check_prompts(None, "\x00" * 5).problems[0].message
    assert message.startswith(
        "The negative prompt contains 5 invisible control characters (U+0000 NUL at character 1, "
    )
    assert "and 2 more); delete them" in message


def test_2501_characters_of_any_kind_are_refused_with_the_count() -> None:
    for unit in ("a", "💃🏽", "中", "e\u0301"):
        text = (unit * (MAX_NEGATIVE_PROMPT + 1))[: MAX_NEGATIVE_PROMPT + 1]
        report = check_prompts(None, text)
        assert [p.code for p in report.problems] == [Code.NEGATIVE_PROMPT_LENGTH]
        assert "2,501 characters" in report.problems[0].message


@hypothesis_settings(max_examples=300, **PROPERTY)
@given(prompt=st.one_of(st.none(), st.text()), negative=st.one_of(st.none(), st.text()))
def test_check_prompts_never_raises_on_any_text(prompt, negative) -> None:
    STATS["prompt examples"] += 1
    report = check_prompts(prompt, negative)
    assert report.ok == (not report.problems)
    assert all(isinstance(p.message, str) and p.message for p in report.problems)
    assert report.facts["negative_prompt_length"] == len(negative or "")


@hypothesis_settings(max_examples=100, **PROPERTY)
@given(piece=st.text(min_size=1, max_size=40), extra=st.integers(1, 600))
def test_a_negative_prompt_over_2500_characters_is_refused_with_its_count(piece, extra) -> None:
    STATS["long prompt examples"] += 1
    length = MAX_NEGATIVE_PROMPT + extra
    text = (piece * (length // len(piece) + 1))[:length]
    problems = [p for p in check_prompts(None, text).problems if p.code == Code.NEGATIVE_PROMPT_LENGTH]
    assert len(problems) == 1 and f"{length:,} characters" in problems[0].message
    assert problems[0].value == length and problems[0].limit == MAX_NEGATIVE_PROMPT


# --- upload names --------------------------------------------------------------------------------

# The uploader only takes names ending in an image extension (a bare "../../etc/passwd" never reaches the
# page), so each hostile name carries one.
HOSTILE_NAMES = [
    "../../etc/passwd.png",
    "con.png",
    "x" * 300 + ".png",
    "/etc/cron.d/evil.png",
    "..\\..\\win.ini.png",
    ".htaccess.png",
    "exe.\u202egnp.png",
    "nul.png",
    "a/../../b.jpeg",
]


def test_save_upload_takes_bytes_only_and_names_files_by_content(settings, character_png) -> None:
    assert list(inspect.signature(save_upload).parameters) == ["data", "inputs_dir"]
    data = character_png.read_bytes()
    stored = save_upload(data, settings.inputs_dir)
    assert stored == settings.inputs_dir / f"{hashlib.sha256(data).hexdigest()}.png"


def test_hostile_upload_names_never_become_paths(settings, character_png, tmp_path) -> None:
    from streamlit.testing.v1 import AppTest

    from lib.config import APP_DIR

    data = character_png.read_bytes()
    expected = settings.inputs_dir / f"{hashlib.sha256(data).hexdigest()}.png"
    before = {p for p in tmp_path.rglob("*")}
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page("pages/1_Upload.py").run()
    for name in HOSTILE_NAMES:
        upload_in_apptest(app, "image", name, data)
        assert not app.exception, app.exception
        assert Path(app.session_state.image_path) == expected
        STATS["hostile upload names"] += 1
    assert sorted(p.name for p in settings.inputs_dir.iterdir()) == [expected.name]
    new_files = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert not [p for p in new_files if p.parent == settings.inputs_dir and p != expected]
    assert not [
        p for p in new_files if any(part in p.name for part in ("passwd", "con.png", "xxxx", "win.ini", "evil"))
    ]


def test_a_loopback_link_pasted_on_the_upload_page_is_refused(settings, hosting, character_png) -> None:
    from streamlit.testing.v1 import AppTest

    from lib.config import APP_DIR

    url = hosting.url_for(character_png)
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page("pages/1_Upload.py").run()
    app.text_input(key="image_link_input").set_value(url).run()
    assert not app.exception, app.exception
    assert "private networks cannot be used" in app.session_state.image_link_error
    assert app.session_state.image_path is None


# --- links ---------------------------------------------------------------------------------------

REFUSED_ADDRESSES = [
    "http://127.0.0.1/",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://127.255.255.254:8501/",
    "http://localhost:8501/",
    "http://LOCALHOST./x.mp4",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "https://169.254.169.254/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://[fc00::1]/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://100.64.0.1/",
    "http://192.0.2.1/",
    "http://198.18.0.1/",
    "http://[64:ff9b::7f00:1]/",
    "http://[2002:7f00:1::]/",
    "http://[2001:db8::1]/",
]
REFUSED_SCHEMES = [
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "ftp://example.com/x.mp4",
    "data:video/mp4;base64,AAAA",
    "gopher://127.0.0.1:70/_x",
    "javascript:alert(1)",
    "dict://127.0.0.1:11211/",
    "ldap://example.com/",
    "example.com/dance.mp4",
    "//example.com/dance.mp4",
    "http:///dance.mp4",
    "http://example.com:99999/",
    "http://example.com:0/",
    "HTTP://[::1/",
    "",
]


@pytest.mark.parametrize("url", REFUSED_ADDRESSES)
def test_links_to_this_computer_or_private_networks_are_refused_before_connecting(url, tmp_path) -> None:
    with (
        mock.patch.object(safe_fetch.urllib3_connection, "create_connection", side_effect=AssertionError("connected")),
        pytest.raises(LinkPrivate, match="private networks cannot be used"),
    ):
        fetch(url, tmp_path / "download", max_bytes=1000)
    STATS["refused addresses"] += 1
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("url", REFUSED_SCHEMES)
def test_links_that_are_not_http_are_refused(url, tmp_path) -> None:
    with (
        mock.patch.object(socket, "getaddrinfo", side_effect=AssertionError("looked up")),
        pytest.raises(LinkNotWeb),
    ):
        fetch(url, tmp_path / "download", max_bytes=1000, allow_private=True)
    STATS["refused schemes"] += 1


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001::200e"])
def test_public_addresses_pass(address) -> None:
    assert safe_fetch.refusal(address) is None


def test_one_private_address_among_public_ones_refuses_the_host(tmp_path) -> None:
    answers = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 0)),
    ]
    with (
        mock.patch.object(socket, "getaddrinfo", return_value=answers),
        pytest.raises(LinkPrivate, match=r"media\.example is at 10\.0\.0\.7, which is a private-network address"),
    ):
        fetch("https://media.example/dance.mp4", tmp_path / "download", max_bytes=1000)


def test_arbitrary_link_text_gives_only_link_errors(tmp_path) -> None:
    """Fuzzed links never raise anything but LinkUnusable; no DNS query and no connection is made."""
    real = socket.getaddrinfo

    def numeric_only(host, port, *args, type=0, **kwargs):
        return real(host, port, type=type, flags=socket.AI_NUMERICHOST)

    host = st.one_of(
        st.ip_addresses().map(lambda a: f"[{a}]" if a.version == 6 else str(a)),
        st.sampled_from(["localhost", "127.1", "0x7f.1", "example.com", "xn--80ak6aa92e.com", "bücher.de", ""]),
        st.text(max_size=20),
    )
    url = st.one_of(
        st.text(max_size=60),
        st.builds(
            lambda s, h, p, rest: f"{s}://{h}{p}/{rest}",
            st.sampled_from(["http", "https", "HTTP", "file", "ftp", "gopher"]),
            host,
            st.sampled_from(["", ":80", ":0", ":65536", ":-1", ":x"]),
            st.text(max_size=20),
        ),
    )

    @hypothesis_settings(max_examples=300, **PROPERTY)
    @given(url=url)
    def run(url: str) -> None:
        STATS["fuzzed links"] += 1
        try:
            fetch(url, tmp_path / "download", max_bytes=1000)
        except LinkUnusable as error:
            STATS[f"fuzzed links refused as {type(error).__name__}"] += 1

    no_network = OSError("no network in tests")
    with (
        mock.patch.object(socket, "getaddrinfo", numeric_only),
        mock.patch.object(safe_fetch.urllib3_connection, "create_connection", side_effect=no_network),
    ):
        run()
    assert not (tmp_path / "download").exists()


class Misbehaving(BaseHTTPRequestHandler):
    """A loopback server with the answers a hostile or broken link can give."""

    protocol_version = "HTTP/1.1"
    body = b"\x89PNG" + bytes(2000)
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        self.seen.append(self.path)
        route, _, rest = self.path.partition("?")
        if route.startswith("/redirect/"):
            hops = int(route.rsplit("/", 1)[1])
            return self._redirect(f"/redirect/{hops - 1}" if hops else "/file")
        if route == "/to":
            return self._redirect(unquote(rest))
        if route == "/file":
            return self._answer(self.body)
        if route == "/huge":
            self.send_response(200)
            self.send_header("Content-Length", str(10**12))
            self.end_headers()
            return
        if route == "/unsized":  # no length, no chunks: the body ends when the connection does
            self.protocol_version = "HTTP/1.0"
            self.send_response(200)
            self.end_headers()
            self.wfile.write(bytes(5000))
            self.close_connection = True
            return
        if route == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
            return
        if route == "/silent":
            time.sleep(3)
            return self._answer(b"late")
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def server():
    Misbehaving.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()  # quick shutdown
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_up_to_three_redirects_are_followed_and_a_fourth_is_refused(server, tmp_path) -> None:
    download = fetch(f"{server}/redirect/2", tmp_path / "download", max_bytes=10_000, allow_private=True)
    assert download.path.read_bytes() == Misbehaving.body and download.url.endswith("/file")
    with pytest.raises(LinkUnusable, match="redirected more than 3 times"):
        fetch(f"{server}/redirect/3", tmp_path / "refused", max_bytes=10_000, allow_private=True)
    assert Misbehaving.seen[-4:] == ["/redirect/3", "/redirect/2", "/redirect/1", "/redirect/0"]
    assert [p.name for p in tmp_path.iterdir()] == [download.path.name]


def test_every_redirect_is_checked_again(server, tmp_path, monkeypatch) -> None:
    with pytest.raises(LinkNotWeb):
        fetch(f"{server}/to?file:///etc/passwd", tmp_path / "download", max_bytes=10_000, allow_private=True)
    # Let the first server count as public, so only the redirect's address is refused.
    monkeypatch.setattr(safe_fetch, "refusal", lambda address: "a loopback address" if address == "127.0.0.2" else None)
    Misbehaving.seen.clear()
    with pytest.raises(LinkPrivate, match="127.0.0.2 is a loopback address"):
        fetch(f"{server}/to?http://127.0.0.2:8501/file", tmp_path / "download", max_bytes=10_000)
    assert Misbehaving.seen == ["/to?http://127.0.0.2:8501/file"]
    STATS["redirect hops refused"] += 2


def test_the_host_is_looked_up_once_and_only_checked_addresses_are_used(server, tmp_path) -> None:
    """DNS rebinding: a second lookup would get another answer; the connection never asks again."""
    real, lookups = socket.getaddrinfo, []
    answers = iter(["127.0.0.1", "10.9.9.9", "10.9.9.9"])

    def rebinding(host, port, *args, **kwargs):
        if host != "media.example":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), 0))]

    port = server.rsplit(":", 1)[1]
    with mock.patch.object(socket, "getaddrinfo", rebinding):
        download = fetch(
            f"http://media.example:{port}/file", tmp_path / "download", max_bytes=10_000, allow_private=True
        )
    assert download.path.read_bytes() == Misbehaving.body and lookups == ["media.example"]


def test_size_caps_hold_with_and_without_a_declared_length(server, tmp_path) -> None:
    with pytest.raises(LinkTooLarge, match=r"larger than 1\.0 MB"):  # in the decimal MB of docs/models.md
        fetch(f"{server}/huge", tmp_path / "download", max_bytes=1_000_000, allow_private=True)
    with pytest.raises(LinkTooLarge, match="larger than 4 KB"):
        fetch(f"{server}/unsized", tmp_path / "download", max_bytes=4096, allow_private=True)
    assert fetch(f"{server}/unsized", tmp_path / "download", max_bytes=5000, allow_private=True).size_bytes == 5000
    assert (tmp_path / "download").stat().st_size == 5000


def test_a_slow_link_stops_at_the_deadline_and_a_silent_one_at_the_read_timeout(server, tmp_path) -> None:
    started = time.monotonic()
    with pytest.raises(LinkTooSlow):
        fetch(
            f"{server}/drip", tmp_path / "download", max_bytes=10_000, allow_private=True, timeout=(2, 2), deadline=1.0
        )
    dripped = time.monotonic() - started
    started = time.monotonic()
    with pytest.raises(LinkTooSlow):
        fetch(f"{server}/silent", tmp_path / "download", max_bytes=10_000, allow_private=True, timeout=(2, 0.5))
    silent = time.monotonic() - started
    # A drip of one byte per 0.1 s would take 100 s; each read stays under the 2 s read timeout.
    assert dripped < 2.5 and silent < 2.0
    SLOWEST["deadline 1 s, drip stopped after"] = dripped
    SLOWEST["read timeout 0.5 s, silent stopped after"] = silent
    assert not (tmp_path / "download").exists()


def test_fetch_link_passes_allow_private_through(server, settings) -> None:
    with pytest.raises(LinkPrivate):
        fetch_link(f"{server}/file", settings.inputs_dir)
    stored = fetch_link(f"  {server}/file  ", settings.inputs_dir, allow_private=True)
    assert stored.parent == settings.inputs_dir and len(stored.stem) == 64


def test_refusal_reasons_are_plain() -> None:
    assert safe_fetch.refusal("169.254.169.254") == "a link-local address"
    assert safe_fetch.refusal("::ffff:192.168.0.1") == "a private-network address"
    assert safe_fetch.refusal("100.64.0.1") == "not a public address"
    assert all(safe_fetch.refusal(str(ipaddress.ip_address(a))) for a in ("0.0.0.0", "::", "ff02::1"))


def test_an_address_names_only_files_inside_the_data_folder(tmp_path) -> None:
    from lib.uploads.address import from_address, in_address

    data = tmp_path / "data"
    kept = data / "inputs" / "ab.mp4"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"x")
    (tmp_path / "secret.txt").write_text("no")
    assert in_address(kept, data) == "inputs/ab.mp4" and from_address("inputs/ab.mp4", data) == kept.resolve()
    assert in_address(tmp_path / "secret.txt", data) is None
    for hostile in ("../secret.txt", str(tmp_path / "secret.txt"), "inputs/../../secret.txt", "inputs", "", None):
        assert from_address(hostile, data) is None, hostile
