"""Large files by upload (pieces appended to disk) and by link (streamed to disk), with their limits."""

from __future__ import annotations

import functools
import hashlib
import json
import struct
import threading
import tracemalloc
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lib.errors import UploadBroken, UploadTooLarge
from lib.uploads import MAX_DOWNLOAD_BYTES, fetch_link
from lib.uploads.chunked import GB, PartialUpload, parse_piece
from tests.make_media import make_video

MiB = 1024 * 1024


def message(upload_id: str, name: str, total: int, offset: int, data: bytes) -> bytes:
    """A piece as ui/big_upload/index.html builds it."""
    header = json.dumps({"id": upload_id, "name": name, "total": total, "offset": offset}).encode()
    return struct.pack(">I", len(header)) + header + data


def send(inputs: Path, content: bytes, piece_size: int, upload_id: str = "00ff00ff00ff00ff") -> PartialUpload:
    first = parse_piece(message(upload_id, "clip.mp4", len(content), 0, content[:piece_size]))
    upload = PartialUpload.begin(inputs, first)
    for offset in range(0, len(content), piece_size):
        piece = parse_piece(message(upload_id, "clip.mp4", len(content), offset, content[offset : offset + piece_size]))
        assert upload.append(piece.offset, piece.data) == min(offset + piece_size, len(content))
    return upload


def test_pieces_make_the_usual_content_named_file(tmp_path: Path) -> None:
    content = make_video(tmp_path / "clip.mp4").read_bytes()
    upload = send(tmp_path / "inputs", content, piece_size=1000)
    assert upload.complete and upload.path.exists()
    kept = upload.finish()
    assert kept.name == f"{hashlib.sha256(content).hexdigest()}.mp4"
    assert kept.read_bytes() == content
    assert [p.name for p in (tmp_path / "inputs").iterdir()] == [kept.name]  # the partial file became it


def test_a_piece_sent_again_is_ignored_and_a_gap_is_refused(tmp_path: Path) -> None:
    content = bytes(range(256)) * 40
    upload = PartialUpload.begin(tmp_path, parse_piece(message("abcdef0123", "a.mov", len(content), 0, b"")))
    assert upload.append(0, content[:4000]) == 4000
    assert upload.append(0, content[:4000]) == 4000  # a resend after a slow answer
    with pytest.raises(UploadBroken):
        upload.append(8000, content[8000:])
    assert not upload.path.exists()
    with pytest.raises(UploadBroken, match="arrived"):
        upload.finish()


def test_too_large_and_malformed_pieces_are_refused_in_plain_words(tmp_path: Path) -> None:
    with pytest.raises(UploadTooLarge, match="larger than 2 GB"):
        PartialUpload.begin(tmp_path, parse_piece(message("abcdef0123", "big.mov", 3 * GB, 0, b"x")))
    assert not list(tmp_path.iterdir())
    for bad in (
        b"",
        b"\x00\x00\x00\x05{}",
        message("../../etc", "x", 1, 0, b"x"),
        message("abcdef0123", "x", 1, -4, b""),
    ):
        with pytest.raises(UploadBroken):
            parse_piece(bad)


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


def test_a_link_larger_than_the_old_50_mb_cap_streams_to_disk_with_progress(file_server, tmp_path: Path) -> None:
    url, folder = file_server
    assert MAX_DOWNLOAD_BYTES >= 2 * GB
    big = folder / "phone.mov"
    with big.open("wb") as out:
        for block in range(80):
            out.write(bytes([block]) * MiB)
    seen: list[tuple[int, int | None]] = []
    tracemalloc.start()
    try:
        kept = fetch_link(
            f"{url}/phone.mov", tmp_path / "inputs", allow_private=True, progress=lambda *a: seen.append(a)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept.stat().st_size == 80 * MiB
    assert peak < 8 * MiB, f"the download held {peak / MiB:.0f} MiB in memory"
    assert seen[-1] == (80 * MiB, 80 * MiB)
    assert len(seen) > 10 and [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_upload_takes_a_file_sent_in_pieces_and_checks_it(settings, tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from lib.config import APP_DIR
    from tests.bigfiles_support import upload_in_apptest
    from tests.make_media import make_image

    png = make_image(tmp_path / "me.png").read_bytes()
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page("pages/1_Upload.py").run()
    zones = [json.loads(zone.proto.json_args) for zone in app.get("component_instance")]
    assert [zone["limits"] for zone in zones] == [
        "Up to 2 GB. The model takes at most 10.0 MB: Fix it makes a larger file fit."
    ] * 2  # the real limits, no "200MB per file" above "at most 10 MB"
    assert {"heic", "avif", "webp"} <= set(zones[0]["types"]) and {"webm", "mkv", "m4v"} <= set(zones[1]["types"])
    upload_in_apptest(app, "image", "my photo.png", png, piece_bytes=1500)
    assert not app.exception
    assert app.session_state["image_path"] == str(settings.inputs_dir / f"{hashlib.sha256(png).hexdigest()}.png")
    assert any("**Shape**" in line.value for line in app.markdown)  # the checklist of the new file
    assert not list(settings.inputs_dir.glob(".upload.*"))
