"""Fixes as work on the queue: "Fix it" records a fix run, a worker runs it, the page reads its progress.

The trim strip of a clip (kind "strip") and History's zip of all videos (kind "export") are runs of the
same kind of work, kept in the same table: made once on the worker, followed from the page, stoppable.

A fix run is named by what it does (which file, which kind, orientation and start), so a second
click on the same fix joins the run already under way instead of starting another. Progress and
the outcome live in the store, so a page switch or a reload finds them; "Stop" is a flag in the
store that the running fix checks, and stopping kills its ffmpeg.

With a media bucket (`fix_runs_for(settings)`), the page and the worker may be different machines: the
file to fix is put in the bucket when the run is asked for, the worker puts what it made there, and the
row names both as every machine reads them. A run handed to a caller names them as files on its machine,
fetched from the bucket if need be, so what reads a run reads local files either way.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lib.config import Settings
from lib.errors import FixFailed, FixStopped, MotionStudioError
from lib.files.digest import content_digest
from lib.files.storage import Storage, storage_for
from lib.media.fix_plan import ShortClip
from lib.media.fixes import fix_image, fix_video
from lib.media.frame_strip import frame_strip
from lib.media.layout import Fit
from lib.novita.rules import DEFAULT_MODEL, Model, model_for
from lib.store.door import Database, upsert
from lib.store.tables import fix_runs
from lib.store.times import now_iso

# A running fix writes its progress every fraction of a second; one silent this long died with its worker.
STALE_SECONDS = 120.0


class FixState(Enum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    STOPPED = "stopped"

    @property
    def active(self) -> bool:
        return self in (FixState.WAITING, FixState.RUNNING)


@dataclass(frozen=True)
class FixRun:
    """One fix of one file: `kind` is "image" or "video"; `start` is where a kept video window starts."""

    id: str
    kind: str  # "image" or "video" (a fix), "strip" (a trim strip), "export" (History's zip)
    source_path: str
    status: FixState
    created_at: str
    updated_at: str
    orientation: str | None = None
    start: float = 0.0
    progress: float = 0.0
    result_path: str | None = None
    error: str | None = None
    stop_requested: bool = False
    model: str = DEFAULT_MODEL.word
    fit: Fit = Fit.SOLID
    short_clip: ShortClip = ShortClip.LOOP

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> FixRun:
        values = {k: v for k, v in row.items() if k in _FIELDS}
        return cls(
            **{
                **values,
                "status": FixState(values["status"]),
                "stop_requested": bool(values["stop_requested"]),
                "fit": Fit(values.get("fit", Fit.SOLID)),
                "short_clip": ShortClip(values.get("short_clip", ShortClip.LOOP)),
            }
        )


_FIELDS = frozenset(f.name for f in fields(FixRun))


def fix_runs_for(settings: Settings) -> FixRuns:
    """The fix runs of these settings, their files in the data folder or the media bucket."""
    return FixRuns(settings.database, storage_for(settings))


class FixRuns(Database):
    """Fix runs in the store; with `storage`, their files are kept there (see the module's words)."""

    def __init__(self, db_path: Path | str, storage: Storage | None = None) -> None:
        super().__init__(db_path)
        self.storage = storage

    def keep(self, path: Path | str) -> str:
        """The name a row keeps for the file `path` made or given here, put in the storage (a folder, such
        as a strip's for a file that is not a video, is named, never put)."""
        if self.storage is None:
            return str(path)
        return self.storage.put(path) if Path(path).is_file() else self.storage.name(path)

    def _here(self, row: dict[str, Any]) -> FixRun:
        """The run of `row`, naming its files as paths on this machine."""
        run = FixRun.from_row(row)
        if self.storage is None or run.kind == "export":  # History's zip is linked by its name, never read
            return run
        here = self.storage.local_path
        return replace(
            run,
            source_path=str(here(run.source_path)),
            result_path=str(here(run.result_path)) if run.result_path else None,
        )

    def request(
        self,
        kind: str,
        source: Path | str,
        orientation: str | None = None,
        start: float = 0.0,
        model: Model = DEFAULT_MODEL,
        fit: Fit = Fit.SOLID,
        short_clip: ShortClip = ShortClip.LOOP,
        stale_seconds: float = STALE_SECONDS,
    ) -> tuple[FixRun, bool]:
        """The fix run for this file and these choices (start, fit, how a short clip is lengthened), for
        `model`'s rules: (the run, whether the caller should queue it).

        A run under way, or one that finished with its file still there, is joined; one that failed,
        was stopped or went silent for `stale_seconds` starts again.
        """
        parts: dict[str, Any] = {
            "kind": kind,
            "source": content_digest(Path(source)),  # read here before it is put, for any machine to fix
            "orientation": orientation,
            "start": start,
        }
        if model is not DEFAULT_MODEL:  # 2.6 Pro adds nothing, so a run from before models is joined
            parts["model"] = model.word
        # The first choices add nothing either, for the same reason.
        if fit is not Fit.SOLID:
            parts["fit"] = fit.value
        if short_clip is not ShortClip.LOOP:
            parts["short_clip"] = short_clip.value
        run_id = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]
        return self._claim(
            run_id,
            kind,
            self.keep(source),
            stale_seconds,
            orientation=orientation,
            start=start,
            model=model.word,
            fit=fit.value,
            short_clip=short_clip.value,
            keep_done=True,
        )

    def request_export(self, data_dir: Path, stale_seconds: float = STALE_SECONDS) -> tuple[FixRun, bool]:
        """The zip of all videos being written, or a new one: (the run, whether the caller should queue it).
        A finished zip is never reused, since the history may have changed since."""
        run_id = "export-" + hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:17]
        return self._claim(run_id, "export", data_dir, stale_seconds, keep_done=False)

    def _claim(
        self, run_id: str, kind: str, source: Path | str, stale_seconds: float, *, keep_done: bool, **choices: Any
    ) -> tuple[FixRun, bool]:
        """Join run `run_id` if under way (or finished with its file there, when `keep_done`), else start it."""
        now = now_iso()
        joined: dict[str, Any] | None = None
        with self._write() as conn:
            found = conn.execute(select(fix_runs).where(fix_runs.c.id == run_id)).mappings().first()
            if found:
                run = FixRun.from_row(dict(found))
                alive = run.status.active and run.updated_at > now_iso(-stale_seconds)
                if alive or (keep_done and run.status is FixState.DONE and _kept(run.result_path)):
                    joined = dict(found)
            if not joined:
                row = {
                    "id": run_id,
                    "kind": kind,
                    "source_path": str(source),
                    "orientation": None,
                    "start": 0.0,
                    "status": FixState.WAITING.value,
                    "progress": 0.0,
                    "result_path": None,
                    "error": None,
                    "stop_requested": 0,
                    "model": DEFAULT_MODEL.word,
                    "fit": Fit.SOLID.value,
                    "short_clip": ShortClip.LOOP.value,
                    "created_at": now,
                    "updated_at": now,
                    **choices,
                }
                upsert(conn, fix_runs, row)
        if joined:
            return self._here(joined), False
        return self._here(row), True

    def get(self, run_id: str) -> FixRun | None:
        row = self._first(select(fix_runs).where(fix_runs.c.id == run_id))
        return self._here(row) if row else None

    def update(self, run_id: str, expect: dict[str, Any] | None = None, **changes: Any) -> FixRun | None:
        row = self._set_if("fix_runs", run_id, expect or {}, {**changes, "updated_at": now_iso()})
        return self._here(row) if row else None

    def stop(self, run_id: str) -> None:
        """Ask a waiting or running fix to stop; the worker running it stops its ffmpeg."""
        self.update(run_id, expect={"status": (FixState.WAITING, FixState.RUNNING)}, stop_requested=True)


