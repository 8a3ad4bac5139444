"""Turning what went wrong with a request into the `lib.errors` class that says it in plain words.

Novita answers errors in two body shapes (flat, and nested under "error"); a request that got no
answer is told apart by whether it ever connected (nothing sent) or not (it may have been).
"""

from __future__ import annotations

from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from lib import errors


def transport_error(exc: requests.RequestException) -> errors.ConnectionFailed:
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
    429: errors.RateLimited,
}


def error_from_response(
    status: int, body: Any, text: str = "", not_found: type[errors.ServiceError] = errors.ServiceError
) -> errors.ServiceError:
    """Map an error answer, in either of Novita's two body shapes, to its exception.

    What a 404 without a reason means depends on the route asked, so the caller says it with
    `not_found`: an unknown task on the task-result route, an account that cannot be read on the
    balance route, and on any route an address where nothing of Novita's lives.
    """
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
        kind = not_found if status == 404 else _STATUS_ERRORS.get(status, errors.ServiceError)
    return kind(message, status=status, reason=reason, message=message)
