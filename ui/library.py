"""The shared library's widgets: a thumbnail grid to pick saved files from, the "Save to library" control
Upload shows once a file passes, and Generate's "Pick from the library"."""

from __future__ import annotations

import streamlit as st

from lib.config import Settings
from lib.errors import MotionStudioError
from lib.files.digest import content_digest
from lib.jobs import JobStore
from lib.jobs.models import PreparedInputs
from lib.jobs.prepared import prepare_pair
from lib.library import Library, LibraryItem, LibraryKind, check, clean_tags
from lib.media.preflight import check_video
from lib.novita.rules import DEFAULT_MODEL, MODEL_WORDS, model_for
from ui.media import show_image

GRID_COLUMNS = 4
LIBRARY_PAGE = "pages/6_Library.py"


def show_still(item: LibraryItem) -> None:
    if item.thumbnail_path:
        show_image(item.thumbnail_path, what=f"picture of {item.name}", width="stretch")
    else:
        st.markdown(":material/movie:" if item.kind is LibraryKind.MOTION else ":material/person:")


def pick_from_library(library: Library, kind: LibraryKind, key: str, multiple: bool = False) -> list[LibraryItem]:
    """A thumbnail grid of the saved files of one kind, searchable by name or tag; the items ticked, in the
    order they were ticked (at most one unless `multiple`). The picks live in `st.session_state[key]`."""
    state = st.session_state
    state.setdefault(key, [])
    everything = library.items(kind)
    if not everything:
        st.caption(f"No {kind.label.lower()}s in the library yet: save one from Upload once it passes every rule.")
        return []
    text = st.text_input(
        "Search by name or tag",
        key=f"{key}_search",
        placeholder="e.g. dancer",
        label_visibility="collapsed",
        icon=":material/search:",
    )
    shown = library.items(kind, text=text) if text else everything
    if not shown:
        st.caption(f"No {kind.label.lower()} has “{text}” in its name or tags.")

    def tick(item_id: str) -> None:
        picked = [i for i in state[key] if i != item_id] if multiple else []
        if state[f"{key}_{item_id}"]:
            picked.append(item_id)
        if not multiple:  # one pick: ticking another unticks the one before
            for other in state[key]:
                if other != item_id:
                    state[f"{key}_{other}"] = False
        state[key] = picked

    for start in range(0, len(shown), GRID_COLUMNS):
        for column, item in zip(st.columns(GRID_COLUMNS), shown[start : start + GRID_COLUMNS], strict=False):
            with column, st.container(border=True, key=f"{key}_card_{item.id}"):
                show_still(item)
                state.setdefault(f"{key}_{item.id}", item.id in state[key])
                st.checkbox(item.name, key=f"{key}_{item.id}", on_change=tick, args=(item.id,))
                if item.tags:
                    st.caption(" · ".join(item.tags))
    by_id = {item.id: item for item in everything}
    return [by_id[i] for i in state[key] if i in by_id]


def offer_to_save(settings: Settings, kind: LibraryKind, path: str, key: str, name: str | None = None) -> None:
    """A small "Save to library" control for a file that passes: its name (prefilled), tags, and Save.
    A file saved already says under which name."""
    state = st.session_state
    library = Library(settings.database, settings.data_dir / "library")
    kind = LibraryKind(kind)
    note = state.pop(f"{key}_library_note", None)
    if note:
        (st.success if note[0] == "success" else st.error)(note[1])
    saved = library.saved(kind, path)
    if saved is not None:
        st.caption(f":material/bookmark: In the library as “{saved.name}”.")
        return
    if not check(kind, path).ok:
        st.caption(":material/bookmark: The library keeps only files that pass every rule: fix this one first.")
        return
    # Keys follow the file: a new file gets a fresh name and tags.
    slot = f"{key}_{content_digest(path)[:12]}"
    state.setdefault(f"{slot}_name", name or f"{kind.label} {len(library.items(kind)) + 1}")

    def save() -> None:
        try:
            item = library.add(kind, path, state[f"{slot}_name"], clean_tags([state.get(f"{slot}_tags") or ""]))
        except MotionStudioError as error:
            state[f"{key}_library_note"] = ("error", str(error))
            return
        state[f"{key}_library_note"] = (
            "success",
            f"Saved “{item.name}” to the library. It passes every rule, so anyone can use it as it is.",
        )

    with st.popover("Save to library", icon=":material/bookmark_add:"):
        st.text_input("Name", key=f"{slot}_name")
        st.text_input("Tags", key=f"{slot}_tags", placeholder="e.g. dancer, outdoor", help="Separate tags with commas.")
        st.button("Save", key=f"{slot}_save", on_click=save, type="primary")


def pick_pair(settings: Settings, store: JobStore, key: str = "library_pair") -> PreparedInputs | None:
    """Generate's "Pick from the library": a character and a motion clip, the way the character faces and the
    model. Returns the pair once "Use these" is pressed; it is prepared like a pair from Upload."""
    state = st.session_state
    library = Library(settings.database, settings.data_dir / "library")
    st.caption("Character image")
    characters = pick_from_library(library, LibraryKind.CHARACTER, f"{key}_character")
    st.caption("Motion video")
    motions = pick_from_library(library, LibraryKind.MOTION, f"{key}_motion")
    if not (characters and motions):
        return None
    character, motion = characters[0], motions[0]
    orientation_column, model_column = st.columns([3, 1])
    state.setdefault(f"{key}_model", DEFAULT_MODEL.word)
    model = model_for(
        model_column.selectbox(
            "Model", options=MODEL_WORDS, format_func=lambda word: model_for(word).label, key=f"{key}_model"
        )
    )
    if state.get(f"{key}_checked_motion") != motion.id:  # a clip just picked: a way it fits, to start with
        state[f"{key}_checked_motion"] = motion.id
        if not check_video(motion.path, "image", model=model).ok:
            state[f"{key}_orientation"] = "video"
    orientation = orientation_column.radio(
        "Which way should the character face?",
        options=["image", "video"],
        format_func=lambda o: {"image": "As in the image", "video": "As in the motion video"}[o],
        horizontal=True,
        key=f"{key}_orientation",
    )
    report = check_video(motion.path, orientation, model=model)
    for problem in report.problems:
        st.error(problem.message, icon=":material/error:")
    if st.button(
        f"Use “{character.name}” with “{motion.name}”",
        key=f"{key}_use",
        type="primary",
        icon=":material/check:",
        disabled=not report.ok,
    ):
        return prepare_pair(store, character.path, motion.path, orientation, None, model)
    return None
