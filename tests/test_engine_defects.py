"""The defects that held the engine back, each reproduced: the sweep race, deleting a job in flight,
two keys in one deployment, a client that cannot be made; and the rules that close them (a job never
goes backwards; a key typed into a tab never reaches the disk).

These call the following code the worker runs (`look`, `sweep`, `follow_due`) in the test process, to
force each interleaving exactly; tests/test_engine_processes.py runs the same with real workers.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from lib.jobs import Job, JobRequest, JobStatus, JobStore, submit_job
from lib.jobs.following import Follow, follow_due, look, sweep
from lib.jobs.models import now_iso
from lib.jobs.submit import record_job, send_job
from lib.novita import NovitaClient, Orientation
from tests.conftest import FAST_POLLING, FAST_RETRY, TEST_API_KEY

OTHER_KEY = "sk_live_a_second_team_members_key_987654321"


@pytest.fixture
def request_for(character_png, motion_mp4):
    def make(prompt: str = "") -> JobRequest:
        return JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt=prompt)

    return make


def follower(store: JobStore, sim_url: str, results: Path, key: str = TEST_API_KEY, client=None) -> Follow:
    make = client or (lambda: NovitaClient(key, sim_url, retry=FAST_RETRY))
    return Follow(store, make, results, NovitaClient(key, sim_url).key_fingerprint, "novita", FAST_POLLING)


def follow_to_end(follow: Follow, job_id: str, timeout: float = 30.0) -> Job:
    """Run looks as a worker would (each at its due time) until the job is final."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = follow.store.get(job_id)
        assert job is not None
        if job.status.final:
            return job
        if job.lease and (job.due_at is None or job.due_at <= now_iso()):
            look(follow, job_id, job.lease)
        time.sleep(0.05)
    raise AssertionError(f"the job never finished: {follow.store.get(job_id)}")


