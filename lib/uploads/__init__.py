"""Turning what a user hands over (uploaded bytes, a pasted link) into a file in the data folder.

Files are named by their content's hash and an extension from their detected format: a user's file
name never becomes a path.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from lib.errors import MediaUnreadable
from lib.files.atomic import new_file
from lib.files.safe_fetch import fetch
from lib.files.sizes import GB
from lib.media.probe import probe

# Links take what the uploader takes: phone clips run to a gigabyte and more, and "Fix it" makes them fit.
MAX_DOWNLOAD_BYTES = 2 * GB
# Long enough for 2 GB at about 2 MB/s; a stalled server is still stopped by the read timeout.
DOWNLOAD_SECONDS = 20 * 60
EXTENSIONS = {
    "jpeg": ".jpg",
    "png": ".png",
    "webp": ".webp",
    "heic": ".heic",
    "heif": ".heif",
    "avif": ".avif",
    "mp4": ".mp4",
    "mov": ".mov",
    "webm": ".webm",
    "mkv": ".mkv",
    "avi": ".avi",
}
# What the uploaders take: the service's own formats, and what phones and cameras make, which "Fix it" converts.
IMAGE_UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "heic", "heif", "avif"]
VIDEO_UPLOAD_TYPES = ["mp4", "mov", "m4v", "webm", "mkv", "avi"]


def save_upload(data: bytes, inputs_dir: Path) -> Path:
    """Keep uploaded bytes as `<sha256>.<ext>` in `inputs_dir` and return the path."""
    with new_file(inputs_dir) as partial:
        partial.write_bytes(data)
        return settle(partial, hashlib.sha256(data).hexdigest(), inputs_dir)


def fetch_link(
    url: str,
    inputs_dir: Path,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    timeout: tuple[float, float] = (5, 30),
    allow_private: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    deadline: float = DOWNLOAD_SECONDS,
) -> Path:
    """Download a pasted http(s) link into `inputs_dir` and return the path, named like an upload.

    Links to this computer or private networks are refused unless `allow_private` (ALLOW_PRIVATE_URLS);
    see `lib.files.safe_fetch.fetch` for the size, time and redirect rules. `progress(done, total)` is
    called as bytes arrive (total is None when the server does not say).
    """
    with new_file(inputs_dir) as partial:
        download = fetch(
            url.strip(),
            partial,
            max_bytes=max_bytes,
            allow_private=allow_private,
            timeout=timeout,
            deadline=deadline,
            progress=progress,
        )
        return settle(partial, download.sha256, inputs_dir)


def settle(partial: Path, digest: str, inputs_dir: Path) -> Path:
    """Rename a finished file to `<digest>.<ext>` in `inputs_dir`, the extension from its detected format."""
    try:
        extension = EXTENSIONS.get(probe(partial).format, ".bin")
    except MediaUnreadable:
        extension = ".bin"  # kept so preflight can say what is wrong with it
    target = inputs_dir / f"{digest}{extension}"
    os.replace(partial, target)
    return target
