"""Submitting and following end to end over real HTTP: submit once, follow, download, survive faults and restarts;
and the engine's races (the sweep and a slow submit, a job deleted in flight, two keys, a job never going back).

Jobs are followed by the code a worker runs (`lib.jobs.following`), called here in the test process so
each round, and each interleaving, is seen; tests/test_faults.py and tests/test_engine_processes.py run
real worker processes and kill them.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from dataclasses import asdict, replace
from pathlib import Path

import pytest
from huey import MemoryHuey
from sqlalchemy import select

from lib import errors
from lib.config import load_settings
from lib.jobs import Job, JobStatus, JobStore, submit_job
from lib.jobs.cancelling import cancel_unsent
from lib.jobs.following import DEFAULT_TIMING, Follow, follow_due, look, sweep
from lib.jobs.models import new_job_id, now_iso
from lib.jobs.resolving import resolve_not_sent, resolve_with_task
from lib.jobs.submit import record_job, send_job
from lib.media.probe import probe
from lib.novita import NovitaClient
from lib.store import tables
from lib.store.engine import open_store
from lib.worker import followers, live_workers, queue_job
from lib.worker.heartbeat import TAB_HOST, WAITING_FOR_KEY, WorkerBeat, Workers
from lib.worker.tasks import register
from lib.worker.wiring import key_fingerprint
from tests.conftest import FAST_POLLING, FAST_RETRY, TEST_API_KEY
from tests.jobs_support import a_job, follow_until, stored_job


def test_happy_path_from_submit_to_a_playable_mp4_on_disk(
    database, store, client, hosting, settings, request_for, follow_for
) -> None:
    job = submit_job(
        request_for(prompt="a dancer on a beach"),
        store=store,
        client=client,
        hosting=hosting,
        inputs_dir=settings.inputs_dir,
    )
    assert job.status is JobStatus.QUEUED and job.task_id and job.submitted_at
    assert job.video_url.startswith(hosting.base_url + "/app/static/")
    assert Path(job.image_path).parent == settings.inputs_dir and Path(job.video_path).exists()
    assert job.prompt == "a dancer on a beach" and job.character_orientation == "image"
    assert Path(job.poster_path).exists() and job.output_seconds == pytest.approx(3.5, abs=0.1)
    assert job.key_fingerprint == client.key_fingerprint and job.lease and job.due_at
    seen = set()

    def watch(current: Job) -> None:
        seen.add(current.status)
        if current.status is JobStatus.PROCESSING:
            assert 0 < current.progress_percent < 100 and current.eta_seconds >= 0

    (done,) = follow_until(follow_for(store), [job.id], seen=watch)
    assert done.status is JobStatus.SUCCEEDED
    assert JobStatus.PROCESSING in seen
    assert done.finished_at and done.result_url and done.result_url_expires_at and done.payload_json
    assert done.remote_status == "TASK_STATUS_SUCCEED" and done.progress_percent == 100
    result = Path(done.result_path)
    assert result.parent == settings.results_dir
    assert done.poster_path != job.poster_path and Path(done.poster_path).parent == settings.results_dir / "thumbnails"
    facts = probe(result)
    assert facts.format == "mp4" and facts.has_video and facts.duration == pytest.approx(3.5, abs=0.2)
    assert not list(settings.results_dir.glob("*.part"))
    assert done.lease is None and done.due_at is None and done.polls >= 2  # nobody follows it any more


def test_the_same_submission_twice_is_one_job_and_one_task(store, client, hosting, control, request_for) -> None:
    first = submit_job(request_for(), store=store, client=client, hosting=hosting)
    again = submit_job(request_for(), store=store, client=client, hosting=hosting)
    assert again.id == first.id and control.task_count() == 1 and store.count() == 1
    other = submit_job(request_for(prompt="different"), store=store, client=client, hosting=hosting)
    assert other.id != first.id and control.task_count() == 2


def test_a_submission_key_is_honoured_even_after_the_job_ended(store, client, hosting, control, request_for) -> None:
    first = submit_job(request_for(), store=store, client=client, hosting=hosting, submission_key="click-42")
    store.update(first.id, status=JobStatus.SUCCEEDED)
    again = submit_job(request_for(), store=store, client=client, hosting=hosting, submission_key="click-42")
    assert again.id == first.id and control.task_count() == 1


def test_429_on_submit_is_rate_limited_with_no_second_task(store, client, hosting, control, request_for) -> None:
    control.fault("status", match="submit", status=429, reason="RATE_LIMIT_EXCEEDED", message="20 per minute")
    with pytest.raises(errors.RateLimited) as caught:
        submit_job(request_for(), store=store, client=client, hosting=hosting)
    job = store.get(caught.value.job_id)
    assert job.status is JobStatus.FAILED and job.failure_reason.startswith(errors.RateLimited.user_message)
    assert control.request_count("submit") == 1 and control.task_count() == 0
    retried = submit_job(request_for(), store=store, client=client, hosting=hosting)
    assert retried.status is JobStatus.QUEUED and control.task_count() == 1


def test_a_submit_timeout_is_kept_as_maybe_submitted_and_never_resent(
    store, client, hosting, control, request_for
) -> None:
    client.submit_timeout = (1.0, 0.5)
    control.fault("hold", match="submit", seconds=1.5)
    with pytest.raises(errors.TimedOut) as caught:
        submit_job(request_for(), store=store, client=client, hosting=hosting)
    job = store.get(caught.value.job_id)
    assert job.status is JobStatus.MAYBE_SUBMITTED and job.task_id is None
    assert job.failure_reason.startswith(errors.TimedOut.user_message)
    again = submit_job(request_for(), store=store, client=client, hosting=hosting)
    assert again.id == job.id and again.status is JobStatus.MAYBE_SUBMITTED
    deadline = time.monotonic() + 10  # the held request finishes on the simulator's side
    while control.task_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert control.request_count("submit") == 1 and control.task_count() == 1


def test_a_refused_input_fails_the_job_with_the_services_words(
    store, client, hosting, long_motion_mp4, request_for
) -> None:
    with pytest.raises(errors.InputRejected) as caught:
        submit_job(request_for(video=long_motion_mp4), store=store, client=client, hosting=hosting)
    job = store.get(caught.value.job_id)
    assert job.status is JobStatus.FAILED and "10" in job.failure_reason and job.finished_at


def test_no_public_address_fails_before_anything_is_sent(store, client, control, settings, request_for) -> None:
    from lib.files.hosting import VideoHosting

    with pytest.raises(errors.HostingError) as caught:
        submit_job(request_for(), store=store, client=client, hosting=VideoHosting(settings.static_dir, None))
    assert store.get(caught.value.job_id).status is JobStatus.FAILED
    assert control.request_count("submit") == 0


def test_polling_rides_out_bursts_of_429_and_500(store, client, hosting, control, request_for, follow_for) -> None:
    job = submit_job(request_for(), store=store, client=client, hosting=hosting)
    control.fault("status", match="task-result", times=3, status=429, reason="RATE_LIMIT_EXCEEDED")
    control.fault("status", match="task-result", times=3, status=500, reason="GET_RESULT_FAILED")
    control.fault("drop", match="task-result", times=2)
    control.fault("malformed", match="task-result", times=2)
    (done,) = follow_until(follow_for(store), [job.id])
    assert done.status is JobStatus.SUCCEEDED and Path(done.result_path).exists()


def test_a_failed_task_keeps_its_reason(store, client, hosting, control, request_for, follow_for) -> None:
    control.fault("fail_task", message="the character could not be found in the image")
    job = submit_job(request_for(), store=store, client=client, hosting=hosting)
    (done,) = follow_until(follow_for(store), [job.id])
    assert done.status is JobStatus.FAILED and done.finished_at
    assert "the character could not be found in the image" in done.failure_reason
    assert done.failure_reason.startswith(errors.TaskFailed.user_message)


def test_a_new_follower_finishes_jobs_an_earlier_one_left_pending(
    store, client, hosting, control, settings, request_for, follow_for
) -> None:
    control.configure(processing_seconds=2.0)  # still running when the first follower stops
    jobs = [submit_job(request_for(prompt=f"take {i}"), store=store, client=client, hosting=hosting) for i in range(2)]
    follow_until(follow_for(store), [j.id for j in jobs], lambda j: j.status is JobStatus.PROCESSING)
    assert all(store.get(j.id).status.polled for j in jobs)
    restarted_store = JobStore(settings.db_path)
    for done in follow_until(follow_for(restarted_store), [j.id for j in jobs]):
        assert done.status is JobStatus.SUCCEEDED and Path(done.result_path).exists()


def test_a_submission_orphaned_by_a_dead_process_becomes_maybe_submitted(store, follow_for) -> None:

    follow = follow_for(store)
    mine = follow.key_fingerprint
    long_ago = "2026-01-01T00:00:00.000+00:00"
    # Claimed for sending by a process that died before its lease ran out: it may have reached the service.
    orphan = store.add(a_job("orphan", key_fingerprint=mine, lease="dead", due_at=now_iso(-1), created_at=long_ago))
    sending = store.add(a_job("sending", key_fingerprint=mine, lease="alive", due_at=now_iso(60)))
    # Recorded but never claimed (its queued send was lost): it cannot have left, so it is sent.
    unsent = store.add(a_job("unsent", key_fingerprint=mine, created_at=long_ago))
    recent = store.add(a_job("recent", key_fingerprint=mine))  # its send is still on the queue
    to_send, looks = sweep(follow)
    assert to_send == [unsent.id] and looks == []
    assert store.get(orphan.id).status is JobStatus.MAYBE_SUBMITTED
    assert "may or may not" in store.get(orphan.id).failure_reason
    for job in (sending, unsent, recent):
        assert store.get(job.id).status is JobStatus.SUBMITTING


def test_a_result_link_that_expired_before_download_is_reported(
    store, client, hosting, control, request_for, follow_for
) -> None:
    job = submit_job(request_for(), store=store, client=client, hosting=hosting)
    control.expire_urls()
    (done,) = follow_until(follow_for(store), [job.id])
    assert done.status is JobStatus.EXPIRED and done.result_path is None
    assert done.failure_reason.startswith(errors.ResultExpired.user_message)


def test_an_unknown_task_fails_the_job_in_plain_words(store, follow_for) -> None:

    follow = follow_for(store)
    job = store.add(a_job(key_fingerprint=follow.key_fingerprint))
    store.update(job.id, status=JobStatus.QUEUED, task_id="not-a-task", lease="sent", due_at=now_iso())
    (done,) = follow_until(follow, [job.id])
    assert done.status is JobStatus.FAILED and done.failure_reason.startswith(errors.TaskNotFound.user_message)


def test_the_key_is_in_no_log_line_database_row_exception_or_file(
    store, client, hosting, control, settings, request_for, follow_for, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    job = submit_job(request_for(), store=store, client=client, hosting=hosting, inputs_dir=settings.inputs_dir)
    control.fault("status", match="submit", status=401, reason="INVALID_API_KEY", message="bad key")
    with pytest.raises(errors.InvalidApiKey) as caught:
        submit_job(request_for(prompt="second"), store=store, client=client, hosting=hosting)
    follow_until(follow_for(store), [job.id])
    assert TEST_API_KEY not in str(caught.value) and TEST_API_KEY not in repr(caught.value)
    assert TEST_API_KEY not in caplog.text and caplog.records
    key_bytes = TEST_API_KEY.encode()
    files = [p for p in settings.data_dir.rglob("*") if p.is_file()]
    assert settings.db_path in files
    for path in files:
        assert key_bytes not in path.read_bytes(), path


def test_poll_timing_backs_off_and_follows_the_eta() -> None:
    timing = DEFAULT_TIMING
    assert [timing.next_delay(polls, 0) for polls in (0, 1, 2, 20)] == [2.0, 3.0, 4.5, 30.0]
    assert timing.next_delay(3, 5) == 5.0 and timing.next_delay(3, 1) == 2.0  # due soon: ask when it should be done
    assert timing.next_delay(1, 21) == 7.0  # a third of the ETA while it is far off
    assert timing.next_delay(1, 450) == 150.0  # seven and a half minutes to go: a third of it
    assert timing.next_delay(20, 3600) == 180.0  # an hour to go: every three minutes, not every 15
    fast = timing.scaled_to(0.2)  # POLL_SECONDS=0.2: every interval, lease and sweep a tenth as long
    assert (fast.min_interval, fast.max_interval, fast.sweep_every) == pytest.approx((0.2, 3, 3))
    assert fast.download_lease == pytest.approx(30)
    assert fast.growth == timing.growth and fast.submit_lease == pytest.approx(timing.submit_lease / 10)


def test_it_was_not_made_fails_the_job_plainly_and_frees_the_same_generation(store) -> None:
    job = stored_job(store)
    resolved = resolve_not_sent(store, job.id)
    assert resolved.status is JobStatus.FAILED and resolved.finished_at and resolved.lease is None
    assert "not made" in (resolved.failure_reason or "").lower()
    _, created = store.add_unless_in_flight(replace(job, id=new_job_id(), status=JobStatus.SUBMITTING, lease=None))
    assert created
    with pytest.raises(errors.NotResolvable) as refused:
        resolve_not_sent(store, job.id)  # compare-and-set: only from "may have been sent"
    assert "no longer" in str(refused.value)


def test_it_was_made_follows_the_given_task_to_its_result(store, client, hosting, request_for, follow_for) -> None:
    """A person found the task on Novita's dashboard: the job follows it, and its video lands."""
    made = client.submit(
        base64.b64encode(request_for().image.read_bytes()).decode(), hosting.url_for(request_for().video), "image"
    )
    job = stored_job(store, key_fingerprint=client.key_fingerprint)
    resolved = resolve_with_task(store, job.id, f"  {made} ")
    assert (resolved.status, resolved.task_id, resolved.failure_reason) == (JobStatus.QUEUED, made, None)
    assert resolved.lease and resolved.due_at and resolved.due_at <= now_iso()
    (done,) = follow_until(follow_for(store), [job.id])
    assert done.status is JobStatus.SUCCEEDED and Path(done.result_path or "").exists()
    with pytest.raises(errors.NotResolvable):
        resolve_with_task(store, job.id, made)
    with pytest.raises(errors.NotResolvable):
        resolve_with_task(store, stored_job(store).id, "   ")


