"""Downloading a link a user pasted, without letting it reach this computer or its private network.

The server fetches the link, so a link to `http://169.254.169.254/` or `http://localhost:8501/`
would make the server read things the user cannot. `fetch` allows only http(s); looks the host up
once, refuses it if any address it has is not public, and connects only to the addresses it checked
(so a second DNS answer cannot swap in a private one); follows at most `MAX_REDIRECTS` redirects
itself, checking each hop the same way; and stops at a size cap, at connect and read time limits,
and at an overall deadline.

    download = fetch("https://example.com/dance.mp4", Path("data/inputs/dance.part"), max_bytes=50 * MB)
    download.size_bytes, download.url   # (4180233, 'https://cdn.example.com/dance.mp4')
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import http.client
import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from lib.errors import LinkNotWeb, LinkPrivate, LinkTooLarge, LinkTooSlow, LinkUnreachable, LinkUnusable
from lib.files.sizes import file_size

MB = 1024 * 1024
SCHEMES = ("http", "https")
MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 1024 * 1024
# Networks whose addresses carry an IPv4 address that the packet really goes to.
NAT64 = ipaddress.ip_network("64:ff9b::/96")

_resolver = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="resolve")


@dataclass(frozen=True)
class Download:
    """A finished download, in the file that was asked for."""

    path: Path
    sha256: str
    size_bytes: int
    url: str  # after redirects


def fetch(
    url: str,
    into: Path,
    *,
    max_bytes: int,
    allow_private: bool = False,
    timeout: tuple[float, float] = (5, 30),
    deadline: float = 120,
    max_redirects: int = MAX_REDIRECTS,
    progress: Callable[[int, int | None], None] | None = None,
) -> Download:
    """Download `url` into the file `into`, or raise a `LinkUnusable` saying why not.

    `timeout` is (connect, read) for each network wait; `deadline` bounds the whole download in
    seconds, redirects and host lookups included. With `allow_private` (the ALLOW_PRIVATE_URLS
    setting, for a studio whose media sits on its own network) private and loopback addresses are
    allowed; the scheme, size, time and redirect rules still hold. On failure `into` is removed.
    `progress(done, total)`, if given, is called after each read (total None if not declared).

        fetch("http://127.0.0.1:8501/x.mp4", Path("inputs/x.part"), max_bytes=MB)
        # LinkPrivate: Links to this computer or to private networks cannot be used. ...
        # (127.0.0.1 is a loopback address)
    """
    try:
        ends_at = time.monotonic() + deadline
        return _follow(url, into, max_bytes, allow_private, timeout, ends_at, max_redirects, progress)
    except BaseException:
        into.unlink(missing_ok=True)
        raise


def _follow(
    url: str,
    into: Path,
    max_bytes: int,
    allow_private: bool,
    timeout: tuple[float, float],
    ends_at: float,
    max_redirects: int,
    progress: Callable[[int, int | None], None] | None,
) -> Download:
    """Each hop checked before it is fetched; the last one saved into `into`."""
    pinned: dict[str, list[str]] = {}
    with _pinned_session(pinned) as session:
        for _hop in range(max_redirects + 1):
            host = _checked_host(url)
            pinned[host] = _public_addresses(host, allow_private, _remaining(ends_at))
            response = _get(session, url, timeout, ends_at)
            with response:
                if response.status_code not in REDIRECTS:
                    return _save(response, url, into, max_bytes, timeout[1], ends_at, progress)
                location = response.headers.get("Location")
                if not location:
                    raise LinkUnusable(f"the link answered HTTP {response.status_code} without saying where to go")
                url = urljoin(url, location.strip())
        raise LinkUnusable(f"the link redirected more than {max_redirects} times")


def refusal(address: str) -> str | None:
    """Why the server must not connect to `address` for a user ("a loopback address"), or None if public.

    Public means globally routable unicast. IPv4 addresses carried inside IPv6 ones (::ffff:127.0.0.1,
    6to4, Teredo, NAT64) are judged by the IPv4 address they lead to.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        carried = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if carried is None and ip in NAT64:
            carried = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if carried is not None:
            return refusal(str(carried))
    for test, reason in (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private-network address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "not a public address"),
    ):
        if test:
            return reason
    return None


