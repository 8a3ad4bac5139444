"""The one way work is sent, whoever asks (Generate, History's re-run, a batch, the command line).

With the deployment's own key, a job is recorded and its send queued for a worker. With a key typed into
one browser tab (which no worker holds), it is recorded and sent from that tab, which then follows it.
Either way the job is recorded before anything leaves, under the key's fingerprint and service.

    job = submit(JobRequest(image, video, Orientation.IMAGE), settings)
    job = submit(request, settings, session_key=typed_key, hosting=tab_hosting)
"""

from __future__ import annotations

from dataclasses import replace

from lib.config import Settings
from lib.files.hosting import Hosting, hosting_for
from lib.files.storage import storage_for
from lib.jobs.models import Job
from lib.jobs.store import JobStore
from lib.jobs.submit import JobRequest, send_job
from lib.setup_check import missing_link
from lib.worker.queue import queue_for
from lib.worker.tasks import timing_for
from lib.worker.wiring import client_for, record


def submit(
    request: JobRequest,
    settings: Settings,
    *,
    session_key: str | None = None,
    hosting: Hosting | None = None,
    public_base_url: str | None = None,
    submission_key: str | None = None,
) -> Job:
    """Record the job, then queue its send, or with `session_key` send it here: the job, new or in flight.

    `hosting` is where a tab puts the motion video for the service (its own static route); the queue's
    worker finds its own. `public_base_url` is where the service fetches a hosted motion video, when
    the session set one. Raises `lib.errors.NoPublicLink`, recording nothing, when live Novita
    could not fetch a local motion video (no public address, no bucket).
    """
    refusal = missing_link(settings, request.video, public_base_url)
    if refusal is not None:
        raise refusal
    if session_key:
        with_key = replace(settings, api_key=session_key)
        job, is_new = record(request, with_key, submission_key=submission_key, public_base_url=public_base_url)
        if not is_new:
            return job
        with client_for(with_key) as client:
            return send_job(
                job,
                store=JobStore(settings.database),
                client=client,
                hosting=hosting or hosting_for(with_key, None),
                lease_seconds=timing_for(settings).submit_lease,
                storage=storage_for(settings),
            )
    job, is_new = record(request, settings, submission_key=submission_key, public_base_url=public_base_url)
    if is_new:
        queue_for(settings).tasks.send(job.id, public_base_url)
    return job
