"""The Novita API client for Kling Motion Control (2.6 Pro, 3.0): submit, task result, balance, bills.

Every request has an explicit (connect, read) timeout. Reads (GET) are retried with exponential
back-off and jitter; the job-creating POST never is, because a retried POST can start a second,
paid job. Every failure is raised as a `lib.errors.NovitaError`: a `ServiceError` when Novita
answered with an error, a `ConnectionFailed` when no clear answer came back.

    client = NovitaClient(api_key)
    task_id = client.submit(image_b64, video_url, "image", prompt="a dancer on a beach")
    result = client.task_result(task_id)   # TaskResult(status=TaskStatus.QUEUED, ...)
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from lib import errors
from lib.novita.billing import BALANCE_UNIT_USD, BILLS_PATH, GENERATION_CATEGORY, MAX_QUERY_DAYS, Bill
from lib.novita.error_mapping import error_from_response, transport_error
from lib.novita.keys import fingerprint
from lib.novita.rules import DEFAULT_MODEL, Model
from lib.novita.task import TaskResult, as_int

log = logging.getLogger(__name__)

SUBMIT_PATH = DEFAULT_MODEL.submit_path  # Kling 2.6 Pro's; each model has its own
RESULT_PATH = "/v3/async/task-result"
BALANCE_PATH = "/openapi/v1/billing/balance/detail"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# What a 404 without a reason means, by route: on a submit route, no model endpoint lives there.
NOT_FOUND: dict[str, type[errors.ServiceError]] = {
    RESULT_PATH: errors.TaskNotFound,
    BALANCE_PATH: errors.AccountUnreadable,
    BILLS_PATH: errors.AccountUnreadable,
}


@dataclass(frozen=True)
class RetryPolicy:
    """How reads are retried: `attempts` tries in all, back-off doubling from `base_delay`."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int) -> float:
        # Equal jitter: never zero, so a burst of 429s really backs off, yet clients spread out.
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)


DEFAULT_RETRY = RetryPolicy()


class NovitaClient:
    """A thin, typed client; one per thread (a `requests.Session` is not shared across threads)."""

    def __init__(
        self,
        api_key: str,
        base_url: str = "https://api.novita.ai",
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        submit_timeout: tuple[float, float] = (5.0, 120.0),
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key:
            raise errors.InvalidApiKey("no API key was given")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.session = session or _session_for(self.base_url)
        self.timeout = timeout
        self.submit_timeout = submit_timeout
        self.retry = retry
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"NovitaClient(base_url={self.base_url!r})"

    def close(self) -> None:
        """Close the connections this client keeps open."""
        self.session.close()

    def __enter__(self) -> NovitaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def key_fingerprint(self) -> str:
        """The fingerprint of this client's key, which jobs record instead of the key."""
        return fingerprint(self._api_key)

    def submit(
        self,
        image: str,
        video: str,
        character_orientation: str,
        prompt: str | None = None,
        negative_prompt: str | None = None,
        keep_original_sound: bool = True,
        model: Model = DEFAULT_MODEL,
    ) -> str:
        """Start a job on `model`'s endpoint and return its task_id. `image` is a URL or base64 data, `video` a URL.

        Sent once: `UnclearAnswer` (a time-out, a dropped connection, an unreadable answer) means the
        job may exist.
        """
        body: dict[str, Any] = {
            "image": image,
            "video": video,
            "character_orientation": str(getattr(character_orientation, "value", character_orientation)),
            "keep_original_sound": bool(keep_original_sound),
        }
        if prompt:
            body["prompt"] = prompt
        if negative_prompt:
            body["negative_prompt"] = negative_prompt
        if model.model_name:
            body["model_name"] = model.model_name
        payload = self._request("POST", model.submit_path, json=body, timeout=self.submit_timeout, retry=False)
        if not payload.get("task_id"):
            raise errors.UnclearAnswer("Novita's answer had no task id", status=200)
        return str(payload["task_id"])

    def task_result(self, task_id: str) -> TaskResult:
        """The task's current state, retried on passing faults."""
        payload = self._request("GET", RESULT_PATH, params={"task_id": task_id}, timeout=self.timeout, retry=True)
        return TaskResult.from_payload(payload)

    def balance(self) -> float:
        """The account's available balance in USD."""
        payload = self._request("GET", BALANCE_PATH, timeout=self.timeout, retry=True)
        return as_int(payload.get("availableBalance")) * BALANCE_UNIT_USD

    def bills(self, since: float, until: float | None = None, cycle: str = "Day") -> list[Bill]:
        """What Novita billed for generation (image, video, audio) per `cycle` from `since` to `until`
        (Unix seconds; the service takes at most 31 days, so a longer span is cut to its last 31)."""
        end = time.time() if until is None else until
        start = max(since, end - MAX_QUERY_DAYS * 86400 + 1)
        params = {
            "cycleType": cycle,
            "productCategory": GENERATION_CATEGORY,
            "startTime": str(int(start)),
            "endTime": str(int(end)),
        }
        payload = self._request("GET", BILLS_PATH, params=params, timeout=self.timeout, retry=True)
        items = payload.get("bills")
        return [Bill.from_payload(item) for item in items if isinstance(item, dict)] if isinstance(items, list) else []

    def _request(self, method: str, path: str, *, timeout: tuple[float, float], retry: bool, **kwargs: Any) -> dict:
        attempts = self.retry.attempts if retry else 1
        error: errors.NovitaError
        for attempt in range(attempts):
            last = attempt == attempts - 1
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    self.base_url + path,
                    headers={"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"},
                    timeout=timeout,
                    **kwargs,
                )
            except requests.RequestException as exc:
                error = transport_error(exc)
                log.warning(
                    "%s %s failed after %.1fs: %s", method, path, time.monotonic() - started, type(error).__name__
                )
                if last or not retry:
                    raise error from None
            else:
                log.info("%s %s -> %s in %.2fs", method, path, response.status_code, time.monotonic() - started)
                if response.status_code == 200:
                    payload = _json_or_none(response)
                    if isinstance(payload, dict):
                        return payload
                    # A POST that got an unreadable 200 may well have created the job.
                    kind = errors.ServiceError if retry else errors.UnclearAnswer
                    error = kind("Novita's answer could not be read", status=200, reason="MALFORMED_RESPONSE")
                    if last or not retry:
                        raise error
                else:
                    error = error_from_response(
                        response.status_code,
                        _json_or_none(response),
                        response.text,
                        not_found=NOT_FOUND.get(path, errors.ServiceError),
                    )
                    if last or not retry or response.status_code not in RETRY_STATUSES:
                        raise error
            self._sleep(self.retry.delay(attempt))
        raise AssertionError("unreachable: the loop raises on its last attempt")


def _session_for(base_url: str) -> requests.Session:
    """A session that reads proxy and CA settings from the environment once, not on every request.

    requests looks them up per call, which was a third of the CPU of following a job.
    """
    session = requests.Session()
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    session.trust_env = False
    return session


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
