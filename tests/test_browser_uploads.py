"""Large and quick uploads in a real browser: a 1 GB clip goes to disk without the app holding it, and two
files dropped one right after the other are both taken."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.bigfiles_support import MiB, drop_zone, drop_zone_status, make_big_clip, memory_mib, pid_listening_on
from tests.browser_support import ROOT, VIEWPORT, checklist_line, streamlit_server
from tests.make_media import make_image, make_video

pytestmark = pytest.mark.browser


def open_upload(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{url}/Upload")
    expect(drop_zone(page, 1)).to_be_attached(timeout=30_000)
    return page


def test_a_1_gb_clip_is_uploaded_without_the_app_holding_it(browser: Browser, tmp_path: Path) -> None:
    made = time.monotonic()
    clip = make_big_clip(tmp_path / "phone clip.mkv")
    size, made = clip.stat().st_size, time.monotonic() - made
    data = tmp_path / "data"
    with streamlit_server(ROOT / "app.py", data, tmp_path / "app.log", worker=False) as app:
        pid = pid_listening_on(urlsplit(app.url).port or 0)
        page = open_upload(browser, app.url)
        baseline = memory_mib(pid, "VmRSS")
        # Sampled while the pieces arrive, up to the moment the drop zone says the file is in; the
        # page's preview of the clip afterwards is measured apart (see the print).
        samples: list[float] = []
        uploading = threading.Event()
        uploading.set()

        def sample() -> None:
            while uploading.is_set():
                samples.append(memory_mib(pid, "VmRSS"))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.monotonic()
        try:
            drop_zone(page, 1).set_input_files(str(clip))
            # About 20 MiB/s on two busy cores: a gigabyte can take well over a minute.
            expect(drop_zone_status(page, 1)).to_contain_text("Uploaded", timeout=300_000)
        finally:
            uploading.clear()
            sampler.join()
        seconds = time.monotonic() - started
        expect(checklist_line(page, "video", "Length")).to_be_visible(timeout=60_000)
        with_preview = memory_mib(pid, "VmHWM")
        page.close()
    clip.unlink()
    kept = [p for p in (data / "inputs").iterdir() if p.is_file() and not p.name.startswith(".")]
    peak = max(samples)
    print(
        f"\n1 GB upload: {size / MiB:,.0f} MiB made in {made:.1f} s, uploaded in {seconds:.1f} s"
        f" ({size / MiB / seconds:.0f} MiB/s);"
        f" app RSS {baseline:.0f} MiB before, peak {peak:.0f} MiB while uploading ({len(samples)} samples),"
        f" peak {with_preview:.0f} MiB once the page previews the clip"
    )
    sizes = [p.stat().st_size for p in kept]
    partials = [p.name for p in (data / "inputs").glob(".upload.*")]
    shutil.rmtree(data / "inputs")  # a gigabyte is not left in the test's folder
    assert sizes == [size]
    assert partials == []
    assert peak - baseline < 400, f"the app's memory grew by {peak - baseline:.0f} MiB for a {size / MiB:.0f} MiB file"


def test_two_quick_uploads_are_both_taken(browser: Browser, tmp_path: Path) -> None:
    image = make_image(tmp_path / "me.png")
    video = make_video(tmp_path / "moves.mp4", seconds=4)
    data = tmp_path / "data"
    with streamlit_server(ROOT / "app.py", data, tmp_path / "app.log", worker=False) as app:
        page = open_upload(browser, app.url)
        drop_zone(page, 0).set_input_files(str(image))
        drop_zone(page, 1).set_input_files(str(video))  # at once, while the image is still arriving
        expect(checklist_line(page, "image", "Shape")).to_be_visible(timeout=30_000)
        expect(checklist_line(page, "video", "Length")).to_be_visible(timeout=30_000)
        page.close()
