"""Money and going live, over HTTP against the simulator: a job the balance cannot pay is stopped before
any POST, a local video Novita could not fetch is refused before anything is recorded, real spend
comes from the (simulated) usage billing endpoint and adds up to what the balance lost, a job Novita
billed stays billed whatever fails after, a linked motion video is estimated like a local one, and every
estimate of one request agrees."""

from __future__ import annotations

import base64
import csv
import io
import shutil
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from streamlit.testing.v1 import AppTest

from lib import errors
from lib.batches import plan_batch
from lib.config import APP_DIR, Settings, load_settings
from lib.errors import NoPublicLink
from lib.files.storage import storage_for
from lib.history.export import history_csv
from lib.history.gallery import can_rerun, set_up_rerun
from lib.jobs import Job, JobRequest, JobStatus, JobStore, PreparedInputs, submit_job
from lib.jobs.following import Follow, follow_due
from lib.jobs.models import now_iso
from lib.money import job_estimate, next_steps, spend_rows
from lib.novita import NovitaClient, Orientation
from lib.novita.billing import spend_by_day
from lib.novita.rules import KLING_V26_PRO
from lib.pairs.drafts import take_paths
from lib.simulator import SimulatorControl
from lib.simulator.billing import Charge, Ledger
from lib.uploads import fetch_link
from lib.worker import queue_job
from lib.worker.queue import queue_for
from tests.conftest import FAST_POLLING, TEST_API_KEY
from tests.jobs_support import a_job

LOW_BALANCE_SAID = "This job would cost about $1.40 and your Novita balance is $0.50: top up, then generate again."


@pytest.fixture
def live(sim, hosting, monkeypatch) -> Settings:
    """Live settings against the simulator: a key, its address, a public address that serves the
    static folder, and a price that makes the 3.5 s sample cost $1.40."""
    monkeypatch.setenv("NOVITA_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("NOVITA_BASE_URL", sim.url)
    monkeypatch.setenv("PUBLIC_BASE_URL", hosting.base_url)
    monkeypatch.setenv("PRICE_PER_SECOND", "0.40")
    return load_settings(secrets={})


def send_now(settings: Settings, job_id: str) -> None:
    """The worker's send task, run here and now as a worker thread would run it."""
    queue_for(settings).tasks.send.call_local(job_id, None)


# A low balance stops a job before it is sent ------------------------------------------------------


def test_the_worker_stops_a_job_the_balance_cannot_pay_before_any_post(
    live, control, character_png, motion_mp4
) -> None:
    control.configure(balance_usd=0.50)
    job = queue_job(JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="too dear"), live)
    send_now(live, job.id)

    stopped = JobStore(live.db_path).get(job.id)
    assert stopped.status is JobStatus.FAILED and stopped.finished_at
    assert stopped.failure_reason == LOW_BALANCE_SAID
    assert control.request_count("balance") == 1
    assert control.request_count("submit") == 0 and control.task_count() == 0


def test_the_worker_sends_a_job_the_balance_covers(live, control, character_png, motion_mp4) -> None:
    control.configure(balance_usd=1.50)
    job = queue_job(JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="affordable"), live)
    send_now(live, job.id)

    assert JobStore(live.db_path).get(job.id).status is JobStatus.QUEUED
    assert control.request_count("submit") == 1


def prepare(settings: Settings, character: Path, motion: Path, link: str | None = None) -> PreparedInputs:
    return JobStore(settings.db_path).save_prepared(
        PreparedInputs("pair-1", str(character), str(motion), "image", now_iso(), link)
    )


def generate_page() -> AppTest:
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page("pages/2_Generate.py")
    app.query_params["pair"] = "pair-1"  # as Upload's link names the pair it prepared
    app.run()
    assert not app.exception, app.exception
    return app


def test_generate_stops_a_job_the_balance_cannot_pay_before_recording_it(
    live, control, character_png, motion_mp4
) -> None:
    control.configure(balance_usd=0.50)
    prepare(live, character_png, motion_mp4)
    app = generate_page()
    app.button(key="generate").click().run()

    assert [e.value for e in app.error] == [LOW_BALANCE_SAID]
    assert JobStore(live.db_path).count() == 0
    assert control.request_count("submit") == 0


# The missing link, caught before anything is recorded ---------------------------------------------


