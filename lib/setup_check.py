"""Is this set-up ready to go live? Each part checked for real, with what works and what to do in plain words.

- The key: Novita is asked for the balance, which needs a key it accepts.
- The public address: a small test file is put in the static folder and fetched back through
  PUBLIC_BASE_URL, as Novita would fetch a motion video.
- Or the bucket (when S3_BUCKET is set): a test file is put, presigned and fetched back, then removed.

`missing_link` is the check Generate and `lib.worker.queue_job` make before a job is recorded.

    for part in check_setup(settings):
        print(part.part, "works" if part.works else "needs work", part.said)
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from lib import errors
from lib.config import Settings
from lib.errors import NoPublicLink
from lib.files.hosting import STATIC_ROUTE
from lib.files.links import is_url
from lib.files.safe_fetch import fetch, refusal
from lib.novita.client import NovitaClient, RetryPolicy

FETCH_TIMEOUT = (3.0, 5.0)
FETCH_DEADLINE = 15.0
ANSWER_BYTES = 1024  # the test file is a 32-character token
KEY_TIMEOUT = (3.0, 5.0)
TEST_FILE_PREFIX = "setup-check-"


def missing_link(settings: Settings, video: Path | str, public_base_url: str | None = None) -> NoPublicLink | None:
    """The refusal to show when live Novita could not fetch `video`; None when it can (or in demo mode,
    where the simulator fetches from this machine)."""
    if settings.demo_mode or is_url(video) or settings.s3 is not None:
        return None
    if public_base_url or settings.public_base_url:
        return None
    return NoPublicLink()


@dataclass(frozen=True)
class PartCheck:
    """One part of the set-up: whether it `works`, and `said`: what was found and, if not, what to do."""

    part: str
    works: bool
    said: str


def check_setup(settings: Settings) -> list[PartCheck]:
    """The key, then the way Novita fetches motion videos: the bucket when one is set, else the public address."""
    return [check_key(settings), check_bucket(settings) if settings.s3 is not None else check_public_address(settings)]


def check_key(settings: Settings) -> PartCheck:
    part = "Novita API key"
    if settings.demo_mode:
        return PartCheck(
            part,
            True,
            "Demo mode: the built-in simulator stands in for Novita, so no key is needed and nothing is charged. "
            "To go live, set NOVITA_API_KEY (or type a key under Settings).",
        )
    try:
        client = NovitaClient(
            settings.api_key or "", settings.api_base_url, timeout=KEY_TIMEOUT, retry=RetryPolicy(attempts=1)
        )
        balance = client.balance()
    except errors.InvalidApiKey as error:
        return PartCheck(part, False, str(error))
    except errors.NovitaError as error:
        return PartCheck(part, False, f"The key could not be checked: {error}")
    return PartCheck(part, True, f"Novita accepted the key. Your balance is ${balance:,.2f}.")


def check_public_address(settings: Settings) -> PartCheck:
    part = "Public address"
    base_url = settings.public_base_url
    if base_url is None:
        if settings.demo_mode:
            return PartCheck(
                part, True, "Demo mode: the simulator fetches motion videos from this computer; nothing to set."
            )
        return PartCheck(part, False, NoPublicLink.user_message.replace(" Nothing was recorded or sent.", ""))
    token = secrets.token_hex(16)
    settings.static_dir.mkdir(parents=True, exist_ok=True)
    test_file = settings.static_dir / f"{TEST_FILE_PREFIX}{token}.txt"
    test_file.write_text(token)
    url = f"{base_url}{STATIC_ROUTE}{test_file.name}"
    try:
        # The address is typed by a person: it is fetched under a pasted link's rules, so the check
        # cannot be pointed at this computer, its network or a cloud metadata address, even by a redirect.
        with tempfile.TemporaryDirectory() as folder:
            body = fetch(
                url,
                Path(folder) / "answer",
                max_bytes=ANSWER_BYTES,
                allow_private=settings.allow_private_urls,
                timeout=FETCH_TIMEOUT,
                deadline=FETCH_DEADLINE,
            ).path.read_text(errors="replace")
    except errors.LinkPrivate as error:
        return PartCheck(
            part,
            False,
            f"{base_url} was not checked: {error.detail}, which Novita on the internet cannot reach. Use a tunnel "
            "(cloudflared or ngrok) or the server's public address as PUBLIC_BASE_URL. If Novita's address is on "
            "the same private network, set ALLOW_PRIVATE_URLS=true.",
        )
    except (errors.LinkUnreachable, errors.LinkTooSlow) as error:
        return PartCheck(
            part,
            False,
            f"Nothing answered at {base_url} ({error.detail}). Check that the tunnel or server in front "
            "of this app is running and that PUBLIC_BASE_URL is its address.",
        )
    except errors.LinkUnusable as error:
        answered = error.detail  # "the link answered HTTP 404", "the link redirected more than 3 times"
    else:
        answered = "" if body.strip() == token else "something else came back"
    finally:
        test_file.unlink(missing_ok=True)
    if answered:
        return PartCheck(
            part,
            False,
            f"{base_url} answered, but not with this app's test file ({answered}). PUBLIC_BASE_URL "
            "must be the address of this app, whose static folder it serves at /app/static/.",
        )
    unreachable = _private(base_url)
    if unreachable and not _private(settings.api_base_url):
        return PartCheck(
            part,
            False,
            f"{base_url} serves this app's files, but it is {unreachable}, which Novita on the internet cannot "
            "reach. Use a tunnel (cloudflared or ngrok) or the server's public address as PUBLIC_BASE_URL.",
        )
    return PartCheck(part, True, f"Novita can fetch motion videos from {base_url}: a test file came back through it.")


def check_bucket(settings: Settings) -> PartCheck:
    from lib.files.object_storage import S3Hosting, key_for  # boto3 only when a bucket is set

    s3 = settings.s3
    assert s3 is not None
    part = f"Object storage (bucket {s3.bucket})"
    hosting = S3Hosting(s3)
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory() as folder:
        test_file = Path(folder) / f"{TEST_FILE_PREFIX}{token}.txt"
        test_file.write_text(token)
        try:
            link = hosting.url_for(test_file)
        except errors.HostingError as error:
            return PartCheck(part, False, str(error))
        try:
            answer = requests.get(link, timeout=FETCH_TIMEOUT)
            fetched = answer.status_code == 200 and answer.text.strip() == token
            problem = f"HTTP {answer.status_code}"
        except requests.RequestException as error:
            fetched, problem = False, type(error).__name__
        finally:
            # A test file left behind is harmless: the answer is what matters.
            with contextlib.suppress(Exception):
                hosting.client.delete_object(Bucket=s3.bucket, Key=key_for(test_file))
    if not fetched:
        return PartCheck(
            part,
            False,
            f"The bucket took a test file, but its presigned link did not give it back ({problem}), so Novita "
            "could not fetch motion videos either. Check that S3_ENDPOINT_URL is an address reachable from the "
            "internet and that the bucket allows presigned GET links.",
        )
    return PartCheck(
        part, True, "Novita can fetch motion videos from the bucket: a test file was put, presigned and fetched back."
    )


def _private(url: str) -> str | None:
    """Why `url`'s host cannot be reached from the internet ("a loopback address"), or None if it can or is unknown."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return None
    return next((reason for address in sorted(addresses) if (reason := refusal(str(address)))), None)
