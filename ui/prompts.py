"""Generate's prompt boxes: recent prompts, presets, the prompt and what to avoid, and "Save as preset".

Every change is saved as the pair's draft (`save_draft`), so nothing typed is lost on a reload.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from lib.novita.rules import Model
from lib.pairs.drafts import Drafts, Preset


def prompt_boxes(drafts: Drafts, model: Model, save_draft: Callable[[], None]) -> None:
    """The boxes a take's words are typed or picked in; the limits are `model`'s."""
    state = st.session_state

    def use_prompt(source: str) -> None:
        chosen = state.get(source)
        if isinstance(chosen, Preset):
            state.prompt, state.negative_prompt = chosen.prompt, chosen.negative_prompt
        elif chosen:
            state.prompt = chosen
        state[source] = None
        save_draft()

    recent_column, preset_column = st.columns(2)
    recent_column.selectbox(
        "Recent prompts",
        options=drafts.recent_prompts(),
        index=None,
        placeholder="Pick one to fill the prompt",
        key="recent_prompt",
        on_change=use_prompt,
        args=("recent_prompt",),
    )
    preset_column.selectbox(
        "Presets",
        options=drafts.presets(),
        index=None,
        format_func=lambda preset: preset.name,
        placeholder="Pick one to fill the prompts",
        key="preset",
        on_change=use_prompt,
        args=("preset",),
    )
    st.text_area(
        "Prompt (optional)",
        key="prompt",
        on_change=save_draft,
        placeholder="Scene, style, lighting: e.g. a sunny beach at golden hour, cinematic",
    )
    st.text_area(
        "Things to avoid (optional)",
        key="negative_prompt",
        on_change=save_draft,
        max_chars=model.max_negative_prompt,
        placeholder="e.g. blurry, extra limbs",
        help=f"At most {model.max_negative_prompt:,} characters; the counter shows how many are left.",
    )

    def keep_as_preset() -> None:
        name = (state.get("preset_name") or "").strip()
        if not name or not (state.get("prompt") or "").strip():
            state.preset_note = "Type a prompt and a name for the preset, then press Save preset."
            return
        drafts.save_preset(Preset(name, state.prompt.strip(), (state.get("negative_prompt") or "").strip()))
        state.preset_name = ""
        state.preset_note = f"Saved the preset “{name}”: pick it under Presets."

    with st.popover("Save as preset", icon=":material/bookmark_add:"):
        st.text_input("Preset name", key="preset_name", placeholder="e.g. Beach at golden hour")
        st.button("Save preset", key="save_preset", on_click=keep_as_preset)
    if state.get("preset_note"):
        st.caption(state.pop("preset_note"))