def _kept(name: str | None) -> bool:
    """Whether a finished run's file is still there: looked for when it is a path on this machine; a
    bucket's name is kept for as long as a row names it, and asking the bucket here would hold the
    write lock across a network call."""
    return bool(name) and (not Path(name or "").is_absolute() or Path(name or "").exists())


def run_fix(runs: FixRuns, run_id: str, out_dir: Path, progress_every: float = 0.3) -> FixRun | None:
    """Run a waiting fix, writing its progress to the store; the run as it ended, or None if someone
    else runs it."""

    def fix(run: FixRun, progress: Callable[[float], None]) -> Path:
        if run.kind == "image":
            return fix_image(run.source_path, out_dir, run.fit, on_progress=progress, model=model_for(run.model))
        return fix_video(
            run.source_path,
            out_dir,
            run.orientation or "image",
            start=run.start,
            fit=run.fit,
            short=run.short_clip,
            on_progress=progress,
            model=model_for(run.model),
        )

    return run_work(runs, run_id, fix, progress_every)


def run_strip(runs: FixRuns, run_id: str, strips_dir: Path) -> FixRun | None:
    """Make a clip's trim strip in `strips_dir`; its result is the strip's first frame (the folder for a
    file that is not a readable video, so the page stops waiting)."""

    def strip(run: FixRun, progress: Callable[[float], None]) -> Path:
        frames = frame_strip(run.source_path, strips_dir, on_progress=progress)
        for _, frame in frames[1:]:  # the first is the run's result, kept as it ends
            runs.keep(frame)
        return frames[0][1] if frames else strips_dir

    return run_work(runs, run_id, strip)


def run_work(
    runs: FixRuns, run_id: str, work: Callable[[FixRun, Callable[[float], None]], Path], progress_every: float = 0.3
) -> FixRun | None:
    """Run a waiting run with `work(run, progress)`, which returns the file it made, writing its progress
    to the store; `progress` raises `FixStopped` once Stop is pressed. The run as it ended, or None if
    someone else runs it."""
    run = runs.update(run_id, expect={"status": FixState.WAITING, "stop_requested": False}, status=FixState.RUNNING)
    if run is None:
        return runs.update(run_id, expect={"status": FixState.WAITING}, status=FixState.STOPPED)
    last = 0.0

    def progress(fraction: float) -> None:
        nonlocal last
        if time.monotonic() - last < progress_every and fraction < 1.0:
            return
        last = time.monotonic()
        written = runs.update(run_id, expect={"stop_requested": False}, progress=min(fraction, 1.0))
        if written is None:
            raise FixStopped()  # ffmpeg is killed as this goes up through it

    try:
        result = work(run, progress)
    except FixStopped as stopped:
        return runs.update(run_id, status=FixState.STOPPED, error=str(stopped))
    except MotionStudioError as error:
        return runs.update(run_id, status=FixState.FAILED, error=str(error))
    except Exception as error:  # a run must end in words the page can show, whatever broke
        return runs.update(run_id, status=FixState.FAILED, error=str(FixFailed(type(error).__name__)))
    return runs.update(run_id, status=FixState.DONE, progress=1.0, result_path=runs.keep(result))
