"""Turning what a user hands over (uploaded bytes, a pasted link) into a file in the data folder.

Files are named by their content's hash and an extension from their detected format: a user's file
name never becomes a path.
"""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import requests

from lib.errors import MediaUnreadable
from lib.hosting import is_url
from lib.probe import probe

MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024
EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "mp4": ".mp4", "mov": ".mov", "webm": ".webm"}


class LinkUnusable(MediaUnreadable):
    """A pasted link that cannot be downloaded."""

    user_message = "That link could not be downloaded. Check that it opens in a private browser window, or upload the file instead."


def save_upload(data: bytes, inputs_dir: Path) -> Path:
    """Keep uploaded bytes as `<sha256>.<ext>` in `inputs_dir` and return the path."""
    inputs_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=inputs_dir, suffix=".part", delete=False) as out:
        out.write(data)
    return _settle(Path(out.name), hashlib.sha256(data).hexdigest(), inputs_dir)


def fetch_link(url: str, inputs_dir: Path, max_bytes: int = MAX_DOWNLOAD_BYTES, timeout: tuple[float, float] = (5, 30)) -> Path:
    """Download a pasted http(s) link into `inputs_dir`, size-capped; return the path."""
    if not is_url(url.strip()):
        raise LinkUnusable("only http:// and https:// links can be used")
    inputs_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    partial = Path(tempfile.NamedTemporaryFile(dir=inputs_dir, suffix=".part", delete=False).name)
    try:
        with requests.get(url.strip(), stream=True, timeout=timeout) as response:
            if response.status_code != 200:
                raise LinkUnusable(f"the link answered HTTP {response.status_code}")
            size = 0
            with partial.open("wb") as out:
                for chunk in response.iter_content(1024 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise LinkUnusable(f"the file is larger than {max_bytes // 1024**2} MB")
                    digest.update(chunk)
                    out.write(chunk)
    except requests.RequestException as error:
        partial.unlink(missing_ok=True)
        raise LinkUnusable(type(error).__name__) from None
    except MediaUnreadable:
        partial.unlink(missing_ok=True)
        raise
    return _settle(partial, digest.hexdigest(), inputs_dir)


def _settle(partial: Path, digest: str, inputs_dir: Path) -> Path:
    try:
        extension = EXTENSIONS.get(probe(partial).format, ".bin")
    except MediaUnreadable:
        extension = ".bin"  # kept so preflight can say what is wrong with it
    target = inputs_dir / f"{digest}{extension}"
    partial.replace(target)
    return target
