"""History's filters in the page's address (`?status=failed&faces=video&search=beach&favorites=1&by=…`), so they
stay when the person leaves History and comes back, survive a reload and can be shared."""

from __future__ import annotations

from collections.abc import Mapping

from lib.jobs.models import GalleryQuery, JobStatus

ADDRESS_KEYS = ("status", "faces", "search", "favorites", "by")
ORIENTATIONS = ("image", "video")


def from_address(params: Mapping[str, str]) -> GalleryQuery:
    """The gallery query an address names; a word it does not know is left out, never an error."""
    known = {status.value: status for status in JobStatus}
    statuses = tuple(known[word] for word in (params.get("status") or "").split(",") if word in known)
    faces = params.get("faces")
    return GalleryQuery(
        statuses=tuple(dict.fromkeys(statuses)),
        character_orientation=faces if faces in ORIENTATIONS else None,
        search=params.get("search") or "",
        favorites_only=params.get("favorites") == "1",
        made_by=params.get("by") or None,
    )


def address_of(query: GalleryQuery) -> dict[str, str]:
    """The address parameters of a query's filters; none for a filter that is not set (nor for the page)."""
    words = {
        "status": ",".join(status.value for status in query.statuses),
        "faces": query.character_orientation or "",
        "search": query.search.strip(),
        "favorites": "1" if query.favorites_only else "",
        "by": query.made_by or "",
    }
    return {key: value for key, value in words.items() if value}


def nothing_shown(query: GalleryQuery, has_jobs: bool) -> str:
    """What History says when its gallery is empty: no job at all, or none that the filters let through."""
    if not has_jobs:
        return "No jobs yet: your generations will appear here."
    if query.search.strip():
        return f"No job matches “{query.search.strip()}” with these filters. Press Clear the filters to see them all."
    return "No job matches these filters. Press Clear the filters to see them all."


def counted(number: int, word: str) -> str:
    """`1 job`, `2 jobs`: a count with its word in the right number."""
    return f"{number} {word}" if number == 1 else f"{number} {word}s"
