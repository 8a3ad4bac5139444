"""Times as people read them: in this machine's time zone, with the zone's name.

The store keeps every time in UTC (ISO 8601); a creator reading an export or a card wants the clock on
their wall, and a teammate in another place needs to know which clock that is.

    local_time("2026-11-24T14:05:09+00:00")   # '24 Nov 2026, 15:05 CET' on a machine in Paris
"""

from __future__ import annotations

from datetime import datetime


def local_time(stamp: str | None) -> str:
    """An ISO time in the local zone, named: '24 Nov 2026, 15:05 CET'; empty for no time."""
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone().strftime("%d %b %Y, %H:%M %Z")