def test_a_job_of_a_key_nobody_holds_waits_for_that_key_and_cannot_move(database, settings, store) -> None:
    assert settings.database == database  # PostgreSQL's test database is DATABASE_URL before the settings load
    deployment = key_fingerprint(settings)
    workers = Workers(database)
    workers.beat(WorkerBeat.for_this_process(deployment, threads=2))
    ours = stored_job(store, status=JobStatus.PROCESSING, key_fingerprint=deployment)
    closed_tab = stored_job(store, status=JobStatus.PROCESSING, key_fingerprint="typed-key")
    unsure = stored_job(store, key_fingerprint="typed-key")
    follow = followers(settings)
    assert follow.can_move(ours) and follow.label(ours) == ours.status.label
    assert not follow.can_move(closed_tab) and follow.label(closed_tab) == WAITING_FOR_KEY
    assert not follow.can_move(unsure) and follow.label(unsure) == unsure.status.label  # a person must look
    workers.tab_holds("tab-1", "typed-key")  # the key is typed into a tab again
    assert followers(settings).can_move(closed_tab)
    long_closed = WorkerBeat(
        "tab-0", TAB_HOST, 1, "older-key", 0, "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"
    )
    with open_store(database).begin() as conn:
        conn.execute(tables.workers.insert(), asdict(long_closed))
    workers.tab_holds("tab-1", "typed-key")
    with open_store(database).connect() as conn:
        assert "tab-0" not in conn.execute(select(tables.workers.c.id)).scalars().all()
    assert [w.threads for w in live_workers(settings)] == [2]  # a tab is not counted as a worker


