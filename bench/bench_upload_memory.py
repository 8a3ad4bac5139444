"""The app's peak memory for one 1 GB upload: through `st.file_uploader` (the baseline, in a one-line app
with maxUploadSize raised for this bench only) and through Upload's drop zone (ui/big_upload, pieces
appended to disk). Prints both and their ratio.

    .venv/bin/python bench/bench_upload_memory.py [--mib 1024]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect  # noqa: E402

from tests.bigfiles_support import (  # noqa: E402
    MiB,
    drop_zone,
    drop_zone_status,
    make_big_clip,
    memory_mib,
    pid_listening_on,
)
from tests.browser_support import VIEWPORT, chromium, streamlit_server  # noqa: E402

BASELINE_APP = """
import streamlit as st
uploaded = st.file_uploader("Drop a video")
if uploaded is not None:
    st.write(f"Received {uploaded.size} bytes")
"""


class Peak:
    """The highest VmRSS of a process while the block runs, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.before, self.samples = pid, memory_mib(pid, "VmRSS"), [0.0]
        self._running = threading.Event()
        self._thread = threading.Thread(target=self._sample)

    def _sample(self) -> None:
        while self._running.is_set():
            self.samples.append(memory_mib(self.pid, "VmRSS"))
            time.sleep(0.05)

    def __enter__(self) -> Peak:
        self._running.set()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._running.clear()
        self._thread.join()

    @property
    def growth(self) -> float:
        return max(self.samples) - self.before


def baseline(clip: Path, tmp: Path) -> tuple[float, float]:
    script = tmp / "baseline_app.py"
    script.write_text(BASELINE_APP)
    (tmp / ".streamlit").mkdir(exist_ok=True)
    (tmp / ".streamlit" / "config.toml").write_text("[server]\nmaxUploadSize = 4096\n")
    with (
        streamlit_server(script, tmp / "data-baseline", tmp / "baseline.log", worker=False) as app,
        chromium() as browser,
    ):
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(app.url)
        page.locator('input[type="file"]').wait_for(state="attached", timeout=30_000)
        with Peak(pid_listening_on(urlsplit(app.url).port or 0)) as peak:
            started = time.monotonic()
            page.locator('input[type="file"]').set_input_files(str(clip))
            expect(page.get_by_text("Received ")).to_be_visible(timeout=300_000)
            seconds = time.monotonic() - started
    return peak.growth, seconds


def drop_zone_way(clip: Path, tmp: Path) -> tuple[float, float]:
    with streamlit_server(ROOT / "app.py", tmp / "data", tmp / "app.log", worker=False) as app, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"{app.url}/Upload")
        expect(drop_zone(page, 1)).to_be_attached(timeout=30_000)
        with Peak(pid_listening_on(urlsplit(app.url).port or 0)) as peak:
            started = time.monotonic()
            drop_zone(page, 1).set_input_files(str(clip))
            expect(drop_zone_status(page, 1)).to_contain_text("Uploaded", timeout=300_000)
            seconds = time.monotonic() - started
    return peak.growth, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="size of the clip in MiB")
    size = parser.parse_args().mib * MiB
    with tempfile.TemporaryDirectory(prefix="bench_upload_") as folder:
        tmp = Path(folder)
        clip = make_big_clip(tmp / "phone clip.mkv", size)
        print(f"clip: {clip.stat().st_size / MiB:,.0f} MiB raw video (Matroska)")
        st_growth, st_seconds = baseline(clip, tmp)
        print(f"st.file_uploader: app RSS grew {st_growth:,.0f} MiB at its peak; {st_seconds:.1f} s")
        ours, our_seconds = drop_zone_way(clip, tmp)
        print(f"Upload drop zone: app RSS grew {ours:,.0f} MiB at its peak; {our_seconds:.1f} s")
        print(
            f"ratio: the drop zone needs {ours / st_growth:.2f} of st.file_uploader's memory (1/{st_growth / ours:.0f})"
        )


if __name__ == "__main__":
    main()
