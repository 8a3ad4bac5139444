"""A team: who made each job, monthly caps the worker holds before any POST (a page's takes, the command
line and a batch alike), who may do what, and the audit log; against the simulator over HTTP."""

from __future__ import annotations

import getpass
import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib import errors
from lib.batches import Batches, plan_batch
from lib.cli.main import main
from lib.config import APP_DIR, Settings, load_settings
from lib.jobs import JobRequest, JobStatus, JobStore, PreparedInputs
from lib.jobs.models import now_iso
from lib.novita import Orientation
from lib.novita.rules import DEFAULT_MODEL
from lib.team.audit import Audit, audit_csv
from lib.team.budgets import Budgets
from lib.team.people import command_line_person, given_name, is_admin, let_in, may_manage, shown
from lib.worker import queue_batch
from lib.worker.queue import queue_for
from lib.worker.sending import submit
from lib.worker.takes import send_takes
from tests.conftest import TEST_API_KEY
from tests.fixtures_media import MediaShelf

ANA, BEN = "ana@studio.test", "ben@studio.test"


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request, sim, hosting, monkeypatch) -> Settings:
    """Live settings against the simulator, where the 3.5 s sample costs $1.40, and Boss as the admin; the
    history once in the data folder's SQLite file and once in PostgreSQL (DATABASE_URL)."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres_database")
    monkeypatch.setenv("NOVITA_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("NOVITA_BASE_URL", sim.url)
    monkeypatch.setenv("PUBLIC_BASE_URL", hosting.base_url)
    monkeypatch.setenv("PRICE_PER_SECOND", "0.40")
    monkeypatch.setenv("ADMIN_EMAILS", "boss@studio.test")
    return load_settings(secrets={})


def send_now(settings: Settings, job_id: str) -> None:
    """The worker's send task, run here and now as a worker thread would run it."""
    queue_for(settings).tasks.send.call_local(job_id, None)


def test_a_cap_stops_the_third_take_before_its_post_with_the_numbers(live, control, character_png, motion_mp4) -> None:
    control.configure(balance_usd=100.0)
    Budgets(live.database).set(ANA, 2.80, set_by="boss@studio.test")
    request = JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="three takes", made_by=ANA)
    takes = send_takes(request, 3, "press-1", live)
    assert takes.problem is None and len(takes.jobs) == 3
    for job in takes.jobs:
        send_now(live, job.id)

    store = JobStore(live.database)
    first, second, third = (store.get(job.id) for job in takes.jobs)
    assert (first.status, second.status) == (JobStatus.QUEUED, JobStatus.QUEUED)
    assert third.status is JobStatus.FAILED
    assert third.failure_reason.startswith("Over budget: $0.00 of your $2.80 left this month; this job needs $1.40."), (
        third.failure_reason
    )
    assert control.request_count("submit") == 2
    assert {first.made_by, second.made_by, third.made_by} == {ANA}
    assert [(line.who, line.action, line.usd) for line in Audit(live.database).lines()] == [
        (ANA, "job sent", 1.40),
        (ANA, "job sent", 1.40),
    ]


def test_the_team_cap_holds_another_person_too(live, control, character_png, motion_mp4) -> None:
    control.configure(balance_usd=100.0)
    Budgets(live.database).set("team", 1.40, set_by="boss@studio.test")
    ana = send_takes(JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="a", made_by=ANA), 1, "a", live)
    ben = send_takes(JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="b", made_by=BEN), 1, "b", live)
    send_now(live, ana.jobs[0].id)
    send_now(live, ben.jobs[0].id)
    refused = JobStore(live.database).get(ben.jobs[0].id)
    assert refused.status is JobStatus.FAILED
    assert refused.failure_reason.startswith("Over budget: $0.00 of the team's $1.40 left this month")
    assert control.request_count("submit") == 1


def test_a_command_line_job_over_the_cap_is_refused_by_the_worker_and_never_posted(
    live, control, character_png, motion_mp4, capsys
) -> None:
    me = f"cli:{getpass.getuser()}"
    assert main(["budget", "set", me, "1", "--json"]) == 0
    capsys.readouterr()
    args = ["submit", "--image", str(character_png), "--video", str(motion_mp4), "--orientation", "image", "--json"]
    assert main(args) == 0
    job = json.loads(capsys.readouterr().out)
    assert job["made_by"] == me and job["status"] == "submitting"
    send_now(live, job["id"])

    refused = JobStore(live.database).get(job["id"])
    assert refused.status is JobStatus.FAILED
    assert refused.failure_reason.startswith("Over budget: $1.00 of your $1.00 left this month; this job needs $1.40")
    assert control.request_count("submit") == 0 and control.task_count() == 0
    assert main(["budget", "show", "--json"]) == 0
    shown_lines = {line["person"]: line for line in json.loads(capsys.readouterr().out)}
    assert shown_lines[me] == {"person": me, "cap_usd": 1.0, "spent_usd": 0.0, "left_usd": 1.0, "jobs": 0}
    assert Audit(live.database).lines()[0].action == "budget set"


