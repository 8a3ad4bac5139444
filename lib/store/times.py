"""Times as the history keeps them: UTC ISO-8601 text, which sorts as time does on any database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def now_iso(later: float = 0.0) -> str:
    """Now, or `later` seconds from now, as UTC ISO text: text that sorts as time does."""
    return (datetime.now(UTC) + timedelta(seconds=later)).isoformat(timespec="milliseconds")