def test_queue_job_says_what_to_set_and_records_nothing_when_novita_could_not_fetch_the_video(
    sim, monkeypatch, character_png, motion_mp4
) -> None:
    monkeypatch.setenv("NOVITA_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("NOVITA_BASE_URL", sim.url)
    settings = load_settings(secrets={})
    request = JobRequest(character_png, motion_mp4, Orientation.IMAGE)

    with pytest.raises(NoPublicLink) as refused:
        queue_job(request, settings)
    assert isinstance(refused.value, errors.HostingError)
    said = str(refused.value)
    assert "PUBLIC_BASE_URL" in said and "S3_BUCKET" in said and "Nothing was recorded" in said
    assert JobStore(settings.db_path).count() == 0

    # The same request with an address the session gave is recorded.
    assert queue_job(request, settings, public_base_url="https://studio.example.com").status is JobStatus.SUBMITTING
    assert JobStore(settings.db_path).count() == 1


def test_generate_says_what_to_set_once_and_records_nothing(sim, monkeypatch, character_png, motion_mp4) -> None:
    monkeypatch.setenv("NOVITA_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("NOVITA_BASE_URL", sim.url)
    settings = load_settings(secrets={})
    prepare(settings, character_png, motion_mp4)
    app = generate_page()

    shown = [e.value for e in app.error]
    assert len(shown) == 1 and "Set PUBLIC_BASE_URL" in shown[0], shown
    assert app.button(key="generate").disabled
    assert JobStore(settings.db_path).count() == 0


# Real spend, from the usage billing endpoint --------------------------------------------------------


def submit_one(client: NovitaClient, hosting, character_png: Path, motion_mp4: Path) -> str:
    image = base64.b64encode(character_png.read_bytes()).decode()
    return client.submit(image, hosting.url_for(motion_mp4), "image", prompt="billed")


def test_the_bills_add_up_to_what_the_balance_lost_per_day_and_model(
    sim, control, client, hosting, character_png, motion_mp4
) -> None:
    control.configure(balance_usd=10.0, price_per_second=0.40)
    submit_one(client, hosting, character_png, motion_mp4)
    submit_one(client, hosting, character_png, motion_mp4)
    lost = 10.0 - client.balance()
    assert lost == pytest.approx(2 * 3.5 * 0.40, abs=0.01)

    # Yesterday, another model: written in the simulator's own ledger, as its submit would have.
    yesterday = time.time() - 86400
    Ledger(sim.simulator.state_dir).charge(Charge("0" * 32, yesterday, "kling-v3.0-motion-control", 0.75))

    bills = client.bills(since=time.time() - 3 * 86400)
    assert all(bill.category == "gen_api" for bill in bills)
    today, before = spend_by_day(bills)
    assert today.day == datetime.now(UTC).date() and before.day == datetime.fromtimestamp(yesterday, UTC).date()
    assert today.usd == pytest.approx(lost, abs=0.0002)
    assert today.by_model == {"kling-v2.6-pro-motion-control": pytest.approx(lost, abs=0.0002)}
    assert before.usd == pytest.approx(0.75) and before.by_model == {"kling-v3.0-motion-control": 0.75}

    # The period asked for is kept to: from an hour ago, yesterday's charge is left out.
    assert [spend.day for spend in spend_by_day(client.bills(since=time.time() - 3600))] == [today.day]
    assert control.request_count("bills") == 2


def test_the_bill_list_answers_as_novita_documents_it(sim, client) -> None:
    answer = requests.get(
        f"{sim.url}/openapi/v1/billing/bill/list",
        params={"cycleType": "Day"},
        headers={"Authorization": f"Bearer {TEST_API_KEY}"},
        timeout=5,
    )
    assert answer.status_code == 400 and answer.json()["reason"] == "INVALID_REQUEST_BODY"
    nobody = requests.get(f"{sim.url}/openapi/v1/billing/bill/list?cycleType=Day&productCategory=gen_api", timeout=5)
    assert nobody.status_code == 401
    assert client.bills(since=time.time() - 86400) == []


def test_history_shows_real_spend_beside_the_estimate(live, control, character_png, motion_mp4) -> None:
    control.configure(balance_usd=10.0, price_per_second=0.40)
    job = queue_job(JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="billed"), live)
    send_now(live, job.id)
    assert JobStore(live.db_path).get(job.id).task_id

    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page("pages/3_History.py")
    app.session_state["spending_open"] = True  # Spending is worked out only while its panel is open
    app.run()
    assert not app.exception, app.exception
    said = " ".join(caption.value for caption in app.caption)
    assert "jobs made here with this API key" in said and "billed the whole account" in said
    [table] = app.dataframe
    rows = table.value.to_dict("records")
    assert rows == [
        {
            "Day": datetime.now(UTC).date().isoformat(),
            "Estimated (this key, here)": "$1.40",
            "Billed by Novita (whole account)": "$1.40",
            "Billed per model (whole account)": "kling-v2.6-pro-motion-control: $1.40",
        }
    ]


# A job Novita billed says so, whatever happened after --------------------------------------------


def follow_to_the_end(follow: Follow, job_id: str, timeout: float = 30.0) -> Job:
    deadline = time.monotonic() + timeout
    while not (job := follow.store.get(job_id)).status.final:
        assert time.monotonic() < deadline, f"the job never ended: {job}"
        follow_due(follow, lambda job: pytest.fail(f"job {job.id} was sent again"))
        time.sleep(0.05)
    return job


def show_outcome(job) -> None:  # no annotation: AppTest runs this source without the imports
    from ui.common import job_outcome

    job_outcome(job)


@pytest.mark.parametrize(
    ("fault", "route"),
    [("malformed", "download"), ("no_video", "submit")],
    ids=["the download fails our checks", "succeeded with no video"],
)
def test_a_job_novita_billed_stays_billed_and_says_so_when_our_side_fails(
    store, client, hosting, control, follow_for, settings, character_png, motion_mp4, fault, route
) -> None:
    control.fault(fault, match=route)
    job = submit_job(
        JobRequest(character_png, motion_mp4, Orientation.IMAGE), store=store, client=client, hosting=hosting
    )
    done = follow_to_the_end(follow_for(store, replace(FAST_POLLING, empty_success_grace=0.3)), job.id)

    assert done.status is JobStatus.FAILED and done.billed
    said = f"{done.failure_reason} {next_steps(done)}"
    assert "charged for it" in said and "not charged" not in said and "Run the job again" not in said
    assert "Generating it again is paid again" in next_steps(done)
    shown = AppTest.from_function(show_outcome, args=(done,)).run(timeout=30)
    assert not shown.exception, shown.exception
    page_says = " ".join(element.value for element in [*shown.error, *shown.markdown])
    assert "Novita charged for this job" in page_says and "not charged" not in page_says
    (row,) = spend_rows([done], settings.price_for, None)
    assert row.estimated_usd == job_estimate(done, settings.price_for).usd == pytest.approx(0.49)


def test_a_failure_novita_did_not_bill_still_says_it_is_not_charged(
    store, client, hosting, control, follow_for, settings, character_png, motion_mp4
) -> None:
    control.fault("fail_task", match="submit", message="simulated")
    job = submit_job(
        JobRequest(character_png, motion_mp4, Orientation.IMAGE), store=store, client=client, hosting=hosting
    )
    done = follow_to_the_end(follow_for(store), job.id)

    assert done.status is JobStatus.FAILED and not done.billed
    assert "not charged" in next_steps(done)
    assert spend_rows([done], settings.price_for, None) == []


# A linked motion video is a full citizen ----------------------------------------------------------


@pytest.fixture
def link(live, hosting, motion_mp4) -> str:
    """The motion video behind a link, served over HTTP from this machine (allowed, as ALLOW_PRIVATE_URLS)."""
    live.static_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(motion_mp4, live.static_dir / "dance.mp4")
    return f"{hosting.base_url}/app/static/dance.mp4"


@pytest.fixture
def live_with_links(live, monkeypatch) -> Settings:
    monkeypatch.setenv("ALLOW_PRIVATE_URLS", "1")
    return load_settings(secrets={})


def linked_pair(settings: Settings, character: Path, link: str) -> PreparedInputs:
    """The pair Upload prepares from a pasted link: the downloaded copy, and the link to send."""
    return prepare(settings, character, fetch_link(link, settings.inputs_dir, allow_private=True), link)


def test_a_job_with_a_linked_motion_video_is_estimated_numbered_and_checked_against_the_balance(
    live_with_links, control, link, character_png
) -> None:
    settings, store = live_with_links, JobStore(live_with_links.db_path)
    control.configure(balance_usd=0.50)
    pair = linked_pair(settings, character_png, link)
    job = queue_job(JobRequest(character_png, link, Orientation.IMAGE, prompt="linked"), settings)

    assert job.output_seconds == pytest.approx(3.5, abs=0.1)
    assert job_estimate(job, settings.price_for).usd == pytest.approx(1.40)
    (row,) = csv.DictReader(io.StringIO(history_csv([job], settings.price_for).decode()))
    assert row["Estimated cost (USD)"] == "1.40"
    assert [take.id for take in store.takes(*take_paths(pair, settings.inputs_dir, storage_for(settings)))] == [job.id]
    assert store.take_numbers([job.id]) == {job.id: 1}
    assert (
        can_rerun(job, storage_for(settings))
        and store.prepared(set_up_rerun(store, job, storage_for(settings)).prepared_id).video_url == link
    )

    send_now(settings, job.id)
    stopped = store.get(job.id)
    assert control.request_count("balance") == 1
    assert stopped.status is JobStatus.FAILED and stopped.failure_reason == LOW_BALANCE_SAID
    assert control.request_count("submit") == 0


def test_a_job_with_a_linked_motion_video_is_sent_with_the_link_as_given(
    live_with_links, control, link, character_png
) -> None:
    control.configure(balance_usd=10.0)
    job = queue_job(JobRequest(character_png, link, Orientation.IMAGE, prompt="linked"), live_with_links)
    send_now(live_with_links, job.id)

    assert JobStore(live_with_links.db_path).get(job.id).status is JobStatus.QUEUED
    (sent,) = [entry for entry in control.state()["requests"] if entry["route"] == "submit"]
    assert sent["body"]["video"] == link


# Every estimate of one request agrees ---------------------------------------------------------------


def test_every_estimate_of_one_request_agrees(live_with_links, control, link, character_png) -> None:
    """Generate's cost line, a batch's cell, the recorded job (History), the CSV, Spending and the balance
    check, for one request: a character and a linked motion video of 3.5 s at $0.40 a second."""
    settings, store = live_with_links, JobStore(live_with_links.db_path)
    pair = linked_pair(settings, character_png, link)
    request = JobRequest(character_png, link, Orientation.IMAGE, prompt="agree")
    estimates: dict[str, str] = {}

    estimates["Generate"] = generate_page().metric[0].value
    plan = plan_batch(
        [character_png], [pair.video_path], Orientation.IMAGE, KLING_V26_PRO, settings.price_for(KLING_V26_PRO)
    )
    estimates["plan_batch"] = f"${plan.cells[0].cost:.2f}"
    control.configure(balance_usd=1.39)
    refused = queue_job(request, settings)
    estimates["History"] = f"${job_estimate(refused, settings.price_for).usd:.2f}"
    send_now(settings, refused.id)
    estimates["balance check"] = (store.get(refused.id).failure_reason or "").split(" and ")[0][-5:]
    control.configure(balance_usd=10.0)
    sent = queue_job(request, settings)
    send_now(settings, sent.id)
    (row,) = spend_rows([store.get(sent.id)], settings.price_for, None)
    estimates["Spending"] = f"${row.estimated_usd:.2f}"
    (line,) = csv.DictReader(io.StringIO(history_csv([store.get(sent.id)], settings.price_for).decode()))
    estimates["CSV"] = f"${line['Estimated cost (USD)']}"

    assert estimates == dict.fromkeys(estimates, "$1.40")


def test_the_live_balance_is_read_once_for_many_reruns(sim, monkeypatch) -> None:
    monkeypatch.setenv("NOVITA_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("NOVITA_BASE_URL", sim.url)
    control = SimulatorControl(sim.url)
    control.configure(balance_usd=42.5)

    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=30).run()
    for _ in range(3):
        app.run()
    another_session = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=30).run()

    for shown in (app, another_session):
        assert not shown.exception, shown.exception
        assert any("Live on Novita" in s.value and "42.50 USD" in s.value for s in shown.success)
    assert control.request_count("balance") == 1


def test_spending_reads_only_this_keys_jobs_of_the_days_it_shows(store) -> None:
    """Spending read every job of every key and day, which over 100,000 jobs is most of a page's time."""
    month_ago = "2026-11-01T00:00:00.000+00:00"
    mine = store.add(a_job("a", key_fingerprint="mine", task_id="t-1", created_at="2026-11-20T00:00:00.000+00:00"))
    sent_late = store.add(
        a_job("b", key_fingerprint="mine", created_at="2026-10-30T23:00:00.000+00:00", submitted_at="2026-11-02")
    )
    store.add(a_job("c", key_fingerprint="mine", created_at="2026-10-01T00:00:00.000+00:00"))
    store.add(a_job("d", key_fingerprint="another key", created_at="2026-11-21T00:00:00.000+00:00"))
    assert {job.id for job in store.made_with_key_since("mine", month_ago)} == {mine.id, sent_late.id}