def test_a_two_by_two_batch_over_the_cap_is_refused_whole_and_records_nothing(live, media: MediaShelf) -> None:
    images = [media.image("team-ana.png", 480, 640), media.image("team-ben.png", 640, 480)]
    videos = [media.video("team-a.mp4", width=480, height=360, seconds=3.5), media.video("team-b.mp4", seconds=3.5)]
    plan = plan_batch(images, videos, Orientation.IMAGE, DEFAULT_MODEL, live.price_for(DEFAULT_MODEL))
    Budgets(live.database).set(ANA, 4.20, set_by="boss@studio.test")

    with pytest.raises(errors.OverBudget) as refused:
        queue_batch(plan, live, key="press", made_by=ANA)

    assert str(refused.value).startswith(
        f"Over budget: $4.20 of your $4.20 left this month; this batch needs ${plan.total_cost:.2f}."
    )
    assert Batches(live.database).recent() == [] and JobStore(live.database).recent() == []


def test_a_batch_records_who_asked_on_the_batch_and_on_each_cell(live, media: MediaShelf) -> None:
    plan = plan_batch(
        [media.image("team-solo.png", 480, 640)],
        [media.video("team-solo.mp4", seconds=3.5)],
        Orientation.IMAGE,
        DEFAULT_MODEL,
        live.price_for(DEFAULT_MODEL),
    )
    batch = queue_batch(plan, live, key="one", made_by=BEN)
    assert batch.made_by == BEN
    queue_for(live).tasks.batch.call_local(batch.id, None)
    (job,) = JobStore(live.database).recent()
    assert job.made_by == BEN


def test_who_is_let_in_who_is_an_admin_and_what_the_command_line_records(settings: Settings) -> None:
    team = replace(settings, allowed_domains=("studio.test",), admin_emails=("boss@elsewhere.test",))
    assert let_in("Ana@Studio.test", team) == ANA
    assert let_in("boss@elsewhere.test", team) == "boss@elsewhere.test"
    with pytest.raises(errors.NotLetIn, match="eve@gmail.com is not on this team's list"):
        let_in("eve@gmail.com", team)
    assert is_admin("boss@elsewhere.test", team) and not is_admin(ANA, team)
    assert may_manage(ANA, ANA, team) and not may_manage(BEN, ANA, team)
    assert may_manage("boss@elsewhere.test", ANA, team)
    assert shown(given_name("  Ana  Lee ")) == "Ana Lee (not verified)"
    assert command_line_person(team, os_user="ops") == "cli:ops"
    with pytest.raises(errors.AdminsOnly, match="Only an admin can let cli:ops record work as someone else"):
        command_line_person(team, ANA, os_user="ops")
    assert command_line_person(replace(team, cli_as_users=("ops",)), ANA, os_user="ops") == ANA


def test_the_audit_log_exports_as_csv(settings: Settings) -> None:
    Audit(settings.db_path).note("boss@studio.test", "budget set", "ana@studio.test to $20.00 a month", usd=20.0)
    text = audit_csv(Audit(settings.db_path).lines())
    assert text.splitlines()[0] == "when (UTC),who,action,what,usd"
    assert text.splitlines()[1].endswith(",boss@studio.test,budget set,ana@studio.test to $20.00 a month,20.00")


def test_config_reads_the_team_lists(tmp_path: Path) -> None:
    read = load_settings(
        environ={"ADMIN_EMAILS": "Boss@Studio.test, ops@studio.test", "ALLOWED_DOMAINS": "@studio.test"},
        secrets={"ALLOWED_EMAILS": ["guest@else.test"]},
    )
    assert read.admin_emails == ("boss@studio.test", "ops@studio.test")
    assert read.allowed_domains == ("studio.test",) and read.allowed_emails == ("guest@else.test",)


