"""Following a job once the service has it: one look at a time, each claimed, so nothing is done twice.

A look polls the job, or saves its result the moment the task succeeds (result links expire). The
next look is due after the ETA-guided back-off in `PollTiming`; whoever runs looks (a worker's queue,
or a browser tab for a key only it holds) schedules it for then. Each look first claims the job by
replacing its lease, so when two processes hold a look at the same job, the second finds the lease
changed and steps back. `sweep` finds what a dead process left: a submit that never answered, a
look or a download whose lease ran out.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lib import errors
from lib.files.atomic import leftovers
from lib.files.storage import FolderStorage, Storage
from lib.jobs.models import Job, JobStatus, now_iso
from lib.jobs.results import download_result
from lib.jobs.store import JobStore
from lib.media.thumbnails import poster_for
from lib.novita.client import NovitaClient
from lib.novita.task import TaskResult, TaskStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollTiming:
    """How often to ask: from `min_interval`, growing by `growth` per poll up to `max_interval`.

    The service's ETA steers it: a job about to finish is asked as soon as it should be done, and a
    job that says it needs far longer is asked less often, a third of its ETA at a time, up to
    `far_interval`, so a long queue does not cost requests for nothing: as the ETA shrinks the looks
    close in, and the look that should see it done comes when it should be done. Three minutes at most
    keeps a thousand jobs in flight under a twentieth of a core (docs/benchmarks.md) while a job that
    ends far sooner than Novita said is still seen within minutes. The leases say how long a
    download and a submit may take before another process may assume its owner died; a look is
    taken over once it is `max_interval` overdue.

    Waiting has an end: a job the service still calls pending `pending_limit` seconds after it was
    sent fails with a plain message, and so does a SUCCEED that still has no video one
    `empty_success_grace` after the look that first saw it so.
    """

    min_interval: float = 2.0
    max_interval: float = 30.0
    far_interval: float = 180.0
    growth: float = 1.5
    download_lease: float = 300.0
    submit_lease: float = 180.0  # longer than hosting plus a submit's 120 s timeout can take
    sweep_every: float = 30.0
    empty_success_grace: float = 30.0  # time for a SUCCEED's video list to fill in, should it come late
    pending_limit: float = 3 * 3600.0  # far longer than any job takes; a wall-clock limit, not scaled

    def next_delay(self, polls: int, eta: int) -> float:
        backoff = min(self.max_interval, self.min_interval * self.growth**polls)
        if eta <= 0:
            return backoff
        if eta <= backoff:
            return max(self.min_interval, float(eta))
        return min(max(self.far_interval, backoff), max(backoff, eta / 3))

    def scaled_to(self, min_interval: float) -> PollTiming:
        """The same timing with every interval and lease scaled so the first poll comes after `min_interval`."""
        factor = min_interval / self.min_interval
        unscaled = ("growth", "pending_limit")
        return replace(self, **{f.name: getattr(self, f.name) * factor for f in fields(self) if f.name not in unscaled})


DEFAULT_TIMING = PollTiming()


@dataclass(frozen=True)
class Follow:
    """What following jobs made with one key needs: the store, a client for that key, where results go."""

    store: JobStore
    client: Callable[[], NovitaClient]
    results_dir: Path
    key_fingerprint: str
    service: str
    timing: PollTiming = DEFAULT_TIMING
    storage: Storage | None = None  # where a saved result is kept; None: the data folder, as written


@dataclass(frozen=True)
class NextLook:
    """A look to schedule: at job `job_id`, `delay` seconds from now, holding `lease`."""

    job_id: str
    lease: str
    delay: float


def new_lease() -> str:
    return uuid.uuid4().hex


def look(follow: Follow, job_id: str, lease: str) -> NextLook | None:
    """Take one look at a job `lease` still holds: poll it, or save its result.

    Returns the next look to schedule, or None when the job needs no more from this follower (it
    ended, was deleted, or another follower holds it now).
    """
    job = follow.store.get(job_id)
    if job is None or job.lease != lease or job.key_fingerprint != follow.key_fingerprint:
        return None
    if job.status is JobStatus.DOWNLOADING:
        return save_result(follow, job)
    if job.status not in (JobStatus.QUEUED, JobStatus.PROCESSING):
        return None
    # No claim before the poll: the one write after it checks the lease and hands on a new one, so a
    # look delivered twice, or taken over by the sweep meanwhile, costs a request but writes nothing.
    try:
        result = follow.client().task_result(job.task_id or "")
    except errors.TaskNotFound as error:
        _finish(follow, job, lease, JobStatus.FAILED, failure_reason=str(error))
        return None
    except errors.NovitaError as error:
        # Passing faults were retried inside the client already; keep the job and ask later.
        log.warning("polling job %s failed: %s", job_id, type(error).__name__)
        return _later(follow, job, lease, follow.timing.max_interval)
    except Exception:
        # No client could be made, or an answer broke something: the job is not at fault, ask later.
        log.exception("polling job %s failed", job_id)
        return _later(follow, job, lease, follow.timing.max_interval)
    return _apply(follow, job, lease, result)


def _apply(follow: Follow, job: Job, lease: str, result: TaskResult) -> NextLook | None:
    if result.status is TaskStatus.SUCCEEDED and result.videos:
        video = result.videos[0]
        expires = datetime.now(UTC) + timedelta(seconds=video.ttl or 3600)
        downloading = follow.store.update(
            job.id,
            expect={"lease": lease},
            status=JobStatus.DOWNLOADING,
            billed=True,
            remote_status=result.remote_status,
            progress_percent=100,
            eta_seconds=0,
            result_url=video.url,
            result_url_expires_at=expires.isoformat(timespec="seconds"),
            payload_json=json.dumps(result.raw),
        )
        return save_result(follow, downloading) if downloading else None
    if result.status is TaskStatus.FAILED:
        reason = errors.TaskFailed(result.reason or "no reason given")
        _finish(
            follow,
            job,
            lease,
            JobStatus.FAILED,
            failure_reason=str(reason),
            remote_status=result.remote_status,
            payload_json=json.dumps(result.raw),
        )
        return None
    # A task Novita calls succeeded is billed, video or not: the job says so, whatever fails after.
    empty_success = result.status is TaskStatus.SUCCEEDED
    given_up = _given_up(follow.timing, job, empty_success)
    if given_up:
        _finish(
            follow,
            job,
            lease,
            JobStatus.FAILED,
            failure_reason=given_up,
            billed=job.billed or empty_success,
            remote_status=result.remote_status,
            payload_json=json.dumps(result.raw),
        )
        return None
    # A status we do not know is still worth waiting for, and so, once, is a SUCCEED without a video.
    status = JobStatus.QUEUED if result.status is TaskStatus.QUEUED else JobStatus.PROCESSING
    delay = follow.timing.empty_success_grace if empty_success else follow.timing.next_delay(job.polls + 1, result.eta)
    mine = new_lease()
    changed = follow.store.update(
        job.id,
        expect={"lease": lease},
        status=status,
        billed=job.billed or empty_success,
        remote_status=result.remote_status,
        progress_percent=result.progress_percent,
        eta_seconds=result.eta,
        payload_json=json.dumps(result.raw),
        polls=job.polls + 1,
        lease=mine,
        due_at=now_iso(delay),
    )
    return NextLook(job.id, mine, delay) if changed else None


NO_VIDEO = (
    "Novita says this job succeeded, and charged for it, but sent no video, and still had none when asked "
    "again. Look for the video on your Novita dashboard, or ask Novita support about this job's task ID."
)


def _given_up(timing: PollTiming, job: Job, empty_success: bool) -> str | None:
    """Why to stop waiting for this job, or None to keep waiting."""
    if empty_success and TaskStatus.from_remote(job.remote_status) is TaskStatus.SUCCEEDED:  # and the look before
        return NO_VIDEO
    sent = job.submitted_at or job.created_at
    waited = (datetime.now(UTC) - datetime.fromisoformat(sent)).total_seconds()
    if waited > timing.pending_limit:
        return (
            f"Novita still had not finished this job {_duration(timing.pending_limit)} after it was sent, "
            "far longer than any video takes, so Motion Studio stopped waiting for it. Check your Novita "
            f"dashboard (task {job.task_id}) for its video and whether it was charged, then generate again if needed."
        )
    return None


def _duration(seconds: float) -> str:
    """'3 hours', '90 minutes', '2 seconds'."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size or (seconds >= size and seconds % size == 0):
            amount = round(seconds / size, 1)
            return f"{amount:g} {unit}{'s' if amount != 1 else ''}"
    return f"{seconds:g} second{'s' if seconds != 1 else ''}"


