"""Pairs: a character image and a motion video that passed every rule together, and what was typed for them.

Upload records a passing pair (`prepared.py`: `PreparedPairs`, `prepare_pair`); Generate keeps the prompt
and settings typed for each pair (`drafts.py`: `Drafts`). A job names the pair it was made from.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.novita.rules import DEFAULT_MODEL


@dataclass(frozen=True)
class PreparedInputs:
    """A character image and motion video that passed preflight together, ready to generate.

    `video_url` is the public link the video came from, when it came from one: it is sent as is.
    """

    id: str
    image_path: str
    video_path: str
    character_orientation: str
    created_at: str
    video_url: str | None = None
    model: str = DEFAULT_MODEL.word
