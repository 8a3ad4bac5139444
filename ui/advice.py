"""Content advice under the rule checklist: what the file shows that may waste a paid take, each with
the still that shows it. Advice never blocks; the person decides."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.config import Settings
from lib.media.content import Advice, ContentReport, advise_batch, advise_file
from lib.media.fix_plan import clock


def content_advice(settings: Settings, path: str, kind: str) -> ContentReport | None:
    """Look at the file's content and show the advice. The first look at a file decodes a few frames a
    second (about 2 s for 10 s of 1080p); the answer is kept under the file's content hash, so reruns
    and other visitors read it instead."""
    with st.spinner("Looking at what the file shows…"):
        report = advise_file(Path(path), kind, settings)
    if report is not None:
        show_advice(report.advice)
    return report


def show_advice(advice: list[Advice], heading: str = "Advice") -> None:
    if not advice:
        return
    st.markdown(f"**{heading}** · it passes the rules, but may waste a take")
    for item in advice:
        still, words = st.columns([1, 3])
        if item.frame and Path(item.frame).exists():
            still.image(item.frame, width=120)
        when = f"at {clock(item.at)} · " if item.at is not None else ""
        words.markdown(f":orange[:material/lightbulb:] {item.message}")
        words.caption(f"{when}{item.confidence:.0%} sure")


def batch_advice(settings: Settings, images: dict[str, str], videos: dict[str, str]) -> None:
    """Advice on a batch's files and pairs, one small button each that opens the sentences and stills;
    pairs go under one button per character image, so even a 10 x 10 batch is at most 30 buttons. Files and
    pairs with nothing to say are not shown."""
    with st.spinner("Looking at what the files show…"):
        found = advise_batch(list(images), list(videos), settings)
    if not found.count:
        return
    names = {**images, **videos}
    st.markdown(f"**Advice** ({found.count}) · the files pass the rules, but may waste a take")
    with st.container(horizontal=True):
        for path, advice in found.files.items():
            with st.popover(f"{names[path]} · {len(advice)}", icon=":material/lightbulb:", key=f"advice_{path}"):
                show_advice(advice, names[path])
        for image in images:
            pairs = {video: advice for (seen, video), advice in found.pairs.items() if seen == image}
            if not pairs:
                continue
            with_what = names[next(iter(pairs))] if len(pairs) == 1 else f"{len(pairs)} motion videos"
            with st.popover(f"{names[image]} x {with_what}", icon=":material/lightbulb:", key=f"advice_{image}_pairs"):
                for video, advice in pairs.items():
                    show_advice(advice, f"{names[image]} x {names[video]}")
