"""MediaInfo in one long-lived helper process, so that a hostile file cannot hang the app.

Its parsers can hang: a WebM whose Tracks header is zeroed keeps one busy forever. The helper is
started on first use and reused (about 1 ms per call more than in this process); a call that takes
longer than `PROBE_SECONDS` kills it and the file is unreadable; the next call starts a new helper.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import select
import subprocess
import sys
import threading
from pathlib import Path

from lib.errors import MediaUnreadable

# A header read takes 5-15 ms, and well under a second on a loaded machine; only a hung parser takes this long.
PROBE_SECONDS = 5.0
# Starting the helper (Python and pymediainfo's imports) takes 0.1-0.3 s, far more on a cold disk: it is
# waited for on its own, so a slow start is never taken for a damaged file.
START_SECONDS = 60.0
READY = b"ready\n"


# Runs in the helper: one JSON path per line in, one JSON line of the tracks probe uses out.
_WORKER = r"""
import json, sys
from pymediainfo import MediaInfo

def first(tracks):
    return tracks[0].to_data() if tracks else None

sys.stdout.write("ready\n")
sys.stdout.flush()
for line in sys.stdin:
    try:
        # Speed 0 reads the container's boxes only; the fields used here are identical at 0.5, which
        # also scans stream data and takes 14 ms instead of 5 ms on a 30 s 1080p MP4.
        info = MediaInfo.parse(json.loads(line), parse_speed=0)
        answer = {"general": first(info.general_tracks), "video": first(info.video_tracks),
                  "audio": bool(info.audio_tracks), "image": first(info.image_tracks)}
    except Exception as error:
        answer = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(answer, default=str) + "\n")
    sys.stdout.flush()
"""


class _MediaInfoHelper:
    """The MediaInfo helper process: one call at a time, killed and replaced when a call overruns."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        atexit.register(self.stop)

    def parse(self, path: Path) -> dict:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start_locked()
            assert self._process is not None
            ask, answer = self._process.stdin, self._process.stdout
            assert ask is not None and answer is not None  # both are pipes, as opened above
            try:
                ask.write(json.dumps(str(path.resolve())).encode() + b"\n")
                ask.flush()
                ready, _, _ = select.select([answer], [], [], PROBE_SECONDS)
                line = answer.readline() if ready else None
            except OSError:
                line = b""
            if not line:
                self._stop_locked()
                if line is None:
                    raise MediaUnreadable(
                        f"reading its header took longer than {PROBE_SECONDS:g} s, so the file is probably damaged"
                    )
                raise MediaUnreadable("the file made the media reader fail")
        answer = json.loads(line)
        if "error" in answer:
            raise MediaUnreadable(f"{path.name} could not be opened")
        return answer

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _start_locked(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], START_SECONDS)
        if not ready or self._process.stdout.readline() != READY:
            self._stop_locked()
            raise MediaUnreadable(f"the media reader did not start within {START_SECONDS:g} s")

    def _stop_locked(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            self._process = None


media_info = _MediaInfoHelper()