def test_takes_sent_at_once_by_several_worker_threads_never_pass_the_cap(
    live, control, character_png, motion_mp4
) -> None:
    control.configure(balance_usd=100.0)
    Budgets(live.database).set(ANA, 2.80, set_by="boss@studio.test")
    request = JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="all at once", made_by=ANA)
    takes = send_takes(request, 4, "press-2", live).jobs
    start = threading.Barrier(len(takes))

    def send(job_id: str) -> None:
        start.wait()
        send_now(live, job_id)

    threads = [threading.Thread(target=send, args=(job.id,)) for job in takes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended = [JobStore(live.database).get(job.id) for job in takes]
    assert [job.status for job in ended].count(JobStatus.QUEUED) == 2
    assert control.request_count("submit") == 2


def generate_page_as(person: str, settings: Settings, character: Path, motion: Path) -> AppTest:
    """Generate on a shared password, signed in and named, with a prepared pair."""
    JobStore(settings.db_path).save_prepared(PreparedInputs("pair-1", str(character), str(motion), "image", now_iso()))
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page("pages/2_Generate.py")
    app.session_state["signed_in"] = True
    app.session_state["person"] = person
    app.query_params["pair"] = "pair-1"
    app.run()
    assert not app.exception, app.exception
    return app


def test_generate_on_a_shared_password_attributes_the_take_and_warns_of_a_cap_before_recording(
    settings, monkeypatch, character_png, motion_mp4
) -> None:
    monkeypatch.setenv("APP_PASSWORD", "team password")
    ana = given_name("Ana")
    app = generate_page_as(ana, settings, character_png, motion_mp4)
    assert any("Ana (not verified)" in c.value for c in app.sidebar.caption)
    app.button(key="generate").click().run()
    (job,) = JobStore(settings.db_path).recent()
    assert job.made_by == ana
    assert any("Ana (not verified)" in c.value for c in app.caption)  # whose take it is, in the takes list

    Budgets(settings.db_path).set(ana, 0.5, set_by=None)
    app.text_area(key="prompt").set_value("another take").run()
    app.button(key="generate").click().run()
    # The first take waits to be sent, so it holds its $0.49 of the cap.
    said = "Over budget: $0.01 of your $0.50 left this month; this job needs $0.49."
    assert any(e.value.startswith(said) for e in app.error), [e.value for e in app.error]
    assert JobStore(settings.db_path).count() == 1


def team_page_as(person: str) -> AppTest:
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page("pages/7_Team.py")
    app.session_state["signed_in"] = True
    app.session_state["person"] = person
    app.run()
    assert not app.exception, app.exception
    return app


def test_the_team_page_shows_everyone_to_an_admin_and_a_member_only_their_own(settings, monkeypatch) -> None:
    monkeypatch.setenv("APP_PASSWORD", "team password")
    monkeypatch.setenv("ADMIN_EMAILS", "boss@studio.test")
    Budgets(settings.db_path).set(ANA, 20.0, set_by="boss@studio.test")
    Budgets(settings.db_path).set(BEN, 5.0, set_by="boss@studio.test")

    member = team_page_as(ANA)
    (mine,) = member.dataframe
    assert list(mine.value["Who"]) == [ANA] and list(mine.value["Monthly cap"]) == ["$20.00"]
    assert any("Only an admin can see everyone" in c.value and "boss@studio.test" in c.value for c in member.caption)

    admin = team_page_as("boss@studio.test")
    assert list(admin.dataframe[0].value["Who"]) == [ANA, BEN, "Everyone together"]
    admin.text_input(key="cap_person").set_value("team")
    admin.number_input(key="cap_dollars").set_value(100.0)
    next(b for b in admin.button if b.label == "Set cap").click().run()
    assert Budgets(settings.db_path).caps()["team"] == 100.0
    (line,) = Audit(settings.db_path).lines()
    assert (line.who, line.action, line.what) == ("boss@studio.test", "budget set", "team to $100.00 a month")
    assert list(admin.dataframe[-1].value["What"]) == ["budget set"]


def test_a_key_typed_into_a_tab_is_held_by_the_cap_too(live, control, hosting, character_png, motion_mp4) -> None:
    Budgets(live.database).set(ANA, 1.0, set_by="boss@studio.test")
    request = JobRequest(character_png, motion_mp4, Orientation.IMAGE, prompt="from a tab", made_by=ANA)
    job = submit(request, live, session_key=TEST_API_KEY, hosting=hosting)
    assert job.status is JobStatus.FAILED and job.failure_reason.startswith("Over budget: $1.00 of your $1.00")
    assert control.request_count("submit") == 0
