"""The Novita API client for Kling V2.6 Pro Motion Control: submit, task result, balance.

Every request has an explicit (connect, read) timeout. Reads (GET) are retried with exponential
back-off and jitter; the job-creating POST never is, because a retried POST can start a second,
paid job. Every failure is raised as a `lib.errors.ServiceError` subclass.

    client = NovitaClient(api_key)
    task_id = client.submit(image_b64, video_url, "image", prompt="a dancer on a beach")
    result = client.task_result(task_id)   # TaskResult(status=TaskStatus.QUEUED, ...)
"""
from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable

import requests
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from lib import errors

log = logging.getLogger(__name__)

SUBMIT_PATH = "/v3/async/kling-v2.6-pro-motion-control"
RESULT_PATH = "/v3/async/task-result"
BALANCE_PATH = "/openapi/v1/billing/balance/detail"
BALANCE_UNIT_USD = 0.0001
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class TaskStatus(Enum):
    """The closed vocabulary of a task's state; `UNKNOWN` keeps waiting."""

    QUEUED = "queued"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @classmethod
    def from_remote(cls, remote: str) -> "TaskStatus":
        return _REMOTE_STATUSES.get(remote, cls.UNKNOWN)

    @property
    def pending(self) -> bool:
        return self in (TaskStatus.QUEUED, TaskStatus.PROCESSING, TaskStatus.UNKNOWN)


_REMOTE_STATUSES = {
    "TASK_STATUS_QUEUED": TaskStatus.QUEUED,
    "TASK_STATUS_PROCESSING": TaskStatus.PROCESSING,
    "TASK_STATUS_SUCCEED": TaskStatus.SUCCEEDED,
    "TASK_STATUS_FAILED": TaskStatus.FAILED,
}


class Orientation(Enum):
    """Which way the character faces: as in the image (video up to 10 s) or as in the video (30 s)."""

    IMAGE = "image"
    VIDEO = "video"

    @property
    def max_video_seconds(self) -> float:
        return 10.0 if self is Orientation.IMAGE else 30.0


@dataclass(frozen=True)
class ResultVideo:
    url: str
    ttl: int
    type: str


@dataclass(frozen=True)
class TaskResult:
    """One answer of the Task Result API, parsed; `raw` is the payload as it came."""

    task_id: str
    status: TaskStatus
    remote_status: str
    progress_percent: int
    eta: int
    reason: str
    videos: tuple[ResultVideo, ...]
    raw: dict = field(repr=False)

    @classmethod
    def from_payload(cls, payload: dict) -> "TaskResult":
        task = payload.get("task") or {}
        remote_status = str(task.get("status") or "")
        return cls(
            task_id=str(task.get("task_id") or ""),
            status=TaskStatus.from_remote(remote_status),
            remote_status=remote_status,
            progress_percent=_as_int(task.get("progress_percent")),
            eta=_as_int(task.get("eta")),
            reason=str(task.get("reason") or ""),
            videos=tuple(
                ResultVideo(url=str(v.get("video_url") or ""), ttl=_as_int(v.get("video_url_ttl")), type=str(v.get("video_type") or ""))
                for v in payload.get("videos") or []
                if v.get("video_url")
            ),
            raw=payload,
        )


