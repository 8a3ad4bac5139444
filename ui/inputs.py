"""The drop zone and the link box for each of Upload's two inputs: what the user hands over becomes a file
in the data folder, named in this session's state as `<kind>_path` (and what the person calls it, the
file's own name or the link's last part, as `<kind>_name`).

The drop zone is the ui/big_upload component, not `st.file_uploader`: Streamlit keeps every uploaded file
whole in the server's memory (one 1 GB phone clip costs a gigabyte of RAM). The component sends the file in
pieces of `CHUNK_BYTES` over the app's own connection, and each piece is appended to disk as it arrives.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from lib.config import Settings
from lib.errors import MotionStudioError
from lib.files.links import is_url
from lib.files.sizes import file_size
from lib.novita.rules import MAX_BYTES
from lib.uploads import MAX_DOWNLOAD_BYTES, fetch_link
from lib.uploads.chunked import CHUNK_BYTES, MAX_UPLOAD_BYTES, PartialUpload, parse_piece

_big_upload = components.declare_component("big_upload", path=str(Path(__file__).parent / "big_upload"))
LIMITS = (
    f"Up to {file_size(MAX_UPLOAD_BYTES)}. The model takes at most {file_size(MAX_BYTES)}: "
    "Fix it makes a larger file fit."
)


def file_inputs(settings: Settings, kind: str, drop_label: str, types: list[str], link_label: str) -> None:
    """A drop zone and a link box for one of the two inputs."""
    _drop_zone(settings, kind, drop_label, types)
    st.text_input(link_label, key=f"{kind}_link_input", on_change=_ask_link, args=(kind,), placeholder="https://…")
    _take_link(settings, kind)
    if st.session_state.get(f"{kind}_link_error"):
        st.error(st.session_state[f"{kind}_link_error"])


@st.fragment
def _drop_zone(settings: Settings, kind: str, label: str, types: list[str]) -> None:
    """Only this part of the page reruns for each piece; the whole page once the file is in.

    Each input keeps its own partial file and answer, and every run looks at both the piece in hand and
    the file's state, so a file dropped in one input while the other is still arriving is taken too.
    """
    state = st.session_state
    key = f"{kind}_big_upload"
    finished = _receive(settings, kind, state.get(key))
    _big_upload(
        key=key,
        label=label,
        limits=LIMITS,
        types=types,
        types_hint=f"this kind of file is not taken here. Use {', '.join(t.upper() for t in types)}.",
        max_bytes=MAX_UPLOAD_BYTES,
        max_text=file_size(MAX_UPLOAD_BYTES),
        chunk_bytes=CHUNK_BYTES,
        ack=state.get(f"{kind}_ack"),
        shown=state.get(f"{kind}_shown"),
        default=None,
    )
    if finished:
        st.rerun(scope="app")  # the checklist, outside this fragment, now checks the new file


def _receive(settings: Settings, kind: str, message: Any) -> bool:
    """Append the piece in `message` to this input's partial file; True once a whole file has been kept."""
    if not isinstance(message, (bytes, bytearray)):
        return False
    state = st.session_state
    try:
        piece = parse_piece(bytes(message))
        if piece.upload_id == state.get(f"{kind}_upload_id"):
            return False  # the last piece of a file already kept, seen again on a later run
        upload: PartialUpload | None = state.get(f"{kind}_partial")
        if upload is None or upload.upload_id != piece.upload_id:
            if upload is not None:
                upload.discard()
            if piece.offset != 0:
                return False  # a late piece of an upload that was given up
            upload = PartialUpload.begin(settings.inputs_dir, piece)
            state[f"{kind}_partial"] = upload
        received = upload.append(piece.offset, piece.data)
        # Every size the drop zone shows is worded here, by the app's one formatter.
        said = f"Uploading {upload.name}… {file_size(received)} of {file_size(upload.total)}"
        state[f"{kind}_ack"] = {"id": piece.upload_id, "received": received, "text": said}
        if not upload.complete:
            return False
        state[f"{kind}_path"] = str(upload.finish())
        state[f"{kind}_name"] = upload.name
    except MotionStudioError as error:
        state[f"{kind}_partial"] = None
        state[f"{kind}_ack"] = {"id": _id_of(message), "error": str(error)}
        return False
    state[f"{kind}_upload_id"] = upload.upload_id
    state[f"{kind}_partial"] = None
    state[f"{kind}_shown"] = state[f"{kind}_ack"]["text"] = f"Uploaded {upload.name} ({file_size(upload.total)})"
    state[f"{kind}_link_error"] = None  # a file dropped here replaces whatever a link failed to bring
    if kind == "video":
        state.video_link = None
    return True


def _id_of(message: Any) -> str | None:
    try:
        return parse_piece(bytes(message)).upload_id
    except MotionStudioError:
        return None


def _ask_link(kind: str) -> None:
    """The link is fetched in the page's run rather than here, so its progress bar shows where the input is.
    A box emptied takes its link's error with it."""
    st.session_state[f"{kind}_link_asked"] = True
    if not (st.session_state.get(f"{kind}_link_input") or "").strip():
        st.session_state[f"{kind}_link_error"] = None


def _take_link(settings: Settings, kind: str) -> None:
    state = st.session_state
    if not state.pop(f"{kind}_link_asked", False):
        return
    link = (state.get(f"{kind}_link_input") or "").strip()
    if not link:
        return
    bar = st.progress(0.0, text="Downloading…")
    shown = [""]

    def show(done: int, total: int | None) -> None:
        said = file_size(done)
        if said == shown[0]:
            return  # one update per change of the words, not per read
        shown[0] = said
        if total:
            bar.progress(min(done / total, 1.0), text=f"Downloading… {said} of {file_size(total)}")
        else:
            bar.progress(0.0, text=f"Downloading… {said}")

    try:
        path = fetch_link(
            link,
            settings.inputs_dir,
            max_bytes=MAX_DOWNLOAD_BYTES,
            allow_private=settings.allow_private_urls,
            progress=show,
        )
        state[f"{kind}_path"] = str(path)
        state[f"{kind}_name"] = link.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or link
        state[f"{kind}_link_error"] = None
        state[f"{kind}_shown"] = f"Using {state[f'{kind}_name']} from the link ({file_size(path.stat().st_size)})"
        if kind == "video":
            state.video_link = link if is_url(link) else None
    except MotionStudioError as error:
        # Say plainly which file the checks below are of: the one added before, not the link's.
        earlier = state.get(f"{kind}_name") or "the file added before"
        still = f" The file in use is still {earlier}." if state.get(f"{kind}_path") else ""
        state[f"{kind}_link_error"] = f"{error}{still}"
    finally:
        bar.empty()
