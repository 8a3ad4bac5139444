"""Library: the characters and motion clips saved for the whole team; find, rename, tag and remove them."""

from __future__ import annotations

import streamlit as st

from lib.errors import MotionStudioError
from lib.files.storage import storage_for
from lib.library import LibraryItem, LibraryKind, clean_tags, clip_length, library_for
from lib.team.people import shown
from ui.common import page, when
from ui.library import GRID_COLUMNS, hover_previews, show_preview, use_in_generate
from ui.team import audit, may_change

settings, store = page("Library", ":material/photo_library:")
state = st.session_state
library = library_for(settings)

st.title("Library")
st.write(
    "Characters and motion clips saved for everyone using this app. Each one passed every rule when it was "
    "saved, so it can be used as it is: pick them on Generate or in a batch. Save new ones from Upload."
)

kind = LibraryKind(
    st.segmented_control(
        "Show",
        options=[kind.value for kind in LibraryKind],
        format_func=lambda value: f"{LibraryKind(value).label}s",
        default=LibraryKind.CHARACTER.value,
        key="library_kind",
        required=True,
    )
)
search_column, tag_column = st.columns([2, 1])
text = search_column.text_input("Search by name or tag", key="library_search", placeholder="e.g. dancer")
tag = tag_column.selectbox("Tag", options=library.tags(kind), index=None, placeholder="Any tag", key="library_tag")
items = library.items(kind, tag=tag, text=text)
everything = len(library.items(kind))
if not everything:
    st.info(f"No {kind.label.lower()}s saved yet. On Upload, a file that passes offers “Save to library”.")
    st.page_link("pages/1_Upload.py", label="Go to Upload", icon=":material/upload:")
    st.stop()
st.caption(f"{len(items)} of {everything} {kind.label.lower()}s")


def note(message: str, ok: bool = True) -> None:
    state.library_note = (ok, message)


def rename(item: LibraryItem) -> None:
    try:
        changed = library.rename(item.id, state.get(f"name_{item.id}") or "")
        note(f"Renamed to “{changed.name}”.")
    except MotionStudioError as error:
        note(str(error), ok=False)


def retag(item: LibraryItem) -> None:
    try:
        changed = library.set_tags(item.id, clean_tags([state.get(f"tags_{item.id}") or ""]))
        note(f"Tags of “{changed.name}”: {', '.join(changed.tags) or 'none'}.")
    except MotionStudioError as error:
        note(str(error), ok=False)


def remove(item: LibraryItem) -> None:
    library.remove(item.id)
    audit(settings, "library item removed", f"{item.kind.label} “{item.name}”")
    note(f"Removed “{item.name}” from the library. Jobs made with it keep their files.")


if "library_note" in state:
    ok, message = state.pop("library_note")
    (st.success if ok else st.error)(message)

hover_previews()
for start in range(0, len(items), GRID_COLUMNS):
    for column, item in zip(st.columns(GRID_COLUMNS), items[start : start + GRID_COLUMNS], strict=False):
        with column, st.container(border=True, key=f"item_{item.id}"):
            show_preview(item, storage_for(settings))
            st.markdown(f"**{item.name}**")
            length = clip_length(item, storage_for(settings))
            saved_by = [f"by {shown(item.made_by)}"] if item.made_by else []
            st.caption(
                " · ".join([*([length] if length else []), *item.tags, f"saved {when(item.created_at)}", *saved_by])
            )
            if st.button("Use this", key=f"use_{item.id}", icon=":material/movie:", type="primary"):
                use_in_generate(item)
            state.setdefault(f"name_{item.id}", item.name)
            state.setdefault(f"tags_{item.id}", ", ".join(item.tags))
            with st.popover("Edit", icon=":material/edit:"):
                st.text_input("Name", key=f"name_{item.id}")
                st.button("Rename", key=f"rename_{item.id}", on_click=rename, args=(item,))
                st.text_input("Tags", key=f"tags_{item.id}", help="Separate tags with commas.")
                st.button("Save tags", key=f"retag_{item.id}", on_click=retag, args=(item,))
                st.divider()
                st.caption("Removing takes it out of the library; jobs made with it keep their files.")
                st.button(
                    "Remove from library",
                    disabled=not may_change(settings, item.made_by, "remove what other people saved"),
                    key=f"remove_{item.id}",
                    on_click=remove,
                    args=(item,),
                    icon=":material/delete:",
                )