def _as_int(value: Any) -> int:
    """The service sends some numbers as strings (video_url_ttl); one SDK types them as ints."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


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


class NovitaClient:
    """A thin, typed client; one per thread (a `requests.Session` is not shared across threads)."""

    def __init__(
        self,
        api_key: str,
        base_url: str = "https://api.novita.ai",
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        submit_timeout: tuple[float, float] = (5.0, 120.0),
        retry: RetryPolicy = RetryPolicy(),
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

    def submit(
        self,
        image: str,
        video: str,
        character_orientation: str,
        prompt: str | None = None,
        negative_prompt: str | None = None,
        keep_original_sound: bool = True,
    ) -> str:
        """Start a job and return its task_id. `image` is a URL or base64 data, `video` a URL.

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
        payload = self._request("POST", SUBMIT_PATH, json=body, timeout=self.submit_timeout, retry=False)
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
        return _as_int(payload.get("availableBalance")) * BALANCE_UNIT_USD

    def _request(self, method: str, path: str, *, timeout: tuple[float, float], retry: bool, **kwargs: Any) -> dict:
        attempts = self.retry.attempts if retry else 1
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
                error = _transport_error(exc)
                log.warning("%s %s failed after %.1fs: %s", method, path, time.monotonic() - started, type(error).__name__)
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
                    error = error_from_response(response.status_code, _json_or_none(response), response.text)
                    if last or not retry or response.status_code not in RETRY_STATUSES:
                        raise error
            self._sleep(self.retry.delay(attempt))
        raise AssertionError("unreachable: the loop raises on its last attempt")


def _session_for(base_url: str) -> requests.Session:
    """A session that reads proxy and CA settings from the environment once, not on every request.

    requests looks them up per call, which was a third of the poller's CPU per poll.
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


def _transport_error(exc: requests.RequestException) -> errors.ServiceError:
    """Tell "never reached the service" (safe to send again) from "sent, but no answer"."""
    if isinstance(exc, requests.ConnectTimeout) or _never_connected(exc):
        return errors.CouldNotConnect(type(exc).__name__)
    if isinstance(exc, requests.Timeout):
        return errors.TimedOut("no answer within the time limit")
    return errors.UnclearAnswer("the connection was dropped before Novita answered")


def _never_connected(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, ConnectTimeoutError, NameResolutionError, ConnectionRefusedError)):
            return True
        reason = getattr(current, "reason", None)
        nested = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        current = reason if isinstance(reason, BaseException) else nested or current.__cause__ or current.__context__
    return False


_REASON_ERRORS: dict[str, type[errors.ServiceError]] = {
    "INVALID_REQUEST_BODY": errors.InputRejected,
    "ILLEGAL_PROMPT": errors.ContentRefused,
    "ILLEGAL_IMAGE": errors.ContentRefused,
    "BILLING_BALANCE_NOT_ENOUGH": errors.BalanceTooLow,
    "INVALID_API_KEY": errors.InvalidApiKey,
    "TASK_NOT_FOUND": errors.TaskNotFound,
    "RATE_LIMIT_EXCEEDED": errors.RateLimited,
    "TASK_FAILED": errors.ServiceError,
    "CREATE_TASK_FAILED": errors.ServiceError,
    "GET_RESULT_FAILED": errors.ServiceError,
}
_STATUS_ERRORS: dict[int, type[errors.ServiceError]] = {
    400: errors.InputRejected,
    401: errors.InvalidApiKey,
    403: errors.InvalidApiKey,
    404: errors.TaskNotFound,
    429: errors.RateLimited,
}


def error_from_response(status: int, body: Any, text: str = "") -> errors.ServiceError:
    """Map an error answer, in either of Novita's two body shapes, to its exception."""
    reason, message = "", ""
    if isinstance(body, dict):
        nested = body.get("error")
        if isinstance(nested, dict):
            message = str(nested.get("message") or "")
            reason = str(nested.get("reason") or nested.get("type") or "")
        else:
            reason = str(body.get("reason") or "")
            message = str(body.get("message") or "")
    elif text:
        message = text.strip()[:300]
    lowered = f"{reason} {message}".lower()
    if reason in _REASON_ERRORS:
        kind = _REASON_ERRORS[reason]
    elif "illegal" in lowered or "moderation" in lowered or "sensitive" in lowered:
        kind = errors.ContentRefused
    elif "balance" in lowered and status in (400, 402, 403):
        kind = errors.BalanceTooLow
    else:
        kind = _STATUS_ERRORS.get(status, errors.ServiceError)
    return kind(message, status=status, reason=reason, message=message)
