"""Money and going live, over HTTP against the simulator: a job the balance cannot pay is stopped before
any POST, a local video Novita could not fetch is refused before anything is recorded, and real spend
comes from the (simulated) usage billing endpoint and adds up to what the balance lost."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from streamlit.testing.v1 import AppTest

from lib import errors
from lib.config import APP_DIR, Settings, load_settings
from lib.errors import NoPublicLink
from lib.jobs import JobRequest, JobStatus, JobStore, PreparedInputs
from lib.jobs.models import now_iso
from lib.novita import NovitaClient, Orientation
from lib.novita.billing import spend_by_day
from lib.simulator import SimulatorControl
from lib.simulator.billing import Charge, Ledger
from lib.worker import queue_job
from lib.worker.queue import queue_for
from tests.conftest import TEST_API_KEY

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


def prepare(settings: Settings, character: Path, motion: Path) -> None:
    JobStore(settings.db_path).save_prepared(PreparedInputs("pair-1", str(character), str(motion), "image", now_iso()))


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

    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page("pages/3_History.py").run()
    assert not app.exception, app.exception
    [table] = app.dataframe
    rows = table.value.to_dict("records")
    assert rows == [
        {
            "Day": datetime.now(UTC).date().isoformat(),
            "Estimated": "$1.40",
            "Billed by Novita": "$1.40",
            "Billed per model": "kling-v2.6-pro-motion-control: $1.40",
        }
    ]


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
