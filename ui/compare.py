"""Compare's widgets: the synced player (the compared videos side by side in one HTML component, driven by the
app's own controls) and the tray of History's picks in the sidebar."""

from __future__ import annotations

import html

import streamlit as st
import streamlit.components.v1 as components

from lib.history.compare import Clip, pick_problem

COMPARE_PAGE = "pages/4_Compare.py"
FRAME_SECONDS = 1 / 25  # one frame of the service's 25 fps results
SPEEDS = (0.25, 0.5, 1.0, 1.5, 2.0)

# One play, pause, seek, frame step and speed for every video: the bar drives them all, and a seek made on
# one video (by a script or a key) is followed by the others. `following` stops the echo: a seek made here
# fires `seeking` on the other videos too, which must not be sent back. The motion video is always there,
# hidden until asked for, so showing it never makes the players again (they keep their place).
_SCRIPT = """
const videos = [...document.querySelectorAll("video")];
const play = document.getElementById("play");
const seek = document.getElementById("seek");
const time = document.getElementById("time");
const speed = document.getElementById("speed");
const motion = document.getElementById("with-motion");
const grid = document.querySelector(".grid");
let following = false;
const longest = () => Math.max(0, ...videos.map(v => v.duration || 0));
const clock = s => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
function follow(leader, action) {
  if (following) return;
  following = true;
  for (const v of videos) {
    if (v === leader) continue;
    if (Math.abs(v.currentTime - leader.currentTime) > 0.05) v.currentTime = leader.currentTime;
    if (action === "play" && v.paused) v.play().catch(() => {});
    if (action === "pause" && !v.paused) v.pause();
  }
  following = false;
}
function show() {
  const now = videos[0].currentTime;
  seek.max = longest() || 1;
  seek.value = now;
  time.textContent = `${clock(now)} / ${clock(longest())}`;
  play.textContent = videos[0].paused ? "Play" : "Pause";
}
function layout() {
  const shown = [...document.querySelectorAll("figure")].filter(f => !f.hidden).length;
  grid.style.setProperty("--n", shown);
}
for (const v of videos) {
  v.addEventListener("seeking", () => follow(v, "seek"));
  v.addEventListener("play", () => follow(v, "play"));
  v.addEventListener("pause", () => follow(v, "pause"));
  for (const moment of ["timeupdate", "play", "pause"]) v.addEventListener(moment, show);
  v.addEventListener("loadedmetadata", show);
}
play.addEventListener("click", () => {
  if (videos[0].paused) videos.forEach(v => v.play().catch(() => {}));
  else videos.forEach(v => v.pause());
});
function step(by) {
  videos.forEach(v => v.pause());
  const to = Math.min(Math.max(0, videos[0].currentTime + by), longest());
  videos.forEach(v => { v.currentTime = to; });
}
document.getElementById("back").addEventListener("click", () => step(-FRAME));
document.getElementById("forward").addEventListener("click", () => step(FRAME));
seek.addEventListener("input", () => videos.forEach(v => { v.currentTime = Number(seek.value); }));
speed.addEventListener("change", () => videos.forEach(v => { v.playbackRate = Number(speed.value); }));
if (motion) motion.addEventListener("change", () => {
  document.querySelector("figure.motion").hidden = !motion.checked;
  layout();
});
layout();
"""

_STYLE = """
body { margin: 0; font-family: sans-serif; font-size: 14px; }
.grid { display: grid; grid-template-columns: repeat(var(--n), 1fr); gap: 8px; }
figure { margin: 0; }
figure[hidden] { display: none; }
video { width: 100%; max-height: 420px; background: #000; }
figcaption { font-size: 13px; padding-top: 4px; }
.bar { display: flex; gap: 10px; align-items: center; padding-top: 10px; }
#seek { flex: 1; }
button { padding: 4px 12px; }
"""


def synced_player(clips: list[Clip], motion: Clip | None = None, height: int = 520) -> None:
    """Draw `clips` side by side, with the motion video (hidden until its box is ticked), under one bar:
    play/pause, a frame back and forward, a seek slider, the time and the speed."""
    shown = [(clip, False) for clip in clips] + ([(motion, True)] if motion else [])
    figures = "".join(
        f"<figure{' class=motion hidden' if is_motion else ''}>"
        f'<video src="{html.escape(clip.url)}" muted playsinline preload="auto"></video>'
        f"<figcaption>{html.escape(clip.label)}</figcaption></figure>"
        for clip, is_motion in shown
    )
    speeds = "".join(f'<option value="{s:g}"{" selected" if s == 1 else ""}>{s:g}x</option>' for s in SPEEDS)
    with_motion = '<label><input id="with-motion" type="checkbox"> Show the motion video too</label>' if motion else ""
    page = (
        f"<style>{_STYLE}</style>"
        f'<div class="grid" style="--n: {len(clips)}">{figures}</div>'
        '<div class="bar"><button id="play">Play</button>'
        '<button id="back" aria-label="Back one frame" title="Back one frame">&#9664;|</button>'
        '<button id="forward" aria-label="Forward one frame" title="Forward one frame">|&#9654;</button>'
        '<input id="seek" type="range" min="0" max="1" step="0.01" value="0" aria-label="Seek">'
        '<span id="time">0:00 / 0:00</span>'
        f'<label>Speed <select id="speed" aria-label="Speed">{speeds}</select></label>{with_motion}</div>'
        f"<script>const FRAME = {FRAME_SECONDS};{_SCRIPT}</script>"
    )
    components.html(page, height=height)


def compare_tray(picks: list[str]) -> None:
    """The takes picked so far, in the sidebar where they stay in view: `2 picked · Compare`, or why not yet."""
    if not picks:
        return
    problem = pick_problem(len(picks))
    with st.sidebar, st.container(border=True):
        st.page_link(
            COMPARE_PAGE,
            label=f"{len(picks)} picked · Compare",
            icon=":material/compare:",
            query_params={"jobs": ",".join(picks)},
            disabled=problem is not None,
        )
        st.caption(problem or "Plays them side by side, in sync.")
        st.button(
            "Clear the picks", key="compare_clear", type="tertiary", icon=":material/close:", on_click=clear_picks
        )


def clear_picks() -> None:
    state = st.session_state
    for job_id in state.compare_picks:
        state[f"compare_{job_id}"] = False  # the cards' boxes, unticked with them
    state.compare_picks = []