def test_the_sweeps_resend_keeps_the_public_address_typed_on_home(
    store, sim, hosting, request_for, monkeypatch, follow_for
) -> None:
    """The first send is lost with its process; the sweep sends the job again, to the same address."""
    monkeypatch.setenv("NOVITA_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("NOVITA_BASE_URL", sim.url)
    monkeypatch.setenv("POLL_SECONDS", "0.2")
    live = load_settings(secrets={})
    assert live.public_base_url is None
    job = queue_job(request_for(), live, public_base_url=hosting.base_url)  # its send task is never run
    store.update(job.id, created_at=now_iso(-3600))  # long enough ago for the sweep to call its send lost
    register(MemoryHuey(immediate=True), live).sweep()
    sent = store.get(job.id)
    assert sent is not None and sent.failure_reason is None and sent.status is JobStatus.QUEUED and sent.task_id
    (done,) = follow_until(follow_for(store), [job.id])
    assert done.status is JobStatus.SUCCEEDED


# The engine's races and keys, each reproduced when it was found: the sweep race, a job deleted in
# flight, two keys in one deployment, a client that cannot be made, a job never going backwards.


OTHER_KEY = "sk_live_a_second_team_members_key_987654321"


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
    database, settings, sim, client, hosting, request_for
) -> None:
    """Found in review: the sweep read SUBMITTING jobs, a submit finished, and the sweep then wrote
    maybe_submitted over a job with a task id, which was never polled again."""
    store = PausingStore(database)
    job, _ = record_job(request_for(prompt="slow submit"), store=store, key_fingerprint=client.key_fingerprint)
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
    job, _ = record_job(request_for(prompt="answers late"), store=store, key_fingerprint=slow.key_fingerprint)
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
    job = submit_job(request_for(prompt="deleted in flight"), store=store, client=client, hosting=hosting)
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
    job = submit_job(request_for(prompt="gone"), store=store, client=client, hosting=hosting)
    store.delete(job.id)
    assert look(follower(store, sim.url, settings.results_dir), job.id, job.lease or "") is None


