"""The worker's tasks on the queue: send a job, look at a job, sweep, run a fix, run a batch, make a trim
strip, write History's zip.

Tasks carry ids and leases only, never a key: the queue is on disk (or in Redis), and a key must not
be. Each task reads the job from the store and acts only if it is still as the task expects, so a
task delivered twice, or one that outlived the process that queued it, does no harm.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from huey import Huey, crontab

from lib.batches.running import BatchRunner, run_batch
from lib.batches.sweep import orphaned_batches, zip_ended_batches
from lib.config import Settings
from lib.errors import MotionStudioError
from lib.files.hosting import Hosting, hosting_for
from lib.files.storage import storage_for
from lib.history.export import export_zip
from lib.jobs.following import DEFAULT_TIMING, Follow, PollTiming, look, sweep
from lib.jobs.models import JobStatus
from lib.jobs.store import JobStore
from lib.jobs.submit import send_job
from lib.media.frame_strip import strips_dir
from lib.money.balance import fail_if_over_balance
from lib.novita.client import NovitaClient
from lib.team.audit import note_sent
from lib.team.budgets import fail_if_over_budget
from lib.uploads.fix_runs import STALE_SECONDS, FixRun, fix_runs_for, run_fix, run_strip, run_work
from lib.worker.clean_up import clean_up
from lib.worker.wiring import client_for, embedded_simulator, key_fingerprint, record, service_name

log = logging.getLogger(__name__)

POLL_TIMEOUT = (5.0, 15.0)


@dataclass(frozen=True)
class Tasks:
    """The tasks of one queue; calling one puts it on the queue (`.schedule(...)` puts it later)."""

    send: Any
    look: Any
    sweep: Any
    fix: Any
    batch: Any = None
    clean_up: Any = None
    strip: Any = None
    export: Any = None


def timing_for(settings: Settings) -> PollTiming:
    return DEFAULT_TIMING.scaled_to(settings.poll_seconds)


def follow_for(settings: Settings) -> Follow:
    """What following the jobs of these settings' key needs, in a worker or in a tab that holds the key.

    Each thread keeps one client, so its polls reuse one connection to the service.
    """
    clients = threading.local()

    def client() -> NovitaClient:
        if getattr(clients, "client", None) is None:
            clients.client = client_for(settings, timeout=POLL_TIMEOUT)
        return clients.client

    return Follow(
        JobStore(settings.database),
        client,
        settings.results_dir,
        key_fingerprint(settings),
        service_name(settings),
        timing_for(settings),
        storage_for(settings),
    )


@contextlib.contextmanager
def one_round(settings: Settings) -> Iterator[Follow]:
    """What one round of following these settings' key needs (as `follow_for`), with one client at most,
    closed when the round ends.

    For a browser tab holding a typed key: its fragment runs a round every 2 s, on whichever thread
    Streamlit gives it, and is never told when the tab closes, so a client kept between rounds would be
    closed by nobody.
    """
    made: list[NovitaClient] = []

    def client() -> NovitaClient:
        if not made:
            made.append(client_for(settings, timeout=POLL_TIMEOUT))
        return made[0]

    try:
        yield replace(follow_for(settings), client=client)
    finally:
        for each in made:
            each.close()


def register(huey: Huey, settings: Settings) -> Tasks:
    """Put the tasks on `huey`; they run in a worker with these settings (the worker's own key)."""
    timing = timing_for(settings)
    following: list[Follow] = []  # made on the first look, in the worker only: it opens the store

    def follow() -> Follow:
        if not following:
            following.append(follow_for(settings))
        return following[0]

    def later(task: Any, *args: str, delay: float) -> None:
        """Put a task straight on the schedule: `.schedule()` would queue it first, for a worker thread
        to find it not due yet and schedule it then, two transactions more on every look."""
        huey.add_schedule(task.s(*args, delay=delay))

    @huey.task(name="send_job")
    def send(job_id: str, public_base_url: str | None = None) -> None:
        """Send a recorded job; the public address kept on the job wins, so a resend by the sweep, which
        has no task arguments, hosts the motion video where the first send would have."""
        store = JobStore(settings.database)
        job = store.get(job_id)
        if job is None or job.status is not JobStatus.SUBMITTING or job.lease is not None:
            return
        try:
            with client_for(settings) as client:
                if fail_if_over_budget(job, store, settings.price_for):
                    return
                if fail_if_over_balance(job, store, client, settings.price_for):
                    return
                sent = send_job(
                    job,
                    store=store,
                    client=client,
                    hosting=worker_hosting(settings, job.public_base_url or public_base_url),
                    lease_seconds=timing.submit_lease,
                    storage=storage_for(settings),
                )
        except MotionStudioError as error:
            log.info("job %s was not sent: %s", job_id, type(error).__name__)  # its job records why
            return
        note_sent(sent, settings.database, settings.price_for)
        if sent.status is JobStatus.QUEUED and sent.lease:
            later(look_at, job_id, sent.lease, delay=timing.min_interval)

    @huey.task(name="look_at_job")
    def look_at(job_id: str, lease: str) -> None:
        following = look(follow(), job_id, lease)
        if following is not None:
            later(look_at, following.job_id, following.lease, delay=following.delay)

    @huey.task(name="sweep_jobs")
    def sweep_jobs() -> None:
        to_send, looks = sweep(follow())
        for job_id in to_send:
            send(job_id)
        for following in looks:
            look_at(following.job_id, following.lease)
        for batch_id in orphaned_batches(settings.database, timing.max_interval):
            batch(batch_id)
        zip_ended_batches(settings.database, settings.data_dir, storage_for(settings))

    @huey.task(name="run_fix")
    def fix(run_id: str) -> None:
        run_fix(fix_runs_for(settings), run_id, settings.inputs_dir / "fixed")

    @huey.task(name="run_strip")
    def strip(run_id: str) -> None:
        run_strip(fix_runs_for(settings), run_id, strips_dir(settings.data_dir))

    @huey.task(name="run_export")
    def export(run_id: str) -> None:
        def write(_run: FixRun, progress: Callable[[float], None]) -> Path:
            def moved(done: int, total: int) -> None:
                progress(done / total)

            return export_zip(
                JobStore(settings.database),
                settings.data_dir,
                moved,
                price_for=settings.price_for,
                storage=storage_for(settings),
            )

        run_work(fix_runs_for(settings), run_id, write)

    @huey.task(name="run_batch")
    def batch(batch_id: str, public_base_url: str | None = None) -> None:
        # The batch keeps the address it was sent with; a task queued before batches kept it carries it.
        run_batch(settings, batch_id, batch_runner(settings, lambda job_id, url: send(job_id, url or public_base_url)))

    @huey.periodic_task(crontab(minute="17"), name="clean_up")
    def clean_up_hourly() -> None:
        clean_up(settings)

    return Tasks(send, look_at, sweep_jobs, fix, batch, clean_up_hourly, strip, export)


def batch_runner(settings: Settings, send: Callable[[str, str | None], None]) -> BatchRunner:
    """What running a batch needs from this worker; `send(job_id, public_base_url)` queues a job's send."""
    timing = timing_for(settings)
    return BatchRunner(
        lambda request, key, public_base_url: record(
            request, settings, submission_key=key, public_base_url=public_base_url
        ),
        send,
        lease_seconds=timing.submit_lease,
        fix_stale_seconds=STALE_SECONDS * timing.min_interval / DEFAULT_TIMING.min_interval,
    )


def worker_hosting(settings: Settings, public_base_url: str | None) -> Hosting:
    """Where the worker puts a motion video for the service: S3, the app's public address, or in
    demo mode the simulator, which serves the static folder as the app does."""
    base_url = public_base_url or settings.public_base_url
    if base_url is None and settings.demo_mode:
        base_url = embedded_simulator(settings).url
    return hosting_for(replace(settings, public_base_url=base_url), None)
