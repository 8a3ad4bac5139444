"""Running the ffmpeg binary that imageio-ffmpeg ships, with progress, a time limit and a clean stop."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Callable

import imageio_ffmpeg

from lib.errors import FixFailed

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()

ProgressCallback = Callable[[float], None]


def run_ffmpeg(
    args: list[str],
    seconds: float | None,
    on_progress: ProgressCallback | None,
    failure: type[Exception] = FixFailed,
) -> None:
    """Run ffmpeg, passing its progress (a fraction of `seconds` written) to `on_progress`.

    A watchdog kills it after a generous limit, so a stuck decode can never hang the app. When the
    caller is interrupted (`on_progress` raises because the page reran, or Ctrl-C), ffmpeg is killed
    and its pipes closed before the exception goes on: nothing keeps encoding for nobody.
    """
    limit = 60 + 10 * (seconds or 0)
    command = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    if on_progress:
        command += ["-progress", "pipe:1", "-nostats"]
    timed_out = threading.Event()
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(command + args, stdout=subprocess.PIPE, stderr=errors, text=True) as process,
    ):

        def stop() -> None:
            timed_out.set()
            process.kill()

        watchdog = threading.Timer(limit, stop)
        watchdog.start()
        try:
            for line in process.stdout or ():
                key, _, value = line.strip().partition("=")
                if on_progress and seconds and key == "out_time_us" and value.isdigit():
                    on_progress(min(1.0, int(value) / 1e6 / seconds))
            process.wait()
        except BaseException:
            process.kill()
            raise
        finally:
            watchdog.cancel()
        errors.seek(0)
        said = errors.read().decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
    if timed_out.is_set():
        raise failure(f"ffmpeg was stopped after {limit:.0f} s")
    if process.returncode != 0:
        raise failure(f"ffmpeg: {said[0]}")
