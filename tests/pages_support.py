"""What tests of pages share: a page under AppTest, reached as the sidebar reaches it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.config import APP_DIR


def at_page(page: str) -> AppTest:
    """A multipage AppTest starts at the entrypoint and switches, as the sidebar does."""
    return AppTest.from_file(str(APP_DIR / "app.py"), default_timeout=60).switch_page(page)