def _checked_host(url: str) -> str:
    """The host of an http(s) URL as the connection will see it (lower-case, IDNA); anything else is refused."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number up to 65535
    except ValueError as error:
        raise LinkNotWeb(f"the link is not a valid address: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise LinkNotWeb(
            f"{scheme}: links cannot be used" if scheme else "the link does not start with http:// or https://"
        )
    if not parts.hostname or port == 0:
        raise LinkNotWeb("the link has no host name")
    try:
        return parts.hostname.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise LinkNotWeb("the link's host name is not valid") from None


def _public_addresses(host: str, allow_private: bool, seconds: float) -> list[str]:
    """Every address `host` has, each checked; one private address refuses the host."""
    future = _resolver.submit(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
    try:
        answers = future.result(timeout=seconds)
    except concurrent.futures.TimeoutError:
        raise LinkTooSlow(f"looking up {host} took too long") from None
    except (OSError, UnicodeError):
        raise LinkUnusable(f"{host} could not be found") from None
    addresses = list(dict.fromkeys(str(answer[4][0]) for answer in answers))
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason:
                shown = host if host == address else f"{host} is at {address}, which"
                raise LinkPrivate(f"{shown} is {reason}")
    return addresses


def _get(session: requests.Session, url: str, timeout: tuple[float, float], ends_at: float) -> requests.Response:
    remaining = _remaining(ends_at)
    try:
        return session.get(
            url,
            stream=True,
            allow_redirects=False,
            timeout=(min(timeout[0], remaining), min(timeout[1], remaining)),
            headers={"Accept-Encoding": "identity", "User-Agent": "MotionStudio"},
        )
    except requests.Timeout:
        raise LinkTooSlow("the link did not answer in time") from None
    except requests.ConnectionError:
        raise LinkUnreachable("the link's server could not be reached") from None
    except requests.RequestException as error:
        raise LinkUnusable(_plain(error)) from None


def _save(
    response: requests.Response,
    url: str,
    partial: Path,
    max_bytes: int,
    read_timeout: float,
    ends_at: float,
    progress: Callable[[int, int | None], None] | None,
) -> Download:
    if response.status_code != 200:
        raise LinkUnusable(f"the link answered HTTP {response.status_code}")
    too_large = f"the file is larger than {file_size(max_bytes)}"
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise LinkTooLarge(too_large)
    total = int(declared) if declared.isdigit() else None
    digest, size = hashlib.sha256(), 0
    with partial.open("wb") as out:
        try:
            while True:
                # read1 returns after one socket read, so the deadline is checked between reads
                # even when a server drips a byte at a time.
                _limit_next_read(response, min(read_timeout, _remaining(ends_at)))
                chunk = response.raw.read1(CHUNK, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise LinkTooLarge(too_large)
                digest.update(chunk)
                out.write(chunk)
                if progress is not None:
                    progress(size, total)
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as error:
            if isinstance(error, (urllib3.exceptions.TimeoutError, TimeoutError)):
                raise LinkTooSlow("the download stopped before the end") from None
            raise LinkUnusable(_plain(error)) from None
    return Download(partial, digest.hexdigest(), size, url)


def _remaining(ends_at: float) -> float:
    remaining = ends_at - time.monotonic()
    if remaining <= 0:
        raise LinkTooSlow("it took longer than the time allowed for a download")
    return remaining


def _limit_next_read(response: requests.Response, seconds: float) -> None:
    """Shorten the socket's read timeout, so no single wait outlives the deadline."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        sock.settimeout(seconds)


def _plain(error: BaseException) -> str:
    """A short reason without the URL's query string or a stack of wrapped exceptions."""
    return type(error).__name__


class _PinnedConnectionMixin(HTTPConnection):
    """Connects only to the addresses `fetch` looked up and checked for this host, never to a new lookup."""

    pinned: dict[str, list[str]]

    def _new_conn(self) -> socket.socket:
        host = self.host.strip("[]").rstrip(".").lower()
        addresses = self.pinned.get(host)
        if not addresses:
            raise NewConnectionError(self, f"{host} was not checked before connecting")
        last_error: OSError | None = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as error:
                raise ConnectTimeoutError(self, f"Connection to {host} timed out") from error
            except OSError as error:
                last_error = error
        raise NewConnectionError(self, f"Failed to establish a new connection: {last_error}")


def _pinned_session(pinned: dict[str, list[str]]) -> requests.Session:
    """A session whose connections go only to `pinned[host]`; no proxies, .netrc or redirects of its own."""

    class Connection(_PinnedConnectionMixin):
        pass

    class SecureConnection(_PinnedConnectionMixin, HTTPSConnection):
        pass

    Connection.pinned = SecureConnection.pinned = pinned

    class Pool(HTTPConnectionPool):
        ConnectionCls = Connection

    class SecurePool(HTTPSConnectionPool):
        ConnectionCls = SecureConnection

    adapter = HTTPAdapter(max_retries=0)
    adapter.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": SecurePool}
    session = requests.Session()
    session.trust_env = False  # an environment proxy would resolve the host itself, unchecked
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
