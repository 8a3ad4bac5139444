"""The live Novita balance and real spend for a page to show, asked for at most about once a minute per API key.

Home and Generate show the balance on every rerun, History the spend, and a request with retries on
each of them could hold a page for many seconds. A reading is kept in this process's memory only,
under a SHA-256 fingerprint of the key (never the key itself), and asked for once, with a short
timeout; a failure is kept too, for less time, so a service that is down is not asked again on every click.

    reading = live_balance(settings.api_key, settings.api_base_url)
    reading.usd      # 42.5, or None and reading.problem says why in plain words
    spend = live_spend(settings.api_key, settings.api_base_url)
    spend.days       # [DaySpend(day, usd, by_model), ...] newest first, or None and spend.problem
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from lib.errors import MotionStudioError
from lib.novita.billing import MAX_QUERY_DAYS, DaySpend, spend_by_day
from lib.novita.client import NovitaClient, RetryPolicy
from lib.novita.keys import fingerprint

FRESH_SECONDS = 60.0
FAILURE_SECONDS = 15.0
TIMEOUT = (2.0, 3.0)
ONE_TRY = RetryPolicy(attempts=1)
SPEND_DAYS = MAX_QUERY_DAYS  # as far back as the service answers in one query


@dataclass(frozen=True)
class BalanceReading:
    """The balance in USD, or `problem`: the sentence to show when it could not be read."""

    usd: float | None
    problem: str | None = None


@dataclass(frozen=True)
class SpendReading:
    """What Novita billed per day over the last `SPEND_DAYS` days, or `problem` when it could not be read."""

    days: list[DaySpend] | None
    problem: str | None = None


_lock = threading.Lock()
_readings: dict[tuple[str, str, str], tuple[float, Any]] = {}


def live_balance(api_key: str | None, base_url: str, clock: Callable[[], float] = time.monotonic) -> BalanceReading:
    """The balance for this key at this service, from the last minute's reading when there is one."""
    return _kept(
        "balance",
        api_key,
        base_url,
        clock,
        lambda client: BalanceReading(client.balance()),
        lambda problem: BalanceReading(None, problem),
    )


def live_spend(api_key: str | None, base_url: str, clock: Callable[[], float] = time.monotonic) -> SpendReading:
    """What Novita billed per day for generation, from the last minute's reading when there is one."""
    return _kept(
        "spend",
        api_key,
        base_url,
        clock,
        lambda client: SpendReading(spend_by_day(client.bills(since=time.time() - SPEND_DAYS * 86400))),
        lambda problem: SpendReading(None, problem),
    )


R = TypeVar("R")


def _kept(
    kind: str,
    api_key: str | None,
    base_url: str,
    clock: Callable[[], float],
    read: Callable[[NovitaClient], R],
    failed: Callable[[str], R],
) -> R:
    key = (kind, base_url, fingerprint(api_key or ""))
    with _lock:
        kept = _readings.get(key)
    if kept and clock() < kept[0]:
        reading: R = kept[1]
        return reading
    try:
        with NovitaClient(api_key or "", base_url, timeout=TIMEOUT, retry=ONE_TRY) as client:
            reading, keep = read(client), FRESH_SECONDS
    except MotionStudioError as error:
        reading, keep = failed(str(error)), FAILURE_SECONDS
    now = clock()
    with _lock:
        for stale in [k for k, (until, _) in _readings.items() if until <= now]:
            del _readings[stale]
        _readings[key] = (now + keep, reading)
    return reading


def forget_balances() -> None:
    """Drop every kept reading, so a test starts from nothing."""
    with _lock:
        _readings.clear()
