"""The home page starts and says which mode it runs in (AppTest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.config import APP_DIR
from tests.conftest import TEST_API_KEY


def test_without_a_key_the_home_page_says_demo_mode() -> None:
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=30).run()
    assert not app.exception
    assert app.title[0].value.endswith("Motion Studio")
    assert any("Demo mode" in info.value for info in app.info)
    assert any("No jobs yet" in caption.value for caption in app.caption)


def test_with_a_key_the_home_page_is_live_and_shows_the_balance(sim, control, monkeypatch) -> None:
    monkeypatch.setenv("NOVITA_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("NOVITA_BASE_URL", sim.url)
    control.configure(balance_usd=42.5)
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=30).run()
    assert not app.exception
    assert any("Live on Novita" in s.value and "42.50 USD" in s.value for s in app.success)
    assert TEST_API_KEY not in str([e.value for e in [*app.markdown, *app.success, *app.info, *app.caption]])


def test_a_wrong_key_is_explained_in_plain_words(sim, control, monkeypatch) -> None:
    monkeypatch.setenv("NOVITA_API_KEY", TEST_API_KEY)
    monkeypatch.setenv("NOVITA_BASE_URL", sim.url)
    control.configure(api_key="sk_another")
    app = AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=30).run()
    assert not app.exception
    assert any("did not accept the API key" in w.value for w in app.warning)
