"""The one settings object, read from the environment and `.streamlit/secrets.toml`.

The environment wins over the secrets file, so a deployment can override a checked-in setup. With
no `NOVITA_API_KEY` anywhere the app runs in demo mode against the embedded simulator.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lib.errors import SettingInvalid
from lib.novita.rules import KLING_V26_PRO, KLING_V30_PRO, KLING_V30_STD, Model

APP_DIR = Path(__file__).resolve().parent.parent
NOVITA_BASE_URL = "https://api.novita.ai"


@dataclass(frozen=True)
class Settings:
    """Everything the app can be told; see the README's settings table."""

    api_key: str | None
    api_base_url: str
    data_dir: Path
    static_dir: Path
    public_base_url: str | None
    price_per_second: float
    simulator_processing_seconds: float
    simulator_url_ttl: int
    app_password: str | None = None
    allow_private_urls: bool = False
    s3: S3Settings | None = None
    media: S3Settings | None = None  # MEDIA_BUCKET: every stored file in this bucket, the data folder a cache
    redis_url: str | None = None
    database_url: str | None = None  # PostgreSQL for the history, shared by every machine; SQLite without
    poll_seconds: float = 2.0
    worker_threads: int = 4
    price_per_second_v3_std: float = KLING_V30_STD.default_price
    price_per_second_v3_pro: float = KLING_V30_PRO.default_price
    content_advice: bool = True  # look at what the image and clip show (cuts, camera, people, exposure)
    admin_emails: tuple[str, ...] = ()  # who may set budgets, see everyone's spending, delete others' work
    allowed_emails: tuple[str, ...] = ()  # with sign-in: who may enter (with ALLOWED_DOMAINS; both empty: anyone)
    allowed_domains: tuple[str, ...] = ()
    cli_as_users: tuple[str, ...] = ()  # operating-system users whose command line may record `--as EMAIL`
    simulator_render_cache: str = ""  # demo mode: a folder of earlier renders; "" keeps them in the simulator's

    def price_for(self, model: Model) -> float:
        """US dollars per second of output for `model`: the setting its table names (`price_per_second` for 2.6 Pro)."""
        return float(getattr(self, model.price_setting.lower()))

    @property
    def demo_mode(self) -> bool:
        return not self.api_key

    @property
    def db_path(self) -> Path:
        """The SQLite history file in the data folder (the history itself unless DATABASE_URL is set)."""
        return self.data_dir / "motion_studio.db"

    @property
    def database(self) -> Path | str:
        """Where the history is, as every repository opens it: DATABASE_URL, or the SQLite file."""
        return self.database_url or self.db_path

    @property
    def results_dir(self) -> Path:
        return self.data_dir / "results"

    @property
    def inputs_dir(self) -> Path:
        return self.data_dir / "inputs"

    @property
    def simulator_dir(self) -> Path:
        return self.data_dir / "simulator"

    @property
    def content_cache_dir(self) -> Path:
        """Content advice and its evidence stills, kept under each file's content hash."""
        return self.data_dir / "advice"

    @property
    def queue_path(self) -> Path:
        """The work queue's SQLite file, when there is no REDIS_URL."""
        return self.data_dir / "queue.db"

    def __repr__(self) -> str:
        # Settings end up in logs and tracebacks; secrets must not.
        shown = {k: v for k, v in self.__dict__.items() if k not in SECRET_FIELDS}
        hidden = ", ".join(f"{k}={'set' if getattr(self, k) else 'none'}" for k in sorted(SECRET_FIELDS))
        return f"Settings({hidden}, {shown})"


@dataclass(frozen=True)
class S3Settings:
    """S3-compatible object storage for hosting motion videos when the app is behind a firewall."""

    bucket: str
    endpoint_url: str | None
    region: str
    access_key_id: str | None
    secret_access_key: str | None = field(default=None, repr=False)
    link_seconds: int = 7200


