"""Saving a result video before its link expires: streamed, size-capped, checked playable."""
from __future__ import annotations

from pathlib import Path

import requests

from lib import errors
from lib.probe import probe

MAX_RESULT_BYTES = 2 * 1024**3
EXPIRED_STATUSES = frozenset({403, 404, 410})
PLAYABLE_FORMATS = frozenset({"mp4", "mov"})


def download_result(url: str, dest: Path, timeout: tuple[float, float] = (5.0, 60.0), max_bytes: int = MAX_RESULT_BYTES) -> Path:
    """Stream `url` to `dest` (atomically) and return it.

    Raises `ResultExpired` when the link no longer works, `ResultInvalid` when the file is too
    large or not a playable MP4, and other `ServiceError`s for passing faults worth a retry.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    try:
        with requests.get(url, stream=True, timeout=timeout) as response:
            if response.status_code in EXPIRED_STATUSES:
                raise errors.ResultExpired(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise errors.ServiceError(f"the result download answered HTTP {response.status_code}", status=response.status_code)
            size = 0
            with partial.open("wb") as out:
                for chunk in response.iter_content(1024 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise errors.ResultInvalid(f"larger than {max_bytes // 1024**2} MB")
                    out.write(chunk)
    except requests.ConnectionError as error:
        partial.unlink(missing_ok=True)
        raise errors.CouldNotConnect(type(error).__name__) from None
    except requests.Timeout:
        partial.unlink(missing_ok=True)
        raise errors.TimedOut("the result download stalled") from None
    except errors.MotionStudioError:
        partial.unlink(missing_ok=True)
        raise
    try:
        facts = probe(partial)
    except errors.MediaUnreadable as unreadable:
        partial.unlink(missing_ok=True)
        raise errors.ResultInvalid(unreadable.detail or "unreadable") from None
    if facts.format not in PLAYABLE_FORMATS or not facts.has_video or not facts.duration:
        partial.unlink(missing_ok=True)
        raise errors.ResultInvalid(f"a {facts.format} file with no playable video")
    partial.replace(dest)
    return dest
