"""The shared library's widgets: a thumbnail grid to pick saved files from, the "Save to library" control
Upload shows once a file passes, and Generate's "Pick from the library"."""

from __future__ import annotations

import html

import streamlit as st

from lib.config import Settings
from lib.errors import MotionStudioError
from lib.files.digest import content_digest
from lib.files.storage import Storage, storage_for
from lib.jobs import JobStore
from lib.library import Library, LibraryItem, LibraryKind, check, clean_tags, library_for
from lib.media.preflight import check_video
from lib.novita.rules import DEFAULT_MODEL, MODEL_WORDS, model_for
from lib.pairs import PreparedInputs
from lib.pairs.prepared import prepare_pair
from ui.media import show_image
from ui.team import current_person

GRID_COLUMNS = 4
LIBRARY_PAGE = "pages/6_Library.py"


def show_still(item: LibraryItem) -> None:
    if item.thumbnail_path:
        show_image(item.thumbnail_path, what=f"picture of {item.name}", width="stretch")
    else:
        st.markdown(":material/movie:" if item.kind is LibraryKind.MOTION else ":material/person:")


# A clip's card plays it, muted, while the pointer is over it: its motion is what a creator picks it for.
_HOVER_TO_PLAY = """
<script>
if (!window.libraryPreviews) {
  window.libraryPreviews = true;
  document.addEventListener("mouseover", (event) => {
    const video = event.target.closest && event.target.closest(".library-preview video");
    if (video && video.paused) video.play().catch(() => {});
  });
  document.addEventListener("mouseout", (event) => {
    const video = event.target.closest && event.target.closest(".library-preview video");
    if (video && !video.contains(event.relatedTarget)) { video.pause(); video.currentTime = 0; }
  });
}
</script>
"""


def show_preview(item: LibraryItem, storage: Storage) -> None:
    """A clip's poster that plays, muted, on hover, streamed from its link; a character's picture."""
    if item.kind is not LibraryKind.MOTION:
        show_still(item)
        return
    video = storage.link(item.path)
    still = storage.link(item.thumbnail_path) if item.thumbnail_path else None
    if video is None:
        show_still(item)  # the clip is gone: its still, or its icon, says which card it was
        return
    poster = f' poster="{html.escape(still)}"' if still else ""
    st.html(
        f'<div class="library-preview"><video src="{html.escape(video)}"{poster} muted loop playsinline '
        'preload="none" style="width:100%;max-height:220px;border-radius:6px;background:#000"></video></div>'
    )


def hover_previews() -> None:
    """The one script that plays a clip's preview on hover (our own script only: names stay inert)."""
    st.html(_HOVER_TO_PLAY, unsafe_allow_javascript=True)


def use_in_generate(item: LibraryItem, key: str = "library_pair") -> None:
    """Open Generate's "Pick from the library" with `item` ticked, as a click in its grid would leave it."""
    state = st.session_state
    picks = f"{key}_{item.kind.value}"
    for other in state.get(picks, []):
        state[f"{picks}_{other}"] = False
    state[picks] = [item.id]
    state[f"{picks}_{item.id}"] = True
    state.library_open = True
    st.switch_page("pages/2_Generate.py")


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
    """A small "Save to library" control for a file that passes: its name (prefilled with `name`, the file's
    own, when known), tags, and Save. A file saved already says under which name."""
    state = st.session_state
    library = library_for(settings)
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
    prefilled = name or f"{kind.label} {len(library.items(kind)) + 1}"
    state.setdefault(f"{slot}_name", prefilled)

    def save() -> None:
        # A name left empty is the file's own, never the content hash the file is stored under.
        named = (state.get(f"{slot}_name") or "").strip() or prefilled
        try:
            item = library.add(
                kind, path, named, clean_tags([state.get(f"{slot}_tags") or ""]), made_by=current_person()
            )
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


def pick_pair(
    settings: Settings, store: JobStore, key: str = "library_pair", choices_from: str | None = None
) -> PreparedInputs | None:
    """Generate's "Pick from the library": a character and a motion clip, the way the character faces and the
    model. Returns the pair once "Use these" is pressed; it is prepared like a pair from Upload.

    With `choices_from` (the key prefix of a form's own Model and "Character faces" controls) the way and the
    model are that form's: each choice keeps one control on the page, and the price shown is the one sent."""
    state = st.session_state
    library = library_for(settings)
    st.caption("Character image")
    characters = pick_from_library(library, LibraryKind.CHARACTER, f"{key}_character")
    st.caption("Motion video")
    motions = pick_from_library(library, LibraryKind.MOTION, f"{key}_motion")
    if not (characters and motions):
        return None
    character, motion = characters[0], motions[0]
    model_key, orientation_key = (
        (f"{choices_from}_model", f"{choices_from}_orientation")
        if choices_from
        else (f"{key}_model", f"{key}_orientation")
    )
    state.setdefault(model_key, DEFAULT_MODEL.word)
    if choices_from is None:
        orientation_column, model_column = st.columns([3, 1])
        model_column.selectbox(
            "Model", options=MODEL_WORDS, format_func=lambda word: model_for(word).label, key=model_key
        )
    model = model_for(state[model_key])
    if state.get(f"{key}_checked_motion") != motion.id:  # a clip just picked: a way it fits, to start with
        state[f"{key}_checked_motion"] = motion.id
        if not check_video(motion.path, "image", model=model).ok:
            state[orientation_key] = "video"
    if choices_from is None:
        orientation_column.radio(
            "Which way should the character face?",
            options=["image", "video"],
            format_func=lambda o: {"image": "As in the image", "video": "As in the motion video"}[o],
            horizontal=True,
            key=orientation_key,
        )
    else:
        st.caption("The model and the way the character faces are the ones chosen beside the prompt below.")
    orientation = state.get(orientation_key) or "image"
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
        return prepare_pair(store, character.path, motion.path, orientation, None, model, storage_for(settings))
    return None