class PausingStore(JobStore):
    """A store whose reads of SUBMITTING jobs wait for `go`: the sweep holds its read while a submit ends."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self.read = threading.Event()
        self.go = threading.Event()

    def followed_jobs(self, key_fingerprint: str, *statuses: JobStatus, due_before: str | None = None) -> list[Job]:
        jobs = super().followed_jobs(key_fingerprint, *statuses, due_before=due_before)
        if statuses == (JobStatus.SUBMITTING,):
            self.read.set()
            assert self.go.wait(10)
        return jobs


def test_a_sweep_that_read_a_slow_submit_cannot_bury_it_once_it_is_sent(
    settings, sim, client, hosting, request_for
) -> None:
    """Found in review: the sweep read SUBMITTING jobs, a submit finished, and the sweep then wrote
    maybe_submitted over a job with a task id, which was never polled again."""
    store = PausingStore(settings.db_path)
    job, _ = record_job(request_for("slow submit"), store=store, key_fingerprint=client.key_fingerprint)
    # The submit's lease is already over when the sweep reads: it looks like a process that died mid-send.
    store.update(job.id, lease="stale", due_at=now_iso(-1))
    follow = follower(store, sim.url, settings.results_dir)
    sweeping = threading.Thread(target=sweep, args=(follow,))
    sweeping.start()
    assert store.read.wait(10)
    # Meanwhile the sending process was alive after all, and its POST answers.
    sent = store.update(
        job.id,
        expect={"lease": "stale"},
        task_id="task-from-the-slow-submit",
        status=JobStatus.QUEUED,
        due_at=now_iso(),
    )
    assert sent is not None
    store.go.set()
    sweeping.join(10)
    after = store.get(job.id)
    assert after is not None
    assert after.status is JobStatus.QUEUED, "the sweep wrote over a job that had been sent"
    assert after.task_id == "task-from-the-slow-submit"


def test_a_submit_that_answers_after_the_sweep_still_records_its_task(
    settings, sim, control, hosting, request_for
) -> None:
    """The other order: the sweep marks a slow submit maybe_submitted, then the POST answers; the task id
    settles it and the job is followed to its result."""
    store = JobStore(settings.db_path)
    slow = NovitaClient(TEST_API_KEY, sim.url, retry=FAST_RETRY, submit_timeout=(2.0, 10.0))
    job, _ = record_job(request_for("answers late"), store=store, key_fingerprint=slow.key_fingerprint)
    control.fault("hold", match="submit", seconds=1.5)
    follow = follower(store, sim.url, settings.results_dir)
    sending = threading.Thread(
        target=send_job, args=(job,), kwargs={"store": store, "client": slow, "hosting": hosting, "lease_seconds": 0.3}
    )
    sending.start()
    time.sleep(0.8)  # the lease (0.3 s) has run out while the POST is held
    sweep(follow)
    assert store.get(job.id).status is JobStatus.MAYBE_SUBMITTED
    sending.join(15)
    answered = store.get(job.id)
    assert answered.status is JobStatus.QUEUED and answered.task_id
    assert follow_to_end(follow, job.id).status is JobStatus.SUCCEEDED
    assert control.request_count("submit") == 1


def test_deleting_a_job_while_its_result_downloads_is_dropped_quietly(
    settings, sim, client, control, hosting, request_for, caplog
) -> None:
    """Found in review: an update on a deleted row raised TypeError, lost in a download's Future."""
    store = JobStore(settings.db_path)
    job = submit_job(request_for("deleted in flight"), store=store, client=client, hosting=hosting)
    follow = follower(store, sim.url, settings.results_dir)
    control.fault("hold", match="download", seconds=1.5)
    outcome: list[object] = []

    def run() -> None:
        try:
            follow_to_end(follow, job.id)
        except AssertionError as gone:
            outcome.append(gone)
        except Exception as error:  # the defect: anything else escaping
            outcome.append(error)

    following = threading.Thread(target=run)
    following.start()
    deadline = time.monotonic() + 20
    while store.get(job.id).status is not JobStatus.DOWNLOADING:
        assert time.monotonic() < deadline, "the job never reached its download"
        time.sleep(0.02)
    store.delete(job.id)
    following.join(20)
    assert len(outcome) == 1 and isinstance(outcome[0], AssertionError), f"an error escaped: {outcome}"
    assert not (settings.results_dir / f"{job.id}.mp4").exists(), "the deleted job's video was kept"
    assert "Traceback" not in caplog.text
    assert store.update(job.id, status=JobStatus.SUCCEEDED) is None


def test_a_look_at_a_deleted_job_does_nothing(settings, sim, client, hosting, request_for) -> None:
    store = JobStore(settings.db_path)
    job = submit_job(request_for("gone"), store=store, client=client, hosting=hosting)
    store.delete(job.id)
    assert look(follower(store, sim.url, settings.results_dir), job.id, job.lease or "") is None


def test_a_second_key_never_fails_the_first_keys_jobs(settings, sim, hosting, request_for) -> None:
    """Found in review: a session's key polled every job of the service, got TASK_NOT_FOUND for the other
    key's tasks (Novita shows a task only to its key) and failed them for good."""
    store = JobStore(settings.db_path)
    mine = NovitaClient(TEST_API_KEY, sim.url, retry=FAST_RETRY)
    theirs = NovitaClient(OTHER_KEY, sim.url, retry=FAST_RETRY)
    my_job = submit_job(request_for("mine"), store=store, client=mine, hosting=hosting)
    their_job = submit_job(request_for("theirs"), store=store, client=theirs, hosting=hosting)
    assert my_job.key_fingerprint != their_job.key_fingerprint
    # The simulator, like Novita, does not show one key's task to another.
    with pytest.raises(Exception, match="not found"):
        mine.task_result(their_job.task_id or "")

    my_follow = follower(store, sim.url, settings.results_dir)
    to_send, looks = sweep(my_follow)
    for job in store.followed_jobs(my_follow.key_fingerprint, JobStatus.QUEUED):
        follow_to_end(my_follow, job.id)
    assert look(my_follow, their_job.id, their_job.lease or "") is None
    assert store.get(my_job.id).status is JobStatus.SUCCEEDED
    untouched = store.get(their_job.id)
    assert untouched.status is JobStatus.QUEUED and not untouched.failure_reason
    # A loaded machine may make the sweep take over this key's own job; never the other key's.
    assert to_send == [] and their_job.id not in [following.job_id for following in looks]
    # Their own follower (their browser tab) brings it home.
    assert (
        follow_to_end(follower(store, sim.url, settings.results_dir, OTHER_KEY), their_job.id).status
        is JobStatus.SUCCEEDED
    )


