"""Showing a stored file on a page: whoever removed it, a missing file is a plain sentence, never a traceback.

Videos play from a presigned link to the media bucket (MEDIA_BUCKET), or else from Streamlit's static
route (a copy named by its content, made once); both stream with range requests, whereas `st.video(path)`
would read the whole file into the app's memory on every render.

    show_video(job.video_path, what="motion video of this take")
    show_image(job.image_path, what="character image of this take", width=320)
    download_link(job.result_path, download_name(job), what="result video of this take")
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Literal

import streamlit as st
from streamlit.runtime.media_file_storage import MediaFileStorageError

from lib.config import load_settings
from lib.files.hosting import STATIC_LIMIT_BYTES, STATIC_ROUTE, keep_copy
from lib.files.sizes import file_size
from lib.files.storage import storage_for

Width = int | Literal["stretch", "content"]


def missing(what: str) -> None:
    """The placeholder of a stored file that is gone: says which, in plain words."""
    st.info(f"The {what} is no longer in the data folder.", icon=":material/hide_image:")


def show_video(path: str | None, what: str, **options: Any) -> None:
    """Play a stored video from its link (`Storage.link`); `options` as `st.video` takes them (width, start_time…)."""
    settings = load_settings()
    storage = storage_for(settings)
    if path and storage.exists(path):
        url = storage.link(path)
    elif path and Path(path).is_absolute() and Path(path).is_file():
        # On this machine but not kept in the media bucket yet (an upload still being checked): the app
        # that received it serves it, as one machine does.
        url = f"{STATIC_ROUTE}{keep_copy(Path(path), settings.static_dir).name}"
    else:
        url = None
    if url is None:
        missing(what)
    else:
        st.video(url, **options)


def zip_link(name: str, file_name: str, label: str) -> None:
    """A link the browser downloads the stored zip `name` by: from the media bucket, whatever its size, or
    from the static route (linked there, not copied). The app never reads the zip into its memory. A zip
    in the data folder over the route's limit is named instead."""
    settings = load_settings()
    storage = storage_for(settings)
    if settings.media is not None:
        _download_link(storage.link(name, download_as=file_name) or "", file_name, label)
        return
    path = storage.local_path(name)
    size = path.stat().st_size
    if size > STATIC_LIMIT_BYTES:
        st.info(
            f"The zip is {file_size(size)}, more than the {file_size(STATIC_LIMIT_BYTES)} the page can hand to"
            f" your browser. Each video still downloads on its own from History (Download video), and the zip"
            f" is on the server at `{path}`.",
            icon=":material/info:",
        )
        return
    _download_link(f"{STATIC_ROUTE}{keep_copy(path, settings.static_dir, link=True).name}", file_name, label, size)


def download_link(
    path: str | None, file_name: str, what: str, label: str = "Download video", icon: str = ":material/download: "
) -> None:
    """A link the browser saves the stored file `path` by, as `file_name`, streamed from its link (the
    static route, or the media bucket, which then names the file itself): never read into the app's memory,
    as a download button's data is when pressed."""
    storage = storage_for(load_settings())
    url = storage.link(path, download_as=file_name) if path and storage.exists(path) else None
    if url is None:
        missing(what)
    else:
        _download_link(url, file_name, label, icon=icon)


def _download_link(
    url: str, file_name: str, label: str, size: int | None = None, icon: str = ":material/download: "
) -> None:
    st.markdown(
        f'<a href="{html.escape(url, quote=True)}" download="{html.escape(file_name, quote=True)}"'
        f' title="{html.escape(label, quote=True)}">{icon}{label}</a>' + (f" ({file_size(size)})" if size else ""),
        unsafe_allow_html=True,
    )


def show_image(path: str | None, what: str, width: Width = "content", caption: str | None = None) -> None:
    """Show a stored image at `width`."""
    try:
        if not path:
            raise FileNotFoundError(what)
        st.image(storage_for(load_settings()).local_path(path), width=width, caption=caption)
    except (OSError, MediaFileStorageError):  # Streamlit reads the file here, so a race ends here too
        missing(what)