def save_result(follow: Follow, job: Job) -> NextLook | None:
    """Download a succeeded job's result to `<results>/<id>.mp4` and finish the job."""
    mine = new_lease()
    claimed = follow.store.update(
        job.id,
        expect={"lease": job.lease, "status": JobStatus.DOWNLOADING},
        lease=mine,
        due_at=now_iso(follow.timing.download_lease),
    )
    if claimed is None:
        return None
    try:
        path = download_result(claimed.result_url or "", follow.results_dir / f"{job.id}.mp4")
    except errors.ResultExpired as error:
        _finish(follow, claimed, mine, JobStatus.EXPIRED, failure_reason=str(error))
    except errors.ResultInvalid as error:
        _finish(follow, claimed, mine, JobStatus.FAILED, failure_reason=str(error))
    except errors.NovitaError as error:
        log.warning("downloading the result of job %s failed: %s", job.id, error.detail)
        if not _link_expired(claimed):
            return _later(follow, claimed, mine, follow.timing.min_interval)
        ran_out = errors.ResultExpired("the link's time ran out")
        _finish(follow, claimed, mine, JobStatus.EXPIRED, failure_reason=str(ran_out))
    except Exception:
        log.exception("saving the result of job %s failed", job.id)  # a full disk, say: try again later
        return _later(follow, claimed, mine, follow.timing.max_interval)
    else:
        storage = follow.storage or FolderStorage(follow.results_dir, follow.results_dir)
        result, poster = storage.put(path), poster_for(path)
        poster = storage.put(poster) if poster else claimed.poster_path
        finished = _finish(follow, claimed, mine, JobStatus.SUCCEEDED, result_path=result, poster_path=poster)
        if finished is None and follow.store.get(job.id) is None:  # deleted while it downloaded: keep nothing
            storage.delete(result)
    return None


