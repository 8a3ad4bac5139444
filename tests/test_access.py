"""APP_PASSWORD: every page asks first; wrong tries are limited per client and overall, and nobody waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from lib import access
from lib.access import SignInLimits, password_matches
from lib.config import APP_DIR
from lib.errors import TooManySignIns

PAGES = ["app.py", "pages/1_Upload.py", "pages/2_Generate.py", "pages/3_History.py"]


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("APP_PASSWORD", "correct horse battery staple")
    monkeypatch.setattr(access, "_limits", SignInLimits())  # each test starts with no wrong tries counted


@pytest.mark.parametrize("page", PAGES)
def test_every_page_asks_for_the_password_first(page) -> None:
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=30)
    if page != "app.py":
        app.switch_page(page)
    app.run()
    assert not app.exception
    assert [t.label for t in app.text_input] == ["Team password"]
    assert not app.file_uploader and not app.get("page_link") and len(app.button) == 1


def test_the_right_password_opens_the_app_and_a_wrong_one_does_not() -> None:
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=30).run()
    app.text_input[0].set_value("guess")
    app.button[0].click().run()
    assert any("not right" in e.value for e in app.error)
    assert "signed_in" not in app.session_state
    app.text_input[0].set_value("correct horse battery staple")
    app.button[0].click().run()
    assert not app.exception and app.session_state["signed_in"]
    # Then a name, once per browser: attribution on a shared password, said to be not verified.
    assert [t.label for t in app.text_input] == ["Your name"]
    assert any("attribution, not security" in c.value for c in app.caption)
    app.text_input[0].set_value("Ana Lee")
    app.button[0].click().run()
    assert not app.exception
    assert app.session_state["person"] == "name:Ana Lee" and any("Demo mode" in i.value for i in app.info)
    assert any("Ana Lee (not verified)" in c.value for c in app.sidebar.caption)


def all_at_once(tries: list[Callable[[], bool]]) -> tuple[list[bool], list[TooManySignIns]]:
    """Run every try on its own thread, released together: the answers, and the refusals."""
    answers: list[bool] = []
    refusals: list[TooManySignIns] = []
    start = threading.Barrier(len(tries))

    def one(attempt: Callable[[], bool]) -> None:
        start.wait()
        try:
            answers.append(attempt())
        except TooManySignIns as refused:
            refusals.append(refused)

    threads = [threading.Thread(target=one, args=(attempt,)) for attempt in tries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, refusals


def test_parallel_wrong_tries_from_one_client_are_capped_and_refused_plainly() -> None:
    limits = SignInLimits(per_client=5, overall=100)
    guess = [lambda: password_matches("wrong", "right", client="203.0.113.9", limits=limits)] * 50
    answers, refusals = all_at_once(guess)
    assert answers == [False] * 5 and len(refusals) == 45
    assert all(0 < refused.retry_after <= 60 for refused in refusals)
    assert str(refusals[0]).startswith("Too many wrong passwords in the last minute") and "try again in" in str(
        refusals[0]
    )


def test_many_clients_together_are_capped_overall() -> None:
    limits = SignInLimits(per_client=5, overall=20)
    guess = [lambda n=n: password_matches("wrong", "right", client=f"198.51.100.{n}", limits=limits) for n in range(40)]
    answers, refusals = all_at_once(guess)
    assert len(answers) == 20 and len(refusals) == 20


def test_a_guesser_neither_slows_nor_blocks_a_real_user() -> None:
    limits = SignInLimits(per_client=5, overall=100)
    for _ in range(5):
        assert not password_matches("wrong", "right", client="203.0.113.9", limits=limits)
    started = time.monotonic()
    assert password_matches("right", "right", client="192.0.2.1", limits=limits)
    assert time.monotonic() - started < 0.1
    # A person who mistypes four times, then types it right, starts again with five tries.
    for _ in range(4):
        assert not password_matches("typo", "right", client="192.0.2.1", limits=limits)
    assert password_matches("right", "right", client="192.0.2.1", limits=limits)
    for _ in range(5):
        assert not password_matches("typo", "right", client="192.0.2.1", limits=limits)


def test_the_limit_lasts_one_window() -> None:
    limits = SignInLimits(per_client=2, overall=100, window=0.3)
    for _ in range(2):
        password_matches("wrong", "right", client="203.0.113.9", limits=limits)
    with pytest.raises(TooManySignIns):
        password_matches("right", "right", client="203.0.113.9", limits=limits)  # refused before comparing
    time.sleep(0.35)
    assert password_matches("right", "right", client="203.0.113.9", limits=limits)


def test_the_sign_in_form_says_when_to_try_again() -> None:
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=30).run()
    for _ in range(access.PER_CLIENT):
        app.text_input[0].set_value("guess")
        app.button[0].click().run()
    app.text_input[0].set_value("correct horse battery staple")
    app.button[0].click().run()
    assert not app.exception
    assert "signed_in" not in app.session_state
    assert any("Too many wrong passwords" in e.value and "try again in" in e.value for e in app.error)
