"""Saving a result video before its link expires: streamed, size-capped, checked playable."""

from __future__ import annotations

from pathlib import Path

import requests

from lib import errors
from lib.files.atomic import atomic_write
from lib.files.sizes import file_size
from lib.media.probe import probe

MAX_RESULT_BYTES = 2 * 1024**3
EXPIRED_STATUSES = frozenset({403, 404, 410})
PLAYABLE_FORMATS = frozenset({"mp4", "mov"})


def download_result(
    url: str, dest: Path, timeout: tuple[float, float] = (5.0, 60.0), max_bytes: int = MAX_RESULT_BYTES
) -> Path:
    """Stream `url` to `dest` (atomically) and return it.

    Raises `ResultExpired` when the link no longer works, `ResultInvalid` when the file is too
    large or not a playable MP4, and other `ServiceError`s for passing faults worth a retry.
    """
    with atomic_write(dest) as partial:
        _stream(url, partial, timeout, max_bytes)
        try:
            facts = probe(partial)
        except errors.MediaUnreadable as unreadable:
            raise errors.ResultInvalid(unreadable.detail or "unreadable") from None
        if facts.format not in PLAYABLE_FORMATS or not facts.has_video or not facts.duration:
            raise errors.ResultInvalid(f"a {facts.format} file with no playable video")
    return dest


def _stream(url: str, partial: Path, timeout: tuple[float, float], max_bytes: int) -> None:
    try:
        with requests.get(url, stream=True, timeout=timeout) as response:
            if response.status_code in EXPIRED_STATUSES:
                raise errors.ResultExpired(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise errors.ServiceError(
                    f"the result download answered HTTP {response.status_code}", status=response.status_code
                )
            size = 0
            with partial.open("wb") as out:
                for chunk in response.iter_content(1024 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise errors.ResultInvalid(f"larger than {file_size(max_bytes)}")
                    out.write(chunk)
    except requests.ConnectionError as error:
        raise errors.CouldNotConnect(type(error).__name__) from None
    except requests.Timeout:
        raise errors.TimedOut("the result download stalled") from None
