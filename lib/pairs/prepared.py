"""Prepared pairs: a character image and a motion video that passed every rule together, ready to generate.

pairs = PreparedPairs(settings.database)
pair = prepare_pair(pairs, "inputs/ana.png", "inputs/dance.mp4", "image")
pairs.get(pair.id) == pair and pairs.get() == pair     # by id, or the newest
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from lib.files.digest import content_digest
from lib.files.storage import Storage
from lib.novita.rules import DEFAULT_MODEL, Model
from lib.pairs import PreparedInputs
from lib.store.door import Database
from lib.store.tables import prepared_inputs
from lib.store.times import now_iso


class PreparedPairs(Database):
    """The `prepared_inputs` table; cheap to make, holds no connection between calls."""

    def save(self, prepared: PreparedInputs) -> PreparedInputs:
        self._upsert(prepared_inputs, prepared.__dict__)
        return prepared

    def get(self, prepared_id: str | None = None) -> PreparedInputs | None:
        """The prepared pair with this id, or the newest one."""
        query = select(prepared_inputs)
        query = query.where(prepared_inputs.c.id == prepared_id) if prepared_id else query.order_by(_NEWEST).limit(1)
        row = self._first(query)
        return PreparedInputs(**row) if row else None

    def recent(self, limit: int = 5) -> list[PreparedInputs]:
        """The pairs prepared lately, newest first."""
        return [PreparedInputs(**row) for row in self._rows(select(prepared_inputs).order_by(_NEWEST).limit(limit))]


_NEWEST = prepared_inputs.c.created_at.desc()


def pair_id(image: Path | str, video: Path | str, orientation: str, model: Model = DEFAULT_MODEL) -> str:
    """The same files with the same orientation and model always make the same pair, wherever they were
    uploaded from. Kling 2.6 Pro adds nothing, so pairs prepared before there were models keep their id."""
    suffix = "" if model is DEFAULT_MODEL else f"-{model.word}"
    return content_digest(Path(image))[:16] + content_digest(Path(video))[:16] + orientation + suffix


def prepare_pair(
    store: Database,
    image: Path | str,
    video: Path | str,
    orientation: str,
    video_link: str | None = None,
    model: Model = DEFAULT_MODEL,
    storage: Storage | None = None,
) -> PreparedInputs:
    """The pair in the history `store` opens (any repository of it), recorded the first time it passes;
    `video_link` is the public link the video came from, which is then sent as it is.

    With `storage`, `image` and `video` may be stored files' names (a take's, run again), and the pair
    keeps the names the storage gives its files: in a bucket, they are put there now, so the pair
    outlives this machine's data folder and any machine opens it."""
    if storage is not None:
        image, video = storage.local_path(str(image)), storage.local_path(str(video))
    pairs = PreparedPairs(store.db_path)
    prepared_id = pair_id(image, video, orientation, model)
    if (known := pairs.get(prepared_id)) is not None:
        return known
    image_name, video_name = (storage.put(image), storage.put(video)) if storage else (str(image), str(video))
    return pairs.save(
        PreparedInputs(prepared_id, image_name, video_name, orientation, now_iso(), video_link, model.word)
    )
