"""What a creator typed on Generate, kept in the store so a reload, a page switch or a second tab finds it.

drafts = Drafts(settings.database)
drafts.save(Draft(pair.id, prompt="on a beach", character_orientation="image", model="kling-v2.6-pro"))
drafts.get(pair.id).prompt  # "on a beach"
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

from sqlalchemy import func, select

from lib.files.hosting import keep_copy
from lib.files.storage import Storage
from lib.pairs import PreparedInputs
from lib.pairs.prepared import PreparedPairs
from lib.store.door import Database
from lib.store.tables import drafts, jobs, presets
from lib.store.times import now_iso


@dataclass(frozen=True)
class Draft:
    """One pair's prompt, negative prompt and settings as last typed."""

    pair_id: str
    prompt: str = ""
    negative_prompt: str = ""
    character_orientation: str | None = None
    model: str | None = None
    keep_original_sound: bool = True


@dataclass(frozen=True)
class Preset:
    name: str
    prompt: str
    negative_prompt: str = ""


class Drafts(Database):
    """Drafts by pair, named presets and the prompts used lately; cheap to make, holds no connection."""

    def get(self, pair_id: str) -> Draft | None:
        row = self._first(select(drafts).where(drafts.c.pair_id == pair_id))
        if row is None:
            return None
        return Draft(
            row["pair_id"],
            row["prompt"] or "",
            row["negative_prompt"] or "",
            row["orientation"],
            row["model"],
            bool(row["keep_sound"]),
        )

    def save(self, draft: Draft) -> Draft:
        row = {  # the table's columns keep their first names: orientation, keep_sound
            "pair_id": draft.pair_id,
            "prompt": draft.prompt,
            "negative_prompt": draft.negative_prompt,
            "orientation": draft.character_orientation,
            "model": draft.model,
            "keep_sound": int(draft.keep_original_sound),
            "updated_at": now_iso(),
        }
        self._upsert(drafts, row)
        return draft

    def recent_prompts(self, limit: int = 8) -> list[str]:
        """The last distinct prompts sent, newest first; empty prompts are not worth offering."""
        query = (
            select(jobs.c.prompt)
            .where(jobs.c.prompt != "")
            .group_by(jobs.c.prompt)
            .order_by(func.max(jobs.c.created_at).desc())
            .limit(limit)
        )
        return [row["prompt"] for row in self._rows(query)]

    def presets(self) -> list[Preset]:
        rows = self._rows(select(presets).order_by(presets.c.name))
        return [Preset(row["name"], row["prompt"], row["negative_prompt"]) for row in rows]

    def save_preset(self, preset: Preset) -> Preset:
        """Saved under its name; the same name again replaces the earlier one."""
        self._upsert(presets, {**asdict(preset), "created_at": now_iso()})
        return preset

    def recent_pairs(self, limit: int = 5) -> list[PreparedInputs]:
        """The pairs prepared lately, newest first: offered to open on purpose, never opened by themselves."""
        return PreparedPairs(self.db_path).recent(limit)


def take_paths(prepared: PreparedInputs, inputs_dir: Path, storage: Storage) -> tuple[str, str]:
    """The names a job made from this pair records for its image and video (their content-addressed
    copies, as `record_job` keeps them), which is what `JobStore.takes` looks its takes up by."""
    image, video = (
        keep_copy(storage.local_path(name), inputs_dir) for name in (prepared.image_path, prepared.video_path)
    )
    return storage.name(image), storage.name(video)


@dataclass(frozen=True)
class Reconciled:
    """What Generate does with its boxes on a run: `draft` is what they hold afterwards; `fill` puts it into
    them, `save` stores it, and `new_request` says the boxes changed, so the next press makes new takes."""

    draft: Draft
    fill: bool = False
    save: bool = False
    new_request: bool = False


def reconcile(
    boxes: Draft | None, previous: Draft | None, stored: Draft | None, prepared: PreparedInputs
) -> Reconciled:
    """Decide between what the boxes hold and the pair's stored draft.

    Streamlit drops a widget's state on pages that do not draw it: a page switch, a reload or a new tab
    finds the draft in the store (`boxes` is None). Boxes that still hold the previous pair's stored draft
    (`previous`) belong to that pair. Any other values were put there on purpose (History's Re-run, or
    typing): they become this pair's draft.
    """
    if boxes is not None and not (
        previous is not None
        and previous.pair_id != prepared.id
        and previous == replace(boxes, pair_id=previous.pair_id)
    ):
        changed = boxes != stored
        return Reconciled(boxes, save=changed, new_request=changed)
    draft = stored or Draft(prepared.id)
    filled = replace(
        draft,
        character_orientation=draft.character_orientation or prepared.character_orientation,
        model=draft.model or prepared.model,
    )
    return Reconciled(filled, fill=True, save=stored is None)