def test_a_second_key_never_fails_the_first_keys_jobs(settings, sim, hosting, request_for) -> None:
    """Found in review: a session's key polled every job of the service, got TASK_NOT_FOUND for the other
    key's tasks (Novita shows a task only to its key) and failed them for good."""
    store = JobStore(settings.db_path)
    mine = NovitaClient(TEST_API_KEY, sim.url, retry=FAST_RETRY)
    theirs = NovitaClient(OTHER_KEY, sim.url, retry=FAST_RETRY)
    my_job = submit_job(request_for(prompt="mine"), store=store, client=mine, hosting=hosting)
    their_job = submit_job(request_for(prompt="theirs"), store=store, client=theirs, hosting=hosting)
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
    job = submit_job(request_for(prompt="factory"), store=store, client=client, hosting=hosting)
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
    job = submit_job(request_for(prompt="order"), store=store, client=client, hosting=hosting)
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


def test_two_followers_with_the_same_look_poll_once(
    database, settings, sim, client, control, hosting, request_for
) -> None:
    """A look delivered twice (two workers, a restart) is claimed by one; the other steps back."""
    store = JobStore(database)
    job = submit_job(request_for(prompt="twice"), store=store, client=client, hosting=hosting)
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
    job, _ = record_job(request_for(prompt="typed key"), store=store, key_fingerprint=typed.key_fingerprint)
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


def test_a_take_cancelled_before_its_send_is_never_posted(store, client, hosting, control, request_for) -> None:
    job, _ = record_job(request_for(), store=store, key_fingerprint="fp")
    cancelled = cancel_unsent(store, job.id)
    assert cancelled.status is JobStatus.FAILED and cancelled.failure_reason.startswith("Cancelled")
    # The worker's send comes later: it finds the job ended and posts nothing.
    send_job(job, store=store, client=client, hosting=hosting, lease_seconds=10)
    assert control.request_count("submit") == 0 and store.get(job.id).status is JobStatus.FAILED


def test_a_cancel_that_loses_the_race_to_the_send_is_refused_as_already_sent(store, request_for) -> None:
    job, _ = record_job(request_for(), store=store, key_fingerprint="fp")
    store.update(job.id, expect={"status": JobStatus.SUBMITTING, "lease": None}, lease="the-sender")
    with pytest.raises(errors.AlreadySent, match="Novita cannot stop it"):
        cancel_unsent(store, job.id)
    assert store.get(job.id).status is JobStatus.SUBMITTING