def test_a_client_that_cannot_be_made_does_not_stop_the_following(settings, sim, client, hosting, request_for) -> None:
    """Found in review: a poller whose client factory raised died, and stayed cached as if it ran."""
    store = JobStore(settings.db_path)
    job = submit_job(request_for("factory"), store=store, client=client, hosting=hosting)
    attempts: list[int] = []

    def flaky() -> NovitaClient:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("no network interface yet")
        return NovitaClient(TEST_API_KEY, sim.url, retry=FAST_RETRY)

    follow = follower(store, sim.url, settings.results_dir, client=flaky)
    following = look(follow, job.id, job.lease or "")
    assert following is not None, "one failed client ended the job's following"
    assert store.get(job.id).status is JobStatus.QUEUED
    assert follow_to_end(follow, job.id).status is JobStatus.SUCCEEDED
    assert len(attempts) >= 2


def test_a_job_never_goes_backwards_whatever_order_updates_come_in(
    settings, store: JobStore, client, hosting, request_for
) -> None:
    job = submit_job(request_for("order"), store=store, client=client, hosting=hosting)
    assert store.update(job.id, status=JobStatus.PROCESSING) is not None
    assert store.update(job.id, status=JobStatus.QUEUED) is None, "processing went back to queued"
    assert store.update(job.id, status=JobStatus.SUBMITTING) is None
    assert store.update(job.id, status=JobStatus.FAILED, failure_reason="x") is not None
    for later in (JobStatus.SUCCEEDED, JobStatus.PROCESSING, JobStatus.FAILED, JobStatus.DOWNLOADING):
        assert store.update(job.id, status=later) is None, f"a failed job became {later.value}"
    assert store.get(job.id).status is JobStatus.FAILED
    # Fields that are not the status still change on a finished job (a note, a favourite).
    assert store.update(job.id, note="keep", favorite=True).note == "keep"
    assert store.update(job.id, expect={"lease": "someone else's"}, note="lost") is None


def test_two_followers_with_the_same_look_poll_once(settings, sim, client, control, hosting, request_for) -> None:
    """A look delivered twice (two workers, a restart) is claimed by one; the other steps back."""
    store = JobStore(settings.db_path)
    job = submit_job(request_for("twice"), store=store, client=client, hosting=hosting)
    follow = follower(store, sim.url, settings.results_dir)
    before = control.request_count("task-result")
    first = look(follow, job.id, job.lease or "")
    second = look(follow, job.id, job.lease or "")
    assert first is not None and second is None
    assert control.request_count("task-result") == before + 1


def test_a_key_typed_into_a_tab_is_never_written_to_disk(settings, sim, hosting, request_for) -> None:
    """Such a key is held by no worker: the tab sends and follows its jobs, and the key stays in memory."""
    store = JobStore(settings.db_path)
    typed = NovitaClient(OTHER_KEY, sim.url, retry=FAST_RETRY)
    job, _ = record_job(request_for("typed key"), store=store, key_fingerprint=typed.key_fingerprint)
    store.update(job.id, created_at=now_iso(-60))  # its tab closed before sending it
    follow = follower(store, sim.url, settings.results_dir, OTHER_KEY)

    def send(unsent: Job) -> None:
        send_job(unsent, store=store, client=typed, hosting=hosting, lease_seconds=10)

    deadline = time.monotonic() + 30
    while not store.get(job.id).status.final:
        assert time.monotonic() < deadline
        follow_due(follow, send)
        time.sleep(0.1)
    assert store.get(job.id).status is JobStatus.SUCCEEDED
    for path in settings.data_dir.rglob("*"):
        if path.is_file():
            assert OTHER_KEY.encode() not in path.read_bytes(), f"the key was written to {path}"