def sweep(follow: Follow) -> tuple[list[str], list[NextLook]]:
    """Find what needs a follower again: (jobs to send, looks to schedule now).

    A job recorded but never claimed for sending is sent (it cannot have left). A submit whose lease
    ran out may or may not have reached the service: it is marked so, never sent again. A look or
    download whose lease ran out, or that is long overdue, is taken over with a new lease.
    """
    store, timing = follow.store, follow.timing
    store.adopt(follow.service, follow.key_fingerprint)
    now, overdue = now_iso(), now_iso(-timing.max_interval)
    to_send: list[str] = []
    for job in store.followed_jobs(follow.key_fingerprint, JobStatus.SUBMITTING):
        if job.lease is None:
            if job.created_at < overdue:  # its send was lost with a process (or waits behind many)
                to_send.append(job.id)
        elif job.due_at is not None and job.due_at < now:
            store.update(
                job.id,
                expect={"lease": job.lease},
                status=JobStatus.MAYBE_SUBMITTED,
                failure_reason=SEND_CUT_SHORT,
            )
    looks: list[NextLook] = []
    for job in store.followed_jobs(follow.key_fingerprint, JobStatus.MAYBE_SUBMITTED, *_FOLLOWED, due_before=overdue):
        if job.status is JobStatus.MAYBE_SUBMITTED and not job.task_id:
            continue  # no task id: nothing to ask about
        lease = new_lease()
        status = JobStatus.QUEUED if job.status is JobStatus.MAYBE_SUBMITTED else job.status
        if store.update(job.id, expect={"lease": job.lease}, status=status, lease=lease, due_at=now):
            if job.status is JobStatus.DOWNLOADING:
                # Its downloader died (its lease ran out): what it had written is of no use to anyone.
                for partial in leftovers(follow.results_dir / f"{job.id}.mp4"):
                    partial.unlink(missing_ok=True)
            looks.append(NextLook(job.id, lease, 0.0))
    return to_send, looks


_FOLLOWED = (JobStatus.QUEUED, JobStatus.PROCESSING, JobStatus.DOWNLOADING)
SEND_CUT_SHORT = "Motion Studio stopped while sending this job, so it may or may not have reached Novita."


def follow_due(follow: Follow, send: Callable[[Job], object]) -> int:
    """One round for a follower with no queue (a browser tab holding a key no worker has): sweep,
    `send` what was never sent, look at every job that is due. Returns how many jobs it follows."""
    to_send, _ = sweep(follow)
    for job_id in to_send:
        if (job := follow.store.get(job_id)) is not None:
            send(job)
    jobs = follow.store.followed_jobs(follow.key_fingerprint, *_FOLLOWED)
    now = now_iso()
    for job in jobs:
        if job.lease and (job.due_at is None or job.due_at <= now):
            look(follow, job.id, job.lease)
    return len(jobs)


def _later(follow: Follow, job: Job, lease: str, delay: float) -> NextLook | None:
    """Look again after `delay`, under a new lease: the look holding `lease` is done."""
    mine = new_lease()
    if follow.store.update(job.id, expect={"lease": lease}, lease=mine, due_at=now_iso(delay)) is None:
        return None
    return NextLook(job.id, mine, delay)


def _finish(follow: Follow, job: Job, lease: str, status: JobStatus, **changes: object) -> Job | None:
    return follow.store.update(
        job.id, expect={"lease": lease}, status=status, finished_at=now_iso(), lease=None, due_at=None, **changes
    )


def _link_expired(job: Job) -> bool:
    if not job.result_url_expires_at:
        return False
    return datetime.fromisoformat(job.result_url_expires_at) <= datetime.now(UTC)
