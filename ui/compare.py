"""The synced player: the compared videos side by side in one HTML component, driven by one control bar."""

from __future__ import annotations

import html

import streamlit.components.v1 as components

from lib.history.compare import Clip

# One play, pause and seek for every video: the bar drives them all, and a video's own controls (a
# seek on one of them) are followed by the others. `following` stops the echo: a seek made here fires
# `seeking` on the other videos too, which must not be sent back.
_SCRIPT = """
const videos = [...document.querySelectorAll("video")];
const play = document.getElementById("play");
const seek = document.getElementById("seek");
const time = document.getElementById("time");
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
seek.addEventListener("input", () => videos.forEach(v => { v.currentTime = Number(seek.value); }));
"""

_STYLE = """
body { margin: 0; font-family: sans-serif; }
.grid { display: grid; grid-template-columns: repeat(var(--n), 1fr); gap: 8px; }
figure { margin: 0; }
video { width: 100%; max-height: 420px; background: #000; }
figcaption { font-size: 13px; padding-top: 4px; }
.bar { display: flex; gap: 12px; align-items: center; padding-top: 10px; }
#seek { flex: 1; }
button { padding: 4px 16px; }
"""


def synced_player(clips: list[Clip], height: int = 500) -> None:
    """Draw `clips` side by side with one play/pause button, one seek slider and the time."""
    figures = "".join(
        f'<figure><video src="{html.escape(clip.url)}" muted playsinline preload="auto" controls></video>'
        f"<figcaption>{html.escape(clip.label)}</figcaption></figure>"
        for clip in clips
    )
    page = (
        f"<style>{_STYLE}</style>"
        f'<div class="grid" style="--n: {len(clips)}">{figures}</div>'
        '<div class="bar"><button id="play">Play</button>'
        '<input id="seek" type="range" min="0" max="1" step="0.01" value="0" aria-label="Seek">'
        '<span id="time">0:00 / 0:00</span></div>'
        f"<script>{_SCRIPT}</script>"
    )
    components.html(page, height=height)
