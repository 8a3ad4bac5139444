"""A prepared pair: a character image and a motion video that passed every rule together, ready to generate."""

from __future__ import annotations

from pathlib import Path

from lib.files.digest import content_digest
from lib.jobs.models import PreparedInputs, now_iso
from lib.jobs.store import JobStore


def pair_id(image: Path | str, video: Path | str, orientation: str) -> str:
    """The same files with the same orientation always make the same pair, wherever they were uploaded from."""
    return content_digest(Path(image))[:16] + content_digest(Path(video))[:16] + orientation


def prepare_pair(
    store: JobStore, image: Path | str, video: Path | str, orientation: str, video_link: str | None = None
) -> PreparedInputs:
    """The pair in the store, recorded the first time it passes; `video_link` is the public link the
    video came from, which is then sent as it is."""
    prepared_id = pair_id(image, video, orientation)
    return store.prepared(prepared_id) or store.save_prepared(
        PreparedInputs(prepared_id, str(image), str(video), orientation, now_iso(), video_link)
    )
