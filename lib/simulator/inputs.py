"""How the simulator judges a submit body, as the service does: fields, prompts, image and video rules.

The image comes as base64 or a URL, the video as a URL; both are fetched into the simulator's
state folder and checked against the simulator's own copy of the documented rules (`rules.py`),
never the app's preflight. The first broken rule refuses the task with a 400, in the service's words.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from lib.simulator.rules import KLING_V26_PRO, InputBroken, ServiceRules

ORIENTATIONS = ("image", "video")


class RuleBroken(Exception):
    """An input breaks a rule of the service; the message names it."""


class BalanceShort(Exception):
    """The account cannot pay for the task."""


@dataclass(frozen=True)
class SubmitBody:
    """A submit body whose fields have the right types; the media are not fetched yet."""

    image: str
    video: str
    character_orientation: str
    keep_original_sound: bool
    prompt: str
    negative_prompt: str


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def validate_body(body: Any, rules: ServiceRules = KLING_V26_PRO) -> SubmitBody:
    """The body's fields, typed, or `RuleBroken` naming the first one that is wrong."""
    if not isinstance(body, dict):
        raise RuleBroken("the request body must be a JSON object")
    for name in ("image", "video", "character_orientation"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            raise RuleBroken(f"'{name}' is required")
    if body["character_orientation"] not in ORIENTATIONS:
        raise RuleBroken("'character_orientation' must be 'image' or 'video'")
    keep_sound = body.get("keep_original_sound", True)
    if not isinstance(keep_sound, bool):
        raise RuleBroken("'keep_original_sound' must be true or false")
    for name in ("prompt", "negative_prompt"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise RuleBroken(f"'{name}' must be a string")
    prompt, negative_prompt = body.get("prompt") or "", body.get("negative_prompt") or ""
    with _as_rule_broken():
        rules.check_prompts(prompt, negative_prompt)
    if not _is_url(body["video"].strip()):
        raise RuleBroken("'video' must be an http(s) URL to an mp4 or mov file")
    return SubmitBody(
        image=body["image"].strip(),
        video=body["video"].strip(),
        character_orientation=body["character_orientation"],
        keep_original_sound=keep_sound,
        prompt=prompt,
        negative_prompt=negative_prompt,
    )


def checked_image(image: str, path: Path, fetch_timeout: float, rules: ServiceRules = KLING_V26_PRO) -> None:
    """Write the image (a URL or base64 data) to `path` and check it; `RuleBroken` if it breaks a rule."""
    if _is_url(image):
        fetch_input(image, path, "character image", fetch_timeout, rules.max_bytes)
    else:
        path.write_bytes(_decode_base64(image, rules.max_bytes))
    with _as_rule_broken():
        rules.check_image(path)


def checked_video(
    url: str, path: Path, orientation: str, fetch_timeout: float, rules: ServiceRules = KLING_V26_PRO
) -> float:
    """Fetch the motion video to `path`, check it, and return its length in seconds."""
    fetch_input(url, path, "motion video", fetch_timeout, rules.max_bytes)
    with _as_rule_broken():
        return rules.check_video(path, orientation)


def fetch_input(url: str, path: Path, what: str, timeout: float, max_bytes: int) -> None:
    """Download an input as the service does, refusing anything over 10 MB."""
    try:
        with requests.get(url, stream=True, timeout=(5, timeout)) as response:
            if response.status_code != 200:
                raise RuleBroken(
                    f"the {what} URL answered HTTP {response.status_code}; it must be publicly downloadable"
                )
            size = 0
            with path.open("wb") as out:
                for chunk in response.iter_content(256 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise RuleBroken(f"The {what} is larger than 10 MB; it can be at most 10 MB.")
                    out.write(chunk)
    except requests.RequestException as error:
        raise RuleBroken(f"the {what} URL could not be downloaded ({type(error).__name__})") from None


@contextlib.contextmanager
def _as_rule_broken() -> Iterator[None]:
    try:
        yield
    except InputBroken as broken:
        raise RuleBroken(str(broken)) from None


def _decode_base64(value: str, max_bytes: int) -> bytes:
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RuleBroken("'image' is neither an http(s) URL nor valid base64 data") from None
    if len(data) > max_bytes:
        raise RuleBroken(f"The character image is {len(data):,} bytes; it can be at most 10 MB.")
    return data
