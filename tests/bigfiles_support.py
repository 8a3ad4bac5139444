"""Helpers for the large-upload tests and bench: a big clip made quickly, the drop zones, and a process's memory."""

from __future__ import annotations

import json
import os
import secrets
import struct
from pathlib import Path

from playwright.sync_api import Locator, Page
from streamlit.testing.v1 import AppTest

from tests.make_media import run_ffmpeg

MiB = 1024 * 1024


def make_big_clip(path: Path, size_bytes: int = 1024 * MiB) -> Path:
    """A raw (uncompressed) 1080p clip of at least `size_bytes`: seconds to make, unlike an encode that large."""
    frame = 1920 * 1080 * 3 // 2  # yuv420p
    frames = -(-size_bytes // frame)
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=1920x1080:rate=30", "-frames:v", str(frames),
        "-c:v", "rawvideo", "-pix_fmt", "yuv420p", str(path),
    )  # fmt: skip
    return path


def drop_zone(page: Page, index: int) -> Locator:
    """The file input inside the `index`th drop zone (0 the image, 1 the video) on Upload."""
    return page.frame_locator('iframe[title*="big_upload"]').nth(index).locator('input[type="file"]')


def drop_zone_status(page: Page, index: int) -> Locator:
    """The line under the `index`th drop zone that says how the upload goes."""
    return page.frame_locator('iframe[title*="big_upload"]').nth(index).get_by_role("status")


def pid_listening_on(port: int) -> int:
    """The process that listens on 127.0.0.1:`port`, found through /proc (the test did not start it itself)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes for fd in descriptors):
                return int(pid)
        except OSError:
            continue
    raise LookupError(f"nothing of ours listens on port {port}")


def memory_mib(pid: int, field: str = "VmHWM") -> float:
    """`VmHWM` (the peak resident size so far) or `VmRSS` of `pid`, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def piece_message(upload_id: str, name: str, total: int, offset: int, data: bytes) -> bytes:
    """A piece as ui/big_upload/index.html builds it: header length, JSON header, bytes."""
    header = json.dumps({"id": upload_id, "name": name, "total": total, "offset": offset}).encode()
    return struct.pack(">I", len(header)) + header + data


def upload_in_apptest(app: AppTest, kind: str, name: str, data: bytes, piece_bytes: int = 4 * MiB) -> AppTest:
    """Drop `data` in the `kind` ("image" or "video") drop zone of an AppTest of Upload, piece by piece, as the
    browser does: AppTest cannot drive a component, but it can set the value the component would send."""
    upload_id = secrets.token_hex(8)
    for offset in range(0, max(len(data), 1), piece_bytes):
        chunk = data[offset : offset + piece_bytes]
        app.session_state[f"{kind}_big_upload"] = piece_message(upload_id, name, len(data), offset, chunk)
        app.run()
    return app
