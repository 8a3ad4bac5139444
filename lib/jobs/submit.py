"""Submitting a generation, exactly once.

A job is written to the store before anything is sent, so a crash, a double click or a second tab
can never create a paid job the app does not know of. The same submission asked for again (the
same submission key, or the same inputs and settings while one is in flight) returns the job that
exists. A submit whose answer never came is marked "may have been submitted" and never re-sent
silently.

    job = submit_job(JobRequest(image_path, video_path, Orientation.IMAGE, prompt="on a beach"),
                     store=store, client=client, hosting=hosting)
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from lib import errors
from lib.files.digest import content_digest
from lib.files.hosting import Hosting, keep_copy
from lib.files.links import is_url
from lib.files.storage import Storage
from lib.jobs.following import DEFAULT_TIMING
from lib.jobs.models import Job, JobStatus, new_job_id, now_iso
from lib.jobs.store import JobStore
from lib.media.probe import probe
from lib.media.thumbnails import poster_for
from lib.novita.client import NovitaClient
from lib.novita.rules import DEFAULT_MODEL, Model, Orientation, model_for
from lib.uploads import fetch_link

log = logging.getLogger(__name__)

# A linked motion video is measured while the job is recorded, often on a page's click: a file the service
# takes (at most 10 MB) comes in seconds, and a link slower than this is left for the service to fetch.
LINKED_VIDEO_SECONDS = 60.0


@dataclass(frozen=True)
class JobRequest:
    """What a creator asks for. `image` and `video` are local files or http(s) links."""

    image: Path | str
    video: Path | str
    character_orientation: Orientation
    prompt: str = ""
    negative_prompt: str = ""
    keep_original_sound: bool = True
    model: Model = DEFAULT_MODEL

    def content_hash(self) -> str:
        """Identifies the inputs, every setting and the model: equal hashes ask for the same generation."""
        parts = {
            "image": self.image if is_url(self.image) else content_digest(Path(self.image)),
            "video": self.video if is_url(self.video) else content_digest(Path(self.video)),
            "character_orientation": self.character_orientation.value,
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "keep_original_sound": self.keep_original_sound,
        }
        if self.model is not DEFAULT_MODEL:  # 2.6 Pro adds nothing, so a job in flight from before models is found
            parts["model"] = self.model.word
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Variation(JobRequest):
    """One of several takes of the same request asked for on purpose (Variations on Generate), each paid.

    Its hash carries its submission key, so the job in flight with the same settings does not absorb it;
    the key itself still makes a double click one job per variation.
    """

    key: str = ""

    def content_hash(self) -> str:
        return hashlib.sha256((super().content_hash() + self.key).encode()).hexdigest()


def record_job(
    request: JobRequest,
    *,
    store: JobStore,
    key_fingerprint: str,
    service: str = "novita",
    inputs_dir: Path | None = None,
    submission_key: str | None = None,
    allow_private_urls: bool = False,
    public_base_url: str | None = None,
    storage: Storage | None = None,
) -> tuple[Job, bool]:
    """Record the job before anything is sent: (the job, whether it is new).

    Local inputs are kept as content-addressed copies in `inputs_dir`, so the history can show and
    re-run them later. A motion video given as a link is downloaded there once too (by
    `lib.files.safe_fetch`'s rules; `allow_private_urls` is the ALLOW_PRIVATE_URLS setting), so its length,
    its cost and its takes are known like a local one's; the job is still sent with the link as given.
    `public_base_url`, the address typed on Home, is kept on the job: whoever sends it (its task, or the
    sweep after a crash) hosts the motion video there. The same submission asked for again (the same
    submission key, or the same inputs and settings while one is in flight) returns the job that exists,
    and is not new. With `storage` (a bucket), the copies go there and the job names them as it does.
    """
    image_path = video_path = None
    if not is_url(request.image):
        image_path = keep_copy(Path(request.image), inputs_dir) if inputs_dir else Path(request.image)
    if not is_url(request.video):
        video_path = keep_copy(Path(request.video), inputs_dir) if inputs_dir else Path(request.video)
    elif inputs_dir is not None:
        video_path = _linked_copy(str(request.video), inputs_dir, request.model, allow_private_urls)
    created = now_iso()
    output_seconds = None
    if video_path is not None:
        try:
            duration = probe(video_path).duration
        except errors.MediaUnreadable:
            duration = None  # the service will refuse it and say why; the job still records that
        output_seconds = request.model.billed_seconds(duration, request.character_orientation) if duration else None
    return store.add_unless_in_flight(
        Job(
            id=new_job_id(),
            submission_key=submission_key,
            content_hash=request.content_hash(),
            status=JobStatus.SUBMITTING,
            character_orientation=request.character_orientation.value,
            prompt=request.prompt,
            negative_prompt=request.negative_prompt,
            keep_original_sound=request.keep_original_sound,
            image_path=_stored(storage, image_path),
            video_path=_stored(storage, video_path),
            image_url=str(request.image) if image_path is None else None,
            video_url=str(request.video) if is_url(request.video) else None,
            video_link=str(request.video) if is_url(request.video) else None,
            poster_path=_stored(storage, poster_for(image_path)),
            output_seconds=output_seconds,
            service=service,
            key_fingerprint=key_fingerprint,
            model=request.model.word,
            public_base_url=public_base_url,
            created_at=created,
            updated_at=created,
        )
    )


def send_job(
    job: Job,
    *,
    store: JobStore,
    client: NovitaClient,
    hosting: Hosting,
    lease_seconds: float,
    storage: Storage | None = None,
) -> Job:
    """Send a recorded job to the service, once; return it as it stands after.

    Its stored inputs are read through `storage` (fetched from the bucket on a machine that lacks them).

    The job is claimed first (a lease of `lease_seconds`, longer than hosting and a submit can
    take), so a second sender finds it claimed and leaves it. On failure the job is recorded as
    failed or "may have been submitted" and the error is raised with its `job_id` set.
    """
    lease = uuid.uuid4().hex
    claimed = store.update(
        job.id, expect={"status": JobStatus.SUBMITTING, "lease": None}, lease=lease, due_at=now_iso(lease_seconds)
    )
    if claimed is None:
        return store.get(job.id) or job
    local = storage.local_path if storage is not None else Path
    try:
        source = claimed.video_link or (str(local(claimed.video_path)) if claimed.video_path else claimed.video_url)
        video_url = hosting.url_for(source or "")
        image = claimed.image_url or base64.b64encode(local(claimed.image_path or "").read_bytes()).decode()
        hosted = store.update(job.id, expect={"lease": lease}, video_url=video_url)
    except errors.MotionStudioError as error:
        raise _recorded(store, claimed, lease, error, JobStatus.FAILED) from None
    except OSError as error:
        raise _recorded(store, claimed, lease, errors.MediaUnreadable(str(error)), JobStatus.FAILED) from error
    if hosted is None:  # deleted while its video was hosted: nothing is sent, nothing paid
        return claimed
    try:
        task_id = client.submit(
            image,
            video_url,
            claimed.character_orientation,
            prompt=claimed.prompt or None,
            negative_prompt=claimed.negative_prompt or None,
            keep_original_sound=claimed.keep_original_sound,
            model=model_for(claimed.model),
        )
    except errors.UnclearAnswer as error:
        raise _recorded(store, claimed, lease, error, JobStatus.MAYBE_SUBMITTED) from None
    except errors.ServiceError as error:
        if not _may_have_created(error):
            raise _recorded(store, claimed, lease, error, JobStatus.FAILED) from None
        unclear = errors.UnclearAnswer(
            f"Novita answered HTTP {error.status}{f' {error.reason}' if error.reason else ''}",
            status=error.status,
            reason=error.reason,
            message=error.message,
        )
        raise _recorded(store, claimed, lease, unclear, JobStatus.MAYBE_SUBMITTED) from None
    except errors.NovitaError as error:
        raise _recorded(store, claimed, lease, error, JobStatus.FAILED) from None
    except Exception as error:
        # Whatever broke, the request may have left: never let it look unsent.
        unclear = errors.UnclearAnswer(type(error).__name__)
        raise _recorded(store, claimed, lease, unclear, JobStatus.MAYBE_SUBMITTED) from error
    # A sweep may have marked the job "may have been submitted" meanwhile: the task id settles it.
    sent = store.update(
        job.id,
        expect={"lease": lease},
        task_id=task_id,
        status=JobStatus.QUEUED,
        submitted_at=now_iso(),
        failure_reason=None,
        due_at=now_iso(),
    )
    return sent or store.get(job.id) or claimed


def submit_job(
    request: JobRequest,
    *,
    store: JobStore,
    client: NovitaClient,
    hosting: Hosting,
    inputs_dir: Path | None = None,
    submission_key: str | None = None,
    service: str = "novita",
    lease_seconds: float = DEFAULT_TIMING.submit_lease,
    allow_private_urls: bool = False,
) -> Job:
    """Record the job, then send it once, here and now; return the job (new, or the one already in flight).

    For a key only this caller holds (a key typed into one browser session). Jobs made with the
    deployment's own key go through the worker's queue instead (`lib.worker.queue_job`).
    """
    job, is_new = record_job(
        request,
        store=store,
        key_fingerprint=client.key_fingerprint,
        service=service,
        inputs_dir=inputs_dir,
        submission_key=submission_key,
        allow_private_urls=allow_private_urls,
    )
    if not is_new:
        return job
    return send_job(job, store=store, client=client, hosting=hosting, lease_seconds=lease_seconds)


def _stored(storage: Storage | None, path: Path | str | None) -> str | None:
    """The name a job keeps for a stored file: as it is, or the one `storage` gives it."""
    if not path:
        return None
    return storage.put(path) if storage is not None else str(path)


def _linked_copy(link: str, inputs_dir: Path, model: Model, allow_private: bool) -> Path | None:
    """A local copy of a linked motion video, or None when it cannot be had: the service then fetches
    the link itself and says what is wrong with it, and the job's cost is not known beforehand."""
    try:
        return fetch_link(
            link, inputs_dir, max_bytes=model.max_bytes, allow_private=allow_private, deadline=LINKED_VIDEO_SECONDS
        )
    except errors.LinkUnusable as error:
        log.info("the linked motion video could not be downloaded: %s", type(error).__name__)
        return None


def _may_have_created(error: errors.ServiceError) -> bool:
    """Whether a submit refused with this error may still have made a (paid) task.

    A 5xx can come from a gateway in front of the service (a 502 or 504 most of all) after the
    request went through to it, so the task may exist: the job is kept as "may have been submitted",
    never failed and sent again. The one 5xx that says otherwise is CREATE_TASK_FAILED: Novita's own
    documented answer that it did not create the task (and a failed task is not charged), so that
    job fails and may be sent again. The decision lives here, not in the error mapping, because only
    a job-creating POST can leave a paid task behind; a 5xx on a read is just retried.
    """
    return error.status is not None and error.status >= 500 and error.reason != "CREATE_TASK_FAILED"


def _recorded(
    store: JobStore, job: Job, lease: str, error: errors.MotionStudioError, status: JobStatus
) -> errors.MotionStudioError:
    """Write the failure to the job and tie the error to it, for the caller to raise."""
    finished = now_iso() if status is JobStatus.FAILED else None
    store.update(job.id, expect={"lease": lease}, status=status, failure_reason=str(error), finished_at=finished)
    error.job_id = job.id
    return error
