"""Putting a local motion video where the service can fetch it.

The service takes the video only as a URL. A link the user pasted is sent as it is; a local file is
copied into Streamlit's static folder (`server.enableStaticServing`, served at `/app/static/...`)
under its content hash, which nobody can guess without having the file. The address in front is
PUBLIC_BASE_URL in a deployment, or the app's own loopback address in demo mode, where the
simulator fetches it from this machine.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from lib.config import Settings
from lib.errors import HostingError
from lib.files.atomic import atomic_write
from lib.files.digest import content_digest
from lib.files.links import is_url

if TYPE_CHECKING:
    from lib.files.object_storage import S3Hosting

STATIC_ROUTE = "/app/static/"
# The largest file Streamlit's static route serves (its MAX_APP_STATIC_FILE_SIZE); a larger one is a 404.
STATIC_LIMIT_BYTES = 200 * 1024 * 1024


class Hosting(Protocol):
    """Anything that turns a motion video (a local file or a link) into a URL the service can fetch."""

    def url_for(self, video: Path | str) -> str: ...


def keep_copy(path: Path, folder: Path, link: bool = False) -> Path:
    """A content-addressed copy of `path` in `folder` (made once; the name never comes from the user).

    With `link`, a hard link where the file system allows one: a zip of hundreds of MB is not kept twice.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{content_digest(Path(path))}{Path(path).suffix.lower()}"
    if not target.exists():
        with atomic_write(target) as partial:
            (_link_or_copy if link else shutil.copyfile)(path, partial)
    return target


def _link_or_copy(path: Path, partial: Path) -> None:
    try:
        partial.unlink()
        os.link(path, partial)
    except OSError:  # another file system, or one without links
        shutil.copyfile(path, partial)


@dataclass(frozen=True)
class VideoHosting:
    """Where hosted files go and the public address in front of `/app/static/`."""

    static_dir: Path
    base_url: str | None

    def url_for(self, video: Path | str) -> str:
        """The URL the service should fetch `video` from."""
        if is_url(video):
            return str(video)
        if not self.base_url:
            raise HostingError("no PUBLIC_BASE_URL is set")
        hosted = keep_copy(Path(video), self.static_dir)
        return f"{self.base_url.rstrip('/')}{STATIC_ROUTE}{hosted.name}"


def hosting_for(settings: Settings, app_port: int | None) -> VideoHosting | S3Hosting:
    """S3 object storage when S3_BUCKET is set; else PUBLIC_BASE_URL; in demo mode the app's own
    loopback address, where the simulator can fetch."""
    if settings.s3 is not None:
        from lib.files.object_storage import S3Hosting  # only here: a start-up without S3 loads no S3 code

        return S3Hosting(settings.s3)
    base_url = settings.public_base_url
    if base_url is None and settings.demo_mode and app_port:
        base_url = f"http://127.0.0.1:{app_port}"
    return VideoHosting(settings.static_dir, base_url)
