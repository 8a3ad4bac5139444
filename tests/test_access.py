"""APP_PASSWORD: every page asks first; wrong tries are refused and slowed down."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.access import BASE_DELAY, MAX_DELAY, LoginThrottle, password_matches
from lib.config import APP_DIR

PAGES = ["app.py", "pages/1_Upload.py", "pages/2_Generate.py", "pages/3_History.py"]


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("APP_PASSWORD", "correct horse battery staple")


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
    assert not app.exception
    assert app.session_state["signed_in"] and any("Demo mode" in i.value for i in app.info)


def test_failed_tries_double_the_wait_up_to_a_cap() -> None:
    throttle, waits = LoginThrottle(), []
    for _ in range(6):
        assert not password_matches("wrong", "right", throttle, sleep=waits.append)
    assert waits == [0.0, BASE_DELAY, BASE_DELAY * 2, BASE_DELAY * 4, BASE_DELAY * 8, MAX_DELAY]
    assert password_matches("right", "right", throttle, sleep=waits.append)
    assert waits[-1] == MAX_DELAY and throttle.delay(0) == 0.0