SECRET_FIELDS = frozenset({"api_key", "app_password", "redis_url", "database_url"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def read_secrets(path: Path = APP_DIR / ".streamlit" / "secrets.toml") -> dict[str, Any]:
    """The secrets file as a dict; an absent file is no secrets, a broken one says where it is."""
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SettingInvalid(f"{path} is not valid TOML: {error}") from None


class _Reader:
    """Reads settings by name: the environment first, then the secrets file; empty counts as unset."""

    def __init__(self, environ: Mapping[str, str], secrets: Mapping[str, object]) -> None:
        self.environ, self.secrets = environ, secrets

    def text(self, name: str) -> str | None:
        value: object = self.environ.get(name)
        if value is None or value == "":
            value = self.secrets.get(name)
        return None if value is None or value == "" else str(value).strip()

    def words(self, name: str) -> tuple[str, ...]:
        """A list given as "a@x.com, b@x.com" (or a list in the secrets file), lower-cased."""
        value: object = self.environ.get(name) or self.secrets.get(name) or ""
        items = value if isinstance(value, list) else str(value).replace(";", ",").split(",")
        return tuple(str(item).strip().lower() for item in items if str(item).strip())

    def number(self, name: str, default: float, accepts: str, low: float = 0.0, high: float = float("inf")) -> float:
        """A number from `low` to `high`, or `SettingInvalid` naming the setting and what it accepts."""
        given = self.text(name)
        if given is None:
            return default
        try:
            value = float(given)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:  # NaN fails every comparison, so it lands here too
            raise SettingInvalid(f"{name} is {given!r}; it accepts {accepts}")
        return value

    def whole(self, name: str, default: int, accepts: str, low: float = 0.0, high: float = float("inf")) -> int:
        """A whole number from `low` to `high`; "2.5" is refused like "abc", not cut to 2."""
        value = self.number(name, default, accepts, low, high)
        if not float(value).is_integer():
            raise SettingInvalid(f"{name} is {self.text(name)!r}; it accepts {accepts}")
        return int(value)


def load_settings(environ: Mapping[str, str] | None = None, secrets: Mapping[str, object] | None = None) -> Settings:
    """Settings from the environment over the secrets file; every value has a sensible default.

    Raises `SettingInvalid`, naming the setting and what it accepts, for a value the app cannot use.
    """
    read = _Reader(os.environ if environ is None else environ, read_secrets() if secrets is None else secrets)
    bucket = read.text("S3_BUCKET")
    return Settings(
        api_key=read.text("NOVITA_API_KEY"),
        api_base_url=(read.text("NOVITA_BASE_URL") or NOVITA_BASE_URL).rstrip("/"),
        data_dir=_folder(read.text("MOTION_STUDIO_DATA"), APP_DIR / "data"),
        static_dir=_folder(read.text("MOTION_STUDIO_STATIC_DIR"), APP_DIR / "static"),
        public_base_url=(read.text("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        price_per_second=_price(read, KLING_V26_PRO),
        simulator_processing_seconds=read.number(
            "SIMULATOR_PROCESSING_SECONDS", 8.0, "seconds a demo job takes, like 8", high=3600
        ),
        simulator_url_ttl=read.whole("SIMULATOR_URL_TTL", 3600, "seconds, a whole number like 3600", 1),
        simulator_render_cache=read.text("SIMULATOR_RENDER_CACHE") or "",
        app_password=read.text("APP_PASSWORD"),
        allow_private_urls=(read.text("ALLOW_PRIVATE_URLS") or "").lower() in TRUE_WORDS,
        s3=_bucket(read, bucket),
        media=_bucket(read, read.text("MEDIA_BUCKET")),
        redis_url=read.text("REDIS_URL"),
        database_url=read.text("DATABASE_URL"),
        poll_seconds=read.number("POLL_SECONDS", 2.0, "seconds before a new job is first checked, like 2", 0.05, 60),
        price_per_second_v3_std=_price(read, KLING_V30_STD),
        price_per_second_v3_pro=_price(read, KLING_V30_PRO),
        content_advice=(read.text("CONTENT_ADVICE") or "on").lower() not in FALSE_WORDS,
        admin_emails=read.words("ADMIN_EMAILS"),
        allowed_emails=read.words("ALLOWED_EMAILS"),
        allowed_domains=tuple(domain.lstrip("@") for domain in read.words("ALLOWED_DOMAINS")),
        cli_as_users=read.words("CLI_AS_USERS"),
        worker_threads=read.whole("WORKER_THREADS", 4, "a whole number of threads from 1 to 32, like 4", 1, 32),
    )


def _bucket(read: _Reader, bucket: str | None) -> S3Settings | None:
    """A bucket reached with the S3_* settings (endpoint, region, keys, link lifetime), or None."""
    if not bucket:
        return None
    return S3Settings(
        bucket=bucket,
        endpoint_url=read.text("S3_ENDPOINT_URL"),
        region=read.text("S3_REGION") or "us-east-1",
        access_key_id=read.text("S3_ACCESS_KEY_ID"),
        secret_access_key=read.text("S3_SECRET_ACCESS_KEY"),
        link_seconds=max(7200, read.whole("S3_LINK_SECONDS", 7200, "seconds, a whole number from 7200 to 604800", 1)),
    )


def _price(read: _Reader, model: Model) -> float:
    accepts = f"US dollars per second of video, like {model.default_price}"
    return read.number(model.price_setting, model.default_price, accepts, high=100)


def _folder(given: str | None, default: Path) -> Path:
    return (Path(given) if given else default).expanduser().resolve()
