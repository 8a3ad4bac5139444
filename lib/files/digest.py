"""A file's content hash: the name under which inputs, hosted videos and fixes are kept.

Hashing a 10 MB video takes tens of milliseconds and pages ask for the same file on every rerun,
so a digest is remembered per path, size, modification time and inode.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

CACHE_SIZE = 256

_digests: OrderedDict[tuple[str, int, int, int], str] = OrderedDict()
_lock = threading.Lock()


def content_digest(path: Path | str) -> str:
    """SHA-256 of the file's bytes, as hex; an unchanged file is hashed once."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    with _lock:
        if key in _digests:
            return _digests[key]
    with path.open("rb") as file:
        digest = hashlib.file_digest(file, "sha256").hexdigest()
    with _lock:
        _digests[key] = digest
        while len(_digests) > CACHE_SIZE:
            _digests.popitem(last=False)
    return digest


def forget_digests() -> None:
    """Forget every remembered digest, e.g. to time a cold check."""
    with _lock:
        _digests.clear()
