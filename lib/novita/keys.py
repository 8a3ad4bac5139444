"""What the app knows an API key by when it must not keep the key: a short SHA-256 fingerprint.

Jobs record it, queues are named by it, and the balance cache is keyed by it, so the history, a
queue or a memory dump never shows the key itself.
"""

from __future__ import annotations

import hashlib


def fingerprint(api_key: str) -> str:
    """16 hex digits of the key's SHA-256: enough to tell keys apart, nothing to recover one from."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]
