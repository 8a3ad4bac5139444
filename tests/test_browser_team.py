"""Sign-in with a real OpenID Connect provider (oidc-provider-mock) from Chromium: two people each see their
own takes under Mine, a member cannot delete the other's job, and an address outside the list is refused."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from oidc_provider_mock import run_server_in_thread
from playwright.sync_api import Browser, Page, expect

from lib.jobs import JobStatus, JobStore
from tests.browser_support import ROOT, VIEWPORT, RunningApp, free_port, streamlit_server
from tests.jobs_support import a_job

pytestmark = pytest.mark.browser

ANA, BEN = "ana@studio.test", "ben@studio.test"


@pytest.fixture
def team_app(tmp_path: Path) -> Iterator[RunningApp]:
    """The app with `[auth]` pointing at a provider in this process, and a job each for Ana and Ben."""
    store = JobStore(tmp_path / "data" / "motion_studio.db")
    for who, prompt in ((ANA, "Ana dances on a beach"), (BEN, "Ben waves in the rain")):
        store.add(a_job(who, prompt=prompt, made_by=who, status=JobStatus.FAILED, failure_reason="a test job"))
    app_port = free_port()
    with run_server_in_thread() as provider:
        settings_dir = tmp_path / "cwd" / ".streamlit"
        settings_dir.mkdir(parents=True)
        shutil.copy(ROOT / ".streamlit" / "config.toml", settings_dir / "config.toml")
        (settings_dir / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
            'cookie_secret = "a-test-cookie-secret-long-enough-0123456789"\n'
            'client_id = "motion-studio"\n'
            'client_secret = "a-test-client-secret"\n'
            f'server_metadata_url = "http://127.0.0.1:{provider.server_port}/.well-known/openid-configuration"\n'
        )
        environment = {"ALLOWED_EMAILS": f"{ANA},{BEN}"}
        with streamlit_server(
            ROOT / "app.py",
            tmp_path / "data",
            tmp_path / "streamlit.log",
            cwd=tmp_path / "cwd",
            env=environment,
            port=app_port,
            worker=False,
        ) as app:
            yield app


def signed_in(browser: Browser, app: RunningApp, email: str) -> Page:
    """A new browser (its own cookies) signed in at the provider as `email`."""
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(app.url)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    page.locator('input[name="sub"]').fill(email)
    page.get_by_role("button", name="Authorize").click()
    return page


def test_two_people_sign_in_see_their_own_takes_and_cannot_delete_the_others(browser, team_app) -> None:
    for me, mine, theirs in ((ANA, "Ana dances", "Ben waves"), (BEN, "Ben waves", "Ana dances")):
        page = signed_in(browser, team_app, me)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text(me)).to_be_visible(timeout=30_000)
        expect(sidebar.get_by_role("button", name=re.compile("Sign out"))).to_be_visible()
        sidebar.get_by_role("link", name=re.compile(r"History$")).click()
        main = page.get_by_test_id("stMain")
        expect(main.get_by_text(theirs).first).to_be_visible(timeout=30_000)  # Everyone, at first
        main.get_by_test_id("stSelectbox").filter(has_text="Whose").click()
        page.get_by_role("option", name="Mine").click()
        expect(main.get_by_text(mine).first).to_be_visible()
        expect(main.get_by_text(theirs)).to_have_count(0)

        main.get_by_test_id("stSelectbox").filter(has_text="Whose").click()
        page.get_by_role("option", name=BEN if me == ANA else ANA).click()
        expect(main.get_by_text(theirs).first).to_be_visible()
        expect(main.get_by_text(mine)).to_have_count(0)
        card = (
            main.get_by_test_id("stVerticalBlock")
            .filter(has_text=theirs)
            .filter(has=page.get_by_role("button", name="Open", exact=True))
        )
        card.last.get_by_role("button", name="Open", exact=True).click()
        expect(main.get_by_text("Only an admin can delete other people's work")).to_be_visible(timeout=30_000)
        expect(main.get_by_role("button", name=re.compile("^Delete"))).to_have_count(0)
        sidebar.get_by_role("button", name=re.compile("Sign out")).click()
        # The app forgets the person; where the provider's own page comes up, it ends its session too.
        end_session, sign_in = (
            page.get_by_role("button", name="End session"),
            page.get_by_role("button", name=re.compile("Sign in")),
        )
        expect(end_session.or_(sign_in)).to_be_visible(timeout=30_000)
        if end_session.is_visible():
            end_session.click()
        expect(sign_in).to_be_visible(timeout=30_000)
        expect(page.get_by_role("button", name=re.compile("Sign out"))).to_have_count(0)
        page.context.close()


def test_an_address_outside_the_list_is_refused_by_name(browser, team_app) -> None:
    page = signed_in(browser, team_app, "eve@elsewhere.test")
    expect(page.get_by_text("eve@elsewhere.test is not on this team's list")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSidebar")).to_have_count(0)
    page.context.close()


def test_on_a_shared_password_a_name_is_asked_once_per_browser_and_shown_on_its_work(browser, tmp_path) -> None:
    store = JobStore(tmp_path / "data" / "motion_studio.db")
    store.add(a_job("ana", prompt="Ana dances on a beach", made_by="name:Ana", status=JobStatus.FAILED))
    environment = {"APP_PASSWORD": "team password"}
    with streamlit_server(
        ROOT / "app.py", tmp_path / "data", tmp_path / "streamlit.log", env=environment, worker=False
    ) as app:
        context = browser.new_context(viewport=VIEWPORT)
        for visit in ("first", "again"):
            page = context.new_page()
            page.goto(app.url)
            page.get_by_label("Team password").fill("team password")
            page.get_by_role("button", name="Sign in").click()
            if visit == "first":
                expect(page.get_by_text("attribution, not security")).to_be_visible(timeout=30_000)
                page.get_by_label("Your name", exact=True).fill("Ana")
                page.get_by_role("button", name="Continue").click()
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar.get_by_text("Ana (not verified)")).to_be_visible(timeout=30_000)
            # The name is kept by a script the page draws once; a person stays longer than a test does.
            page.wait_for_function("document.cookie.includes('motion_studio_name=Ana')", timeout=30_000)
            page.close()
        page = context.new_page()
        page.goto(app.url)
        page.get_by_label("Team password").fill("team password")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_test_id("stSidebar").get_by_role("link", name=re.compile(r"History$")).click()
        expect(page.get_by_test_id("stMain").get_by_text("Ana (not verified)")).to_be_visible(timeout=30_000)
        context.close()
