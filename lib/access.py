"""The shared password in front of every page (APP_PASSWORD): compared in constant time, with wrong tries
limited per client and from everyone, so guessing it over the network is slow while a person who types it
right never waits.

    password_matches("guess", "correct horse", client="203.0.113.9")   # False
    # ... the sixth wrong try within a minute from that client:
    # TooManySignIns: Too many wrong passwords in the last minute ... (try again in 41 s)
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from lib.errors import TooManySignIns

PER_CLIENT = 5  # wrong tries a client may make per window: enough for a person who mistypes
OVERALL = 60  # wrong tries everyone together may make per window: a guesser with many addresses
WINDOW = 60.0


@dataclass
class SignInLimits:
    """Wrong tries in the last `window` seconds, per client and from everyone.

    Kept in this process's memory behind a lock, not in the database: every browser session of the app
    runs in this one process, so all of them see the same counts (a guesser who opens new sessions gains
    nothing), and it is a rate limit, not history: a restart forgets at most a minute of it. Memory stays
    bounded, as every counted try is in `_everyone`, which holds at most `overall` of them.
    """

    per_client: int = PER_CLIENT
    overall: int = OVERALL
    window: float = WINDOW
    _by_client: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _everyone: deque[float] = field(default_factory=deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take_try(self, client: str, now: float) -> None:
        """Count a try as wrong before its answer is known, or raise `TooManySignIns` if a limit is reached.

        Counting first means tries sent in parallel cannot all slip in before the first is recorded.
        """
        with self._lock:
            self._forget_before(now - self.window)
            mine = self._by_client.setdefault(client, deque())
            full = [
                tries for tries, cap in ((mine, self.per_client), (self._everyone, self.overall)) if len(tries) >= cap
            ]
            if full:
                raise TooManySignIns(max(tries[0] + self.window - now for tries in full))
            mine.append(now)
            self._everyone.append(now)

    def forgive(self, client: str, at: float) -> None:
        """The try taken `at` was right: it and the client's earlier wrong tries count no more for the client."""
        with self._lock:
            self._by_client.pop(client, None)
            if at in self._everyone:
                self._everyone.remove(at)

    def _forget_before(self, oldest: float) -> None:
        for tries in (self._everyone, *self._by_client.values()):
            while tries and tries[0] < oldest:
                tries.popleft()
        for client in [client for client, tries in self._by_client.items() if not tries]:
            del self._by_client[client]


_limits = SignInLimits()


def password_matches(given: str, expected: str, client: str = "", limits: SignInLimits | None = None) -> bool:
    """Whether `given` is the app password. `client` names who asks (their address); when they, or everyone
    together, made too many wrong tries in the last minute, `TooManySignIns` is raised without comparing."""
    limits = limits or _limits
    at = time.monotonic()
    limits.take_try(client, at)
    ok = hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
    if ok:
        limits.forgive(client, at)
    return ok
