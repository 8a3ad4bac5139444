"""Settings: environment over secrets file, sensible defaults, the key kept out of reprs."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.config import APP_DIR, NOVITA_BASE_URL, load_settings, read_secrets
from lib.errors import SettingInvalid
from lib.files.hosting import hosting_for
from tests.pages_support import at_page


def test_defaults_mean_demo_mode_with_data_beside_the_app() -> None:
    settings = load_settings(environ={}, secrets={})
    assert settings.demo_mode and settings.api_key is None
    assert settings.data_dir == APP_DIR / "data" and settings.db_path == APP_DIR / "data" / "motion_studio.db"
    assert settings.static_dir == APP_DIR / "static" and settings.api_base_url == NOVITA_BASE_URL
    assert settings.price_per_second == pytest.approx(0.14)
    assert settings.redis_url is None and settings.queue_path == APP_DIR / "data" / "queue.db"
    assert settings.poll_seconds == 2.0 and settings.worker_threads == 4


def test_the_environment_wins_over_the_secrets_file(tmp_path: Path) -> None:
    secrets = {"NOVITA_API_KEY": "sk_from_file", "PUBLIC_BASE_URL": "https://file.example/", "PRICE_PER_SECOND": 0.12}
    settings = load_settings(
        environ={"NOVITA_API_KEY": "sk_from_env", "MOTION_STUDIO_DATA": str(tmp_path)}, secrets=secrets
    )
    assert settings.api_key == "sk_from_env" and not settings.demo_mode
    assert settings.public_base_url == "https://file.example" and settings.price_per_second == pytest.approx(0.12)
    assert settings.data_dir == tmp_path.resolve()


def test_the_key_never_shows_in_the_settings_repr() -> None:
    settings = load_settings(environ={"NOVITA_API_KEY": "sk_very_secret"}, secrets={})
    assert "sk_very_secret" not in repr(settings) and "api_key=set" in repr(settings)
    queue = load_settings(environ={"REDIS_URL": "redis://:hunter2@127.0.0.1:6379/0"}, secrets={})
    assert queue.redis_url and "hunter2" not in repr(queue) and "redis_url=set" in repr(queue)
    shared = load_settings(environ={"DATABASE_URL": "postgresql://motion:hunter3@db:5432/history"}, secrets={})
    assert shared.database == "postgresql://motion:hunter3@db:5432/history" and "hunter3" not in repr(shared)
    assert load_settings(environ={}, secrets={}).database == APP_DIR / "data" / "motion_studio.db"


def test_the_workers_settings_are_read_and_a_bad_one_is_named() -> None:
    settings = load_settings(environ={"POLL_SECONDS": "0.5", "WORKER_THREADS": "8"}, secrets={})
    assert settings.poll_seconds == 0.5 and settings.worker_threads == 8
    bad = [("POLL_SECONDS", "0"), ("POLL_SECONDS", "abc"), ("WORKER_THREADS", "64"), ("WORKER_THREADS", "2.5")]
    for name, value in [*bad, ("SIMULATOR_URL_TTL", "1.5")]:
        with pytest.raises(SettingInvalid, match=f"{name} is '{value}'"):
            load_settings(environ={name: value}, secrets={})


def test_a_broken_secrets_file_says_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    assert read_secrets(path) == {}
    path.write_text("NOVITA_API_KEY = ")
    with pytest.raises(SettingInvalid, match="secrets.toml is not valid TOML"):
        read_secrets(path)


def test_demo_mode_hosts_on_the_apps_loopback_address_and_live_mode_needs_a_public_one() -> None:
    demo = load_settings(environ={}, secrets={})
    assert hosting_for(demo, 8501).base_url == "http://127.0.0.1:8501"
    live = load_settings(environ={"NOVITA_API_KEY": "sk_x"}, secrets={})
    assert hosting_for(live, 8501).base_url is None
    deployed = load_settings(
        environ={"NOVITA_API_KEY": "sk_x", "PUBLIC_BASE_URL": "https://studio.example"}, secrets={}
    )
    assert hosting_for(deployed, 8501).base_url == "https://studio.example"


def test_a_bad_setting_shows_one_plain_error_naming_it(monkeypatch) -> None:
    monkeypatch.setenv("PRICE_PER_SECOND", "abc")
    for page in ("app.py", "pages/1_Upload.py", "pages/2_Generate.py", "pages/3_History.py"):
        app = at_page(page).run()
        assert not app.exception, (page, app.exception)
        assert len(app.error) == 1, (page, [e.value for e in app.error])
        message = app.error[0].value
        assert "PRICE_PER_SECOND" in message and "'abc'" in message and "restart" in message, message
        assert not app.title, (page, "the page went on after the error")


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf"])
def test_load_settings_refuses_a_price_that_is_not_a_usable_number(value: str) -> None:
    with pytest.raises(SettingInvalid, match="PRICE_PER_SECOND") as refused:
        load_settings({"PRICE_PER_SECOND": value}, secrets={})
    assert "accepts US dollars per second" in str(refused.value)
