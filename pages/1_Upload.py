"""Upload and check: the character image and the motion video, checked against every rule and fixed in one click."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.errors import FixFailed
from lib.files.storage import storage_for
from lib.library import LibraryKind
from lib.media import preflight
from lib.media.checklist import checklist
from lib.media.content import advise_pair
from lib.media.fix_plan import ImagePlan, ShortClip, VideoPlan, clock, plan_image, plan_video
from lib.media.layout import Fit
from lib.media.preflight import Code, Report
from lib.media.samples import samples
from lib.novita.rules import MODEL_WORDS, model_for
from lib.pairs.prepared import prepare_pair
from lib.uploads import IMAGE_UPLOAD_TYPES, VIDEO_UPLOAD_TYPES
from lib.uploads.fix_runs import FixState, fix_runs_for
from lib.worker import queue_fix
from ui.advice import content_advice, show_advice
from ui.common import page, show_checklist
from ui.fixing import before_and_after, fit_choice, run_progress, short_choice, show_plan
from ui.inputs import file_inputs
from ui.library import offer_to_save
from ui.previews import preview_image, preview_video, preview_width
from ui.trim import trim_window
from ui.upload_state import follow_choice, keep_in_address, restore, start_choices

settings, store = page("Upload", ":material/upload:")
state = st.session_state
for key, default in {
    "image_path": None,
    "video_path": None,
    "video_link": None,
    # The file a fix started from, kept while its fixed copy is in use, so Undo and a new plan start there.
    "image_original": None,
    "video_original": None,
    "image_fixed": None,
    "video_fixed": None,
}.items():
    state.setdefault(key, default)
fix_runs = fix_runs_for(settings)
restore(settings, store, fix_runs)
start_choices()
keep_in_address(settings)

st.title("Upload and check")
st.write(
    "Add a character image and a motion video. Every rule of the model is checked here, before anything is "
    "spent, and whatever it would refuse can be fixed in one click."
)

if st.button(
    "Try it with samples",
    icon=":material/auto_awesome:",
    help="Loads a sample character and a short dance clip that come with the app.",
):
    pair = samples(settings.data_dir / "samples")
    state.image_path, state.video_path, state.video_link = str(pair.image), str(pair.video), None
    state.image_name = state.video_name = None


def undo(kind: str) -> None:
    """Back to the original file: its checklist, and a fresh plan from it that keeps the window chosen."""
    run = fix_runs.get(state.get(f"{kind}_fix") or "")
    if state[f"{kind}_original"]:
        state[f"{kind}_path"] = state[f"{kind}_original"]
    state[f"{kind}_original"] = state[f"{kind}_fixed"] = state[f"{kind}_fix"] = None
    if kind == "video" and run is not None:
        state.video_window = run.start


orientation_column, model_column = st.columns([3, 1])
with model_column:
    st.selectbox(
        "Model",
        options=MODEL_WORDS,
        format_func=lambda word: model_for(word).label,
        key="model",
        help="Every rule below, the fixes and the cost follow the model chosen here.",
        on_change=follow_choice,
    )
model = model_for(state.model)
with orientation_column:
    st.radio(
        "Which way should the character face?",
        options=["image", "video"],
        format_func=lambda o: {"image": "As in the image", "video": "As in the motion video"}[o],
        captions=[
            f"Keeps the pose direction of your image. Motion video up to {model.max_video_seconds('image'):g} s.",
            f"Follows the dancer's direction. Motion video up to {model.max_video_seconds('video'):g} s.",
        ],
        horizontal=True,
        key="orientation",
        on_change=follow_choice,
    )
orientation = state.orientation


def start_fix(kind: str, start: float, fit: Fit, short: ShortClip) -> None:
    """Queue the fix (or join the same one under way); its progress is in the store, named in the URL."""
    run = queue_fix(
        settings, kind, state[f"{kind}_path"], orientation if kind == "video" else None, start, model, fit, short
    )
    state[f"{kind}_fix"] = run.id


def fix_status(kind: str) -> None:
    """The fix of the file now in place: live while it runs; its file, or its reason, once it ends."""
    run = fix_runs.get(state.get(f"{kind}_fix") or "")
    if run is None or run.source_path != state[f"{kind}_path"]:
        return
    if run.status.active:
        run_progress(run.id, settings.database, "Fixing")
    elif run.status is FixState.DONE and run.result_path:
        if run.result_path in (state[f"{kind}_fixed"], state[f"{kind}_path"]):
            return  # taken already: the original may be in use again, for a way the fixed file does not fit
        if run.result_path != run.source_path:
            state[f"{kind}_original"], state[f"{kind}_fixed"] = run.source_path, run.result_path
        state[f"{kind}_path"] = run.result_path
        if kind == "video":
            state.video_link = None
        st.rerun()  # the checklist now checks the fixed file
    else:
        st.error(run.error or "The fix did not finish.", icon=":material/error:")


def named(kind: str) -> str | None:
    """What the person calls the file in use: the name it was uploaded under, without its extension."""
    name = state.get(f"{kind}_name")
    return Path(name).stem if name else None


def forget_original(kind: str) -> None:
    """A new file in the uploader is a new original: the old one and its fix no longer apply."""
    if state[f"{kind}_original"] and state[f"{kind}_path"] not in (state[f"{kind}_original"], state[f"{kind}_fixed"]):
        state[f"{kind}_original"] = state[f"{kind}_fixed"] = state[f"{kind}_fix"] = None


def fix_controls(kind: str, report: Report) -> None:
    """The choices a fix needs, its plan in steps, and the button that starts it."""
    codes = {problem.code for problem in report.problems}
    if Code.UNREADABLE in codes:  # the checklist says why; no fix can read it either
        again = "an image: export it as JPG or PNG" if kind == "image" else "a video: export it as MP4 or MOV"
        st.warning(f"This file is not {again} and upload that.", icon=":material/warning:")
        return
    fit = fit_choice(f"{kind}_fit_choice") if Code.ASPECT_RATIO in codes else Fit.SOLID
    short, start = ShortClip.LOOP, 0.0
    plan: ImagePlan | VideoPlan | FixFailed
    if kind == "video":
        duration = float(report.facts.get("duration") or 0)
        longest = model.max_video_seconds(orientation)
        if 0 < duration < model.min_seconds:
            short = short_choice("video_short_choice")
        if duration > longest:
            start = trim_window(
                state.video_path, duration, longest, settings, "video_window", width=preview_width(report)
            )
    try:
        if kind == "video":
            plan = plan_video(state.video_path, orientation, start, fit, short, model)
        else:
            plan = plan_image(state.image_path, fit, model)
    except FixFailed as error:
        plan = error
    show_plan(plan)
    st.button(
        "Fix it",
        key=f"fix_{kind}",
        type="primary",
        icon=":material/build:",
        on_click=start_fix,
        args=(kind, start, fit, short),
        disabled=isinstance(plan, FixFailed),
    )


def fixed_in_use(kind: str, report: Report) -> None:
    """Which file is in use, the original beside the fixed one, and Undo."""
    original = state[f"{kind}_original"]
    if not original or not Path(original).exists():
        return
    if state[f"{kind}_path"] != state[f"{kind}_fixed"]:
        st.caption(":material/info: The fixed copy does not pass with this choice: the original is in use again.")
        return
    st.info("Using the fixed file; the original is kept.", icon=":material/build_circle:")
    before = (
        preflight.check_image(original, model)
        if kind == "image"
        else preflight.check_video(original, orientation, model=model)
    )
    before_and_after(kind, original, state[f"{kind}_path"], before, report)
    st.button("Undo", key=f"undo_{kind}", icon=":material/undo:", on_click=undo, args=(kind,))


forget_original("image")
forget_original("video")
image_column, video_column = st.columns(2, gap="large")

with image_column:
    st.subheader("Character image")
    file_inputs(
        settings,
        "image",
        "Drop a photo: JPG or PNG, or HEIC, AVIF or WEBP to convert",
        IMAGE_UPLOAD_TYPES,
        "…or paste a link to an image",
    )
    image_report = image_content = None
    if state.image_path and Path(state.image_path).exists():
        image_report = preflight.check_image(state.image_path, model)
        if image_report.facts.get("width"):
            preview_image(state.image_path, image_report, what="character image you added")
        show_checklist(checklist(image_report, model=model))
        image_content = content_advice(settings, state.image_path, "image")
        fixed_in_use("image", image_report)
        if image_report.ok:
            offer_to_save(settings, LibraryKind.CHARACTER, state.image_path, key="save_image", name=named("image"))
        else:
            fix_controls("image", image_report)
        fix_status("image")

with video_column:
    st.subheader("Motion video")
    file_inputs(
        settings,
        "video",
        "Drop a video: MP4 or MOV, or M4V, WEBM, MKV or AVI to convert",
        VIDEO_UPLOAD_TYPES,
        "…or paste a link to a video",
    )
    video_report = video_content = None
    if state.video_path and Path(state.video_path).exists():
        video_report = preflight.check_video(state.video_path, orientation, model=model)
        # The trim's own player and the before-and-after pair replace the plain player.
        trimming = float(video_report.facts.get("duration") or 0) > model.max_video_seconds(orientation)
        if video_report.facts.get("width") and not trimming and not (video_report.ok and state.video_original):
            preview_video(state.video_path, video_report, what="motion video you added")
        show_checklist(checklist(video_report, orientation, model))
        for warning in video_report.warnings:
            st.caption(f":material/info: {warning}")
        video_content = content_advice(settings, state.video_path, "video")
        keep = video_content.keep if video_content else None
        duration = float(video_report.facts.get("duration") or 0)
        if keep and (start := keep.trim_start(duration, model.min_seconds)) is not None:
            st.button(
                f"Keep the longest shot ({clock(keep.start)}–{clock(keep.end)})",
                key="keep_longest_shot",
                icon=":material/content_cut:",
                on_click=start_fix,
                args=("video", start, Fit.SOLID, ShortClip.LOOP),
            )
        fixed_in_use("video", video_report)
        if video_report.ok:
            offer_to_save(settings, LibraryKind.MOTION, state.video_path, key="save_video", name=named("video"))
        else:
            fix_controls("video", video_report)
        fix_status("video")

if image_content and video_content:
    show_advice(advise_pair(image_content, video_content), "Advice on the pair")
st.divider()
if image_report and video_report and image_report.ok and video_report.ok:
    prepared = prepare_pair(
        store, state.image_path, state.video_path, orientation, state.video_link, model, storage_for(settings)
    )
    st.session_state.prepared_id = prepared.id
    st.success("Both files pass every rule. Next: describe the scene and generate.", icon=":material/task_alt:")
    st.page_link(
        "pages/2_Generate.py",
        label="Continue to Generate",
        icon=":material/arrow_forward:",
        query_params={"pair": prepared.id},
    )
elif image_report and video_report:
    st.warning(
        "Fix what fails above (Fix it, or add another file); once every rule passes, you can continue to Generate.",
        icon=":material/build:",
    )
else:
    st.info("Add both files; when every rule passes, you can continue to Generate.", icon=":material/info:")
keep_in_address(settings)
