"""A prepared pair: a character image and a motion video that passed every rule together, ready to generate."""

from __future__ import annotations

from pathlib import Path

from lib.files.digest import content_digest
from lib.jobs.models import PreparedInputs, now_iso
from lib.jobs.store import JobStore
from lib.novita.rules import DEFAULT_MODEL, Model


def pair_id(image: Path | str, video: Path | str, orientation: str, model: Model = DEFAULT_MODEL) -> str:
    """The same files with the same orientation and model always make the same pair, wherever they were
    uploaded from. Kling 2.6 Pro adds nothing, so pairs prepared before there were models keep their id."""
    suffix = "" if model is DEFAULT_MODEL else f"-{model.word}"
    return content_digest(Path(image))[:16] + content_digest(Path(video))[:16] + orientation + suffix


def prepare_pair(
    store: JobStore,
    image: Path | str,
    video: Path | str,
    orientation: str,
    video_link: str | None = None,
    model: Model = DEFAULT_MODEL,
) -> PreparedInputs:
    """The pair in the store, recorded the first time it passes; `video_link` is the public link the
    video came from, which is then sent as it is."""
    prepared_id = pair_id(image, video, orientation, model)
    return store.prepared(prepared_id) or store.save_prepared(
        PreparedInputs(prepared_id, str(image), str(video), orientation, now_iso(), video_link, model.word)
    )
