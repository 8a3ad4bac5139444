"""The background poller: follows every job the service has, and saves each result at once.

One thread polls the jobs that are due, backing off as a job ages and waking early when the
service's ETA says the job is about to finish. Results are downloaded on a small pool as soon as a
task succeeds, because their links expire. Everything it learns goes to the store, so a page, a
second tab or a restarted process sees the same; jobs left pending by an earlier process are simply
found in the store and followed again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lib import errors
from lib.config import Settings
from lib.jobs.models import Job, JobStatus, now_iso
from lib.jobs.results import download_result
from lib.jobs.store import JobStore
from lib.media.thumbnails import poster_for
from lib.novita.client import NovitaClient
from lib.novita.service import client_for, service_name
from lib.novita.task import TaskResult, TaskStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollTiming:
    """How often to ask: from `min_interval`, growing by `growth` per poll up to `max_interval`.

    The service's ETA steers it: a job about to finish is asked as soon as it should be done, and a
    job that says it needs far longer is asked less often, up to `far_interval`, a quarter of its
    ETA at a time, so a long queue does not cost requests for nothing.
    """

    min_interval: float = 2.0
    max_interval: float = 30.0
    far_interval: float = 60.0
    growth: float = 1.5
    idle_check: float = 5.0  # how soon to look for jobs another process or page added
    stale_submission: float = 180.0  # longer than any submit can take: its process has died

    def next_delay(self, polls: int, eta: int) -> float:
        backoff = min(self.max_interval, self.min_interval * self.growth**polls)
        if eta <= 0:
            return backoff
        if eta <= backoff:
            return max(self.min_interval, float(eta))
        return min(max(self.far_interval, backoff), max(backoff, eta / 4))


@dataclass
class _Schedule:
    due: float
    polls: int = 0


DEFAULT_TIMING = PollTiming()


class Poller:
    """Polls and downloads on background threads; `start()` once, `wake()` after a submit."""

    def __init__(
        self,
        store: JobStore,
        client_factory: Callable[[], NovitaClient],
        results_dir: Path,
        service: str,
        timing: PollTiming = DEFAULT_TIMING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.client_factory = client_factory
        self.results_dir = Path(results_dir)
        self.service = service
        self.timing = timing
        self.clock = clock
        self._schedule: dict[str, _Schedule] = {}
        self._downloading: set[str] = set()
        self._downloads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="result-download")
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> Poller:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="job-poller", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._downloads.shutdown(wait=True)

    def wake(self) -> None:
        """Look at the store now (a job was just submitted)."""
        self._wake.set()

    def _run(self) -> None:
        client = self.client_factory()
        while not self._stop.is_set():
            try:
                delay = self.poll_due(client)
            except Exception:  # the poller must outlive any one bad answer or row
                log.exception("polling round failed")
                delay = self.timing.idle_check
            self._wake.wait(delay)
            self._wake.clear()

    def poll_due(self, client: NovitaClient) -> float:
        """Poll every job that is due; return how long until the next one is."""
        self._mark_stale_submissions()
        now = self.clock()
        jobs = self.store.polled_jobs(self.service)
        live = {job.id for job in jobs}
        with self._lock:
            for gone in set(self._schedule) - live:
                del self._schedule[gone]
        for job in jobs:
            with self._lock:
                schedule = self._schedule.setdefault(job.id, _Schedule(due=now))
            if job.status is JobStatus.DOWNLOADING:
                if schedule.due <= now:
                    self._start_download(job)
            elif schedule.due <= now:
                self._poll(client, job, schedule)
            if self._stop.is_set():
                break
        with self._lock:
            dues = [s.due for s in self._schedule.values()]
        return max(0.05, min([self.timing.idle_check, *(due - self.clock() for due in dues)]))

    def _poll(self, client: NovitaClient, job: Job, schedule: _Schedule) -> None:
        try:
            result = client.task_result(job.task_id or "")
        except errors.TaskNotFound as error:
            self._finish(job, JobStatus.FAILED, failure_reason=str(error))
            return
        except errors.NovitaError as error:
            # Passing faults were retried inside the client already; keep the job and ask later.
            log.warning("polling job %s failed: %s", job.id, type(error).__name__)
            schedule.due = self.clock() + self.timing.max_interval
            return
        schedule.polls += 1
        schedule.due = self.clock() + self.timing.next_delay(schedule.polls, result.eta)
        self._apply(job, result)

    def _apply(self, job: Job, result: TaskResult) -> None:
        if result.status is TaskStatus.SUCCEEDED and result.videos:
            video = result.videos[0]
            expires = datetime.now(UTC) + timedelta(seconds=video.ttl or 3600)
            job = self.store.update(
                job.id,
                status=JobStatus.DOWNLOADING,
                remote_status=result.remote_status,
                progress_percent=100,
                eta_seconds=0,
                result_url=video.url,
                result_url_expires_at=expires.isoformat(timespec="seconds"),
                payload_json=json.dumps(result.raw),
            )
            self._start_download(job)
        elif result.status is TaskStatus.FAILED:
            reason = errors.TaskFailed(result.reason or "no reason given")
            self._finish(
                job,
                JobStatus.FAILED,
                failure_reason=str(reason),
                remote_status=result.remote_status,
                payload_json=json.dumps(result.raw),
            )
        else:
            status = JobStatus.QUEUED if result.status is TaskStatus.QUEUED else JobStatus.PROCESSING
            # A SUCCEED without a video, or a status we do not know, is still worth waiting for.
            changed = (status, result.remote_status, result.progress_percent, result.eta) != (
                job.status,
                job.remote_status,
                job.progress_percent,
                job.eta_seconds,
            )
            if changed:
                self.store.update(
                    job.id,
                    status=status,
                    remote_status=result.remote_status,
                    progress_percent=result.progress_percent,
                    eta_seconds=result.eta,
                    payload_json=json.dumps(result.raw),
                )

    def _start_download(self, job: Job) -> None:
        with self._lock:
            if job.id in self._downloading:
                return
            self._downloading.add(job.id)
        self._reschedule(job.id, float("inf"))
        self._downloads.submit(self._download, job)

    def _download(self, job: Job) -> None:
        try:
            path = download_result(job.result_url or "", self.results_dir / f"{job.id}.mp4")
        except errors.ResultExpired as error:
            self._finish(job, JobStatus.EXPIRED, failure_reason=str(error))
        except errors.ResultInvalid as error:
            self._finish(job, JobStatus.FAILED, failure_reason=str(error))
        except errors.NovitaError as error:
            log.warning("downloading the result of job %s failed: %s", job.id, error.detail)
            if _expired(job):
                self._finish(
                    job, JobStatus.EXPIRED, failure_reason=str(errors.ResultExpired("the link's time ran out"))
                )
            else:
                self._reschedule(job.id, self.clock() + self.timing.min_interval)
        except Exception:
            log.exception("downloading the result of job %s failed", job.id)
            self._reschedule(job.id, self.clock() + self.timing.max_interval)
        else:
            self._finish(
                job, JobStatus.SUCCEEDED, result_path=str(path), poster_path=poster_for(path) or job.poster_path
            )
        finally:
            with self._lock:
                self._downloading.discard(job.id)
            self._wake.set()

    def _reschedule(self, job_id: str, due: float) -> None:
        with self._lock:
            self._schedule.setdefault(job_id, _Schedule(due=due)).due = due

    def _finish(self, job: Job, status: JobStatus, **changes: object) -> None:
        self.store.update(job.id, status=status, finished_at=now_iso(), **changes)
        with self._lock:
            self._schedule.pop(job.id, None)

    def _mark_stale_submissions(self) -> None:
        """A job still "submitting" long after any submit could take was left by a dead process."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self.timing.stale_submission)
        for job in self.store.jobs_with_status(JobStatus.SUBMITTING):
            if datetime.fromisoformat(job.created_at) < cutoff:
                self.store.update(
                    job.id,
                    status=JobStatus.MAYBE_SUBMITTED,
                    failure_reason="The app stopped while sending this job, so it may or may not have reached Novita.",
                )


def _expired(job: Job) -> bool:
    if not job.result_url_expires_at:
        return False
    return datetime.fromisoformat(job.result_url_expires_at) <= datetime.now(UTC)


_pollers: dict[tuple[str, str, str], Poller] = {}
_pollers_lock = threading.Lock()


def start_poller(settings: Settings, timing: PollTiming = DEFAULT_TIMING) -> Poller:
    """The process's one poller for this data folder and service, started on first call.

    It follows jobs left pending by earlier processes too. A key given in a browser session only
    (never stored) gets its poller here in memory, for as long as the process runs.
    """
    with _pollers_lock:
        key = (str(settings.db_path), service_name(settings), settings.api_key or "")
        if key not in _pollers:
            store = JobStore(settings.db_path)
            client = lambda: client_for(settings, timeout=(5.0, 15.0))  # noqa: E731 - a factory for the poller's thread
            _pollers[key] = Poller(store, client, settings.results_dir, service_name(settings), timing).start()
        return _pollers[key]


def stop_pollers() -> None:
    """Stop every poller this process started (tests and a clean shutdown)."""
    with _pollers_lock:
        for poller in _pollers.values():
            poller.stop()
        _pollers.clear()
