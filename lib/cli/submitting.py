"""`submit`: the same rules as the Upload and Generate pages, then the job goes on the worker's queue.

Nothing is recorded until every input passes: a refused file, link or prompt costs nothing and
leaves no job behind. A link to the motion video is sent to the service as the link itself, as
Upload does; a link to the character image is downloaded and sent as a file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from lib.cli.files import local_file
from lib.cli.output import OK, REFUSED, STOPPED, JobView, Out, ProblemView, Refused
from lib.config import Settings
from lib.files.links import is_url
from lib.jobs.models import Job, JobStatus
from lib.jobs.store import JobStore
from lib.jobs.submit import JobRequest
from lib.media import check_image, check_prompts, check_video
from lib.novita.rules import Orientation, model_for
from lib.uploads import fetch_link
from lib.worker import START_COMMAND, followers, live_workers, sending
from lib.worker.heartbeat import WAITING_FOR_KEY

NO_WORKER = f"No worker is running: start it with {START_COMMAND}. The job waits in the queue until one runs."
# The store is a local file: a look costs a millisecond, so --wait can afford to look often.
LOOK_SECONDS = 0.25


def submit(args: argparse.Namespace, out: Out, settings: Settings) -> int:
    """Check both inputs and the prompts, queue the job, and with --wait follow it to its end."""
    keep_sound = not args.no_sound
    prompt, negative_prompt = (args.prompt or "").strip(), (args.negative_prompt or "").strip()
    image = _input_file(args.image, settings)
    video = _input_file(args.video, settings)
    model = model_for(args.model)
    image_report = check_image(image, model)
    video_report = check_video(video, args.orientation, keep_original_sound=keep_sound, model=model)
    problems = image_report.problems + video_report.problems + check_prompts(prompt, negative_prompt, model).problems
    if problems:
        raise Refused(
            f"Nothing was submitted: {'a rule is' if len(problems) == 1 else f'{len(problems)} rules are'} broken. "
            "python -m lib.cli fix FILE --out DIR makes a file that passes.",
            [ProblemView.of(problem) for problem in problems],
        )
    for warning in video_report.warnings:
        out.note(f"Note: {warning}")
    request = JobRequest(
        image=image,
        video=args.video.strip() if is_url(args.video.strip()) else video,
        character_orientation=Orientation(args.orientation),
        prompt=prompt,
        negative_prompt=negative_prompt,
        keep_original_sound=keep_sound,
        model=model,
    )
    job = sending.submit(request, settings, public_base_url=settings.public_base_url)
    if not live_workers(settings):
        out.note(NO_WORKER)
    if not args.wait:
        out.answer(JobView.of(job))
        return OK
    try:
        job, stalled = follow(job.id, out, settings, args.wait_for_worker)
    except KeyboardInterrupt:
        out.note(f"Stopped waiting. The job goes on: python -m lib.cli show {job.id} shows how it stands.")
        return STOPPED
    out.answer(JobView.of(job))
    if stalled:
        out.note(
            f"No worker has run for {args.wait_for_worker:g} s, so the job is still {job.status.label.lower()} "
            f"({job.status.value}) and stays in the queue. Start one with {START_COMMAND}, then follow the job "
            f"with python -m lib.cli show {job.id}."
        )
        return REFUSED
    if job.status is JobStatus.SUCCEEDED:
        return OK
    if job.status is JobStatus.MAYBE_SUBMITTED:
        out.note(
            f"{job.failure_reason or job.status.label} Check your Novita account, then settle it with "
            f"python -m lib.cli resolve {job.id} --not-sent (to send it again) or --task-id TASK_ID."
        )
    else:
        out.note(f"The job did not succeed: {(job.failure_reason or job.status.label.lower()).rstrip('.')}.")
    return REFUSED


def follow(job_id: str, out: Out, settings: Settings, wait_for_worker: float) -> tuple[Job, bool]:
    """Watch the job in the store until it ends: (the job, whether no worker ran for `wait_for_worker` s).

    A job that cannot move by itself ends the wait as well: one that may or may not have reached the
    service and has no task id (only a person can tell, with `resolve`), and one made with a key no
    worker or tab holds any more (it waits for that key, which may never come back).
    """
    store = JobStore(settings.database)
    worker_seen = time.monotonic()
    shown = ""
    while True:
        job = store.get(job_id)
        if job is None:
            raise Refused(f"Job {job_id} was deleted while waiting for it.")
        if not followers(settings).can_move(job):
            out.done()
            if not job.status.final and job.status is not JobStatus.MAYBE_SUBMITTED:
                out.note(
                    f"{WAITING_FOR_KEY}: job {job.id} is still {job.status.label.lower()} ({job.status.value}), "
                    "and no worker or browser tab holds the API key it was made with. It carries on when a worker "
                    "or tab with that key runs again."
                )
            return job, False
        if job_progress(job) != shown:
            shown = job_progress(job)
            out.progress(shown)
        if live_workers(settings):
            worker_seen = time.monotonic()
        elif time.monotonic() - worker_seen > wait_for_worker:
            out.done()
            return job, True
        time.sleep(LOOK_SECONDS)


def job_progress(job: Job) -> str:
    """'Generating… 40%', or the status alone where a percentage means nothing."""
    if job.status is JobStatus.PROCESSING:
        return f"{job.status.label}… {job.progress_percent}%"
    return f"{job.status.label}…"


def _input_file(given: str, settings: Settings) -> Path:
    """A local file as it is, or a link downloaded into the data folder (as the Upload page does)."""
    given = given.strip()
    if is_url(given):
        return fetch_link(given, settings.inputs_dir, allow_private=settings.allow_private_urls)
    return local_file(given)
