"""The shared password in front of every page (APP_PASSWORD), compared in constant time and slowed
after failed tries, so guessing it over the network takes forever."""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass, field

BASE_DELAY = 0.5
MAX_DELAY = 8.0
FORGET_AFTER = 15 * 60.0


@dataclass
class LoginThrottle:
    """Failed tries in this process; each one doubles the wait before the next answer, up to MAX_DELAY.

    Kept per process rather than per browser session, because a guesser simply opens new sessions.
    """

    failures: int = 0
    last_failure: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def delay(self, now: float) -> float:
        with self._lock:
            if now - self.last_failure > FORGET_AFTER:
                self.failures = 0
            return 0.0 if not self.failures else min(MAX_DELAY, BASE_DELAY * 2 ** (self.failures - 1))

    def record(self, ok: bool, now: float) -> None:
        with self._lock:
            if ok:
                self.failures = 0
            else:
                self.failures += 1
                self.last_failure = now


_throttle = LoginThrottle()


def password_matches(given: str, expected: str, throttle: LoginThrottle = _throttle, sleep=time.sleep) -> bool:
    """Whether `given` is the app password; waits first if recent tries failed."""
    sleep(throttle.delay(time.monotonic()))
    ok = hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
    throttle.record(ok, time.monotonic())
    return ok
