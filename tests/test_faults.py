"""Nothing lost under faults: for each fault the simulator can throw, every job is recorded once,
no submission is paid twice, and the user is told in plain words what happened."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from lib import errors
from lib.config import load_settings
from lib.jobs import JobRequest, JobStatus, submit_job
from lib.jobs.following import Follow
from lib.novita import NovitaClient, Orientation
from lib.worker import queue_job
from tests.conftest import FAST_POLLING, TEST_API_KEY
from tests.jobs_support import follow_until
from tests.processes import stop
from tests.worker_support import start_worker

JOBS_PER_CASE = 3
PLAIN_SENTENCES = tuple(
    kind.user_message
    for kind in (
        errors.TaskFailed,
        errors.ResultExpired,
        errors.RateLimited,
        errors.ServiceError,
        errors.UnclearAnswer,
        errors.TimedOut,
    )
)

# name -> (fault knob calls, status every job must end in)
POLLING_FAULTS = {
    "burst of 429": (
        [("status", dict(match="task-result", times=6, status=429, reason="RATE_LIMIT_EXCEEDED"))],
        JobStatus.SUCCEEDED,
    ),
    "burst of 500": (
        [("status", dict(match="task-result", times=6, status=500, reason="GET_RESULT_FAILED"))],
        JobStatus.SUCCEEDED,
    ),
    "502 and 503": (
        [
            ("status", dict(match="task-result", times=3, status=502)),
            ("status", dict(match="task-result", times=3, status=503)),
        ],
        JobStatus.SUCCEEDED,
    ),
    "held past the timeout": ([("hold", dict(match="task-result", times=2, seconds=1.5))], JobStatus.SUCCEEDED),
    "dropped connection": ([("drop", dict(match="task-result", times=4))], JobStatus.SUCCEEDED),
    "malformed JSON": ([("malformed", dict(match="task-result", times=4))], JobStatus.SUCCEEDED),
    "download fails then works": ([("status", dict(match="download", times=2, status=500))], JobStatus.SUCCEEDED),
    "task fails": (
        [("fail_task", dict(times=JOBS_PER_CASE, message="no person found in the character image"))],
        JobStatus.FAILED,
    ),
}


def requests_for(character_png, motion_mp4, case: str) -> list[JobRequest]:
    return [
        JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt=f"{case} #{i}") for i in range(JOBS_PER_CASE)
    ]


def follower(store, settings, client: NovitaClient) -> Follow:
    """The following a worker does with this key, run in the test process (a client per call, as in a worker)."""
    return Follow(
        store,
        lambda: NovitaClient(TEST_API_KEY, client.base_url, timeout=client.timeout, retry=client.retry),
        settings.results_dir,
        client.key_fingerprint,
        "novita",
        FAST_POLLING,
    )


@pytest.mark.parametrize("case", list(POLLING_FAULTS))
def test_polling_faults_lose_nothing_and_pay_once(
    case, store, client, hosting, control, settings, character_png, motion_mp4
) -> None:
    knobs, expected = POLLING_FAULTS[case]
    client.timeout = (1.0, 1.0)
    for action, options in knobs:
        control.fault(action, **options)
    jobs = [
        submit_job(r, store=store, client=client, hosting=hosting)
        for r in requests_for(character_png, motion_mp4, case)
    ]
    done = follow_until(follower(store, settings, client), [j.id for j in jobs], timeout=60)
    assert store.count() == JOBS_PER_CASE
    assert control.task_count() == JOBS_PER_CASE and control.request_count("submit") == JOBS_PER_CASE
    assert len({j.task_id for j in done}) == JOBS_PER_CASE
    for job in done:
        assert job.status is expected, (job.status, job.failure_reason)
        if expected is JobStatus.SUCCEEDED:
            assert Path(job.result_path).stat().st_size > 0
        else:
            assert job.failure_reason.startswith(errors.TaskFailed.user_message)
            assert "no person found in the character image" in job.failure_reason


def test_a_result_link_that_expires_early_is_marked_not_lost(
    store, client, hosting, control, settings, character_png, motion_mp4
) -> None:
    control.configure(url_ttl=0)
    jobs = [
        submit_job(r, store=store, client=client, hosting=hosting)
        for r in requests_for(character_png, motion_mp4, "expiry")
    ]
    done = follow_until(follower(store, settings, client), [j.id for j in jobs], timeout=60)
    assert [j.status for j in done] == [JobStatus.EXPIRED] * JOBS_PER_CASE
    assert all(j.failure_reason.startswith(errors.ResultExpired.user_message) for j in done)
    assert store.count() == control.task_count() == JOBS_PER_CASE


# name -> (fault knob, error raised, job status, tasks the service made)
SUBMIT_FAULTS = {
    "429": (
        ("status", dict(match="submit", status=429, reason="RATE_LIMIT_EXCEEDED")),
        errors.RateLimited,
        JobStatus.FAILED,
        0,
    ),
    "500": (
        ("status", dict(match="submit", status=500, reason="CREATE_TASK_FAILED")),
        errors.ServiceError,
        JobStatus.FAILED,
        0,
    ),
    "held past the timeout": (
        ("hold", dict(match="submit", seconds=1.5)),
        errors.TimedOut,
        JobStatus.MAYBE_SUBMITTED,
        1,
    ),
    "dropped connection": (("drop", dict(match="submit")), errors.UnclearAnswer, JobStatus.MAYBE_SUBMITTED, 0),
    "malformed JSON": (("malformed", dict(match="submit")), errors.UnclearAnswer, JobStatus.MAYBE_SUBMITTED, 0),
}


@pytest.mark.parametrize("case", list(SUBMIT_FAULTS))
def test_submit_faults_are_recorded_explained_and_never_resent(
    case, store, client, hosting, control, character_png, motion_mp4
) -> None:
    (action, options), kind, status, tasks = SUBMIT_FAULTS[case]
    client.submit_timeout = (1.0, 0.5)
    control.fault(action, **options)
    request = requests_for(character_png, motion_mp4, case)[0]
    with pytest.raises(kind) as caught:
        submit_job(request, store=store, client=client, hosting=hosting)
    job = store.get(caught.value.job_id)
    assert job.status is status and job.failure_reason.startswith(PLAIN_SENTENCES)
    assert "Traceback" not in job.failure_reason and TEST_API_KEY not in job.failure_reason
    again = (
        submit_job(request, store=store, client=client, hosting=hosting)
        if status is JobStatus.MAYBE_SUBMITTED
        else None
    )
    deadline = time.monotonic() + 10  # a held request finishes on the service's side
    while control.task_count() < tasks and time.monotonic() < deadline:
        time.sleep(0.05)
    assert control.request_count("submit") == 1
    assert control.task_count() == tasks
    if again is not None:
        assert again.id == job.id and store.count() == 1


def test_a_killed_worker_loses_nothing_and_a_new_one_finishes(
    store, sim, hosting, control, settings, character_png, motion_mp4, tmp_path, monkeypatch
) -> None:
    control.configure(processing_seconds=4.0)
    live = {
        "NOVITA_API_KEY": TEST_API_KEY,
        "NOVITA_BASE_URL": sim.url,
        "PUBLIC_BASE_URL": hosting.base_url,
        "MOTION_STUDIO_STATIC_DIR": str(settings.static_dir),
    }
    for name, value in live.items():
        monkeypatch.setenv(name, value)
    jobs = [queue_job(r, load_settings(secrets={})) for r in requests_for(character_png, motion_mp4, "kill")]
    first = start_worker(settings.data_dir, tmp_path / "first-worker.log", live)

    def all_sent_and_one_generating() -> bool:
        now = [store.get(j.id) for j in jobs]
        return all(j.task_id for j in now) and any(j.status is JobStatus.PROCESSING for j in now)

    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all_sent_and_one_generating():
            time.sleep(0.05)
        assert all_sent_and_one_generating(), [store.get(j.id) for j in jobs]
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert all(not store.get(j.id).status.final for j in jobs)
    with_second = time.monotonic()
    second = start_worker(settings.data_dir, tmp_path / "second-worker.log", live)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(store.get(j.id).status.final for j in jobs):
            time.sleep(0.1)
    finally:
        stop(second)
    done = [store.get(j.id) for j in jobs]
    assert [j.status for j in done] == [JobStatus.SUCCEEDED] * JOBS_PER_CASE, [j.failure_reason for j in done]
    assert all(Path(j.result_path).exists() for j in done)
    assert store.count() == control.task_count() == control.request_count("submit") == JOBS_PER_CASE
    assert not list(settings.results_dir.glob("*.part"))
    print(f"\nthe second worker finished what the first left in {time.monotonic() - with_second:.1f} s")
