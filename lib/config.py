"""The one settings object, read from the environment and `.streamlit/secrets.toml`.

The environment wins over the secrets file, so a deployment can override a checked-in setup. With
no `NOVITA_API_KEY` anywhere the app runs in demo mode against the embedded simulator.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

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
    s3: "S3Settings | None" = None

    @property
    def demo_mode(self) -> bool:
        return not self.api_key

    @property
    def db_path(self) -> Path:
        return self.data_dir / "motion_studio.db"

    @property
    def results_dir(self) -> Path:
        return self.data_dir / "results"

    @property
    def inputs_dir(self) -> Path:
        return self.data_dir / "inputs"

    @property
    def simulator_dir(self) -> Path:
        return self.data_dir / "simulator"

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


SECRET_FIELDS = frozenset({"api_key", "app_password"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def read_secrets(path: Path = APP_DIR / ".streamlit" / "secrets.toml") -> dict:
    """The secrets file as a dict; an absent file is no secrets, a broken one says where it is."""
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path} is not valid TOML: {error}") from None


def load_settings(environ: Mapping[str, str] | None = None, secrets: Mapping[str, object] | None = None) -> Settings:
    """Settings from the environment over the secrets file; every value has a sensible default."""
    environ = os.environ if environ is None else environ
    secrets = read_secrets() if secrets is None else secrets

    def get(name: str, default: str | None = None) -> str | None:
        value = environ.get(name)
        if value is None or value == "":
            value = secrets.get(name)
        return default if value is None or value == "" else str(value).strip()

    data_dir = Path(get("MOTION_STUDIO_DATA", str(APP_DIR / "data"))).expanduser().resolve()
    return Settings(
        api_key=get("NOVITA_API_KEY"),
        api_base_url=get("NOVITA_BASE_URL", NOVITA_BASE_URL).rstrip("/"),
        data_dir=data_dir,
        static_dir=Path(get("MOTION_STUDIO_STATIC_DIR", str(APP_DIR / "static"))).expanduser().resolve(),
        public_base_url=(get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        price_per_second=float(get("PRICE_PER_SECOND", "0.14")),
        simulator_processing_seconds=float(get("SIMULATOR_PROCESSING_SECONDS", "8")),
        simulator_url_ttl=int(get("SIMULATOR_URL_TTL", "3600")),
        app_password=get("APP_PASSWORD"),
        allow_private_urls=(get("ALLOW_PRIVATE_URLS", "") or "").lower() in TRUE_WORDS,
        s3=S3Settings(
            bucket=get("S3_BUCKET") or "",
            endpoint_url=get("S3_ENDPOINT_URL"),
            region=get("S3_REGION", "us-east-1") or "us-east-1",
            access_key_id=get("S3_ACCESS_KEY_ID"),
            secret_access_key=get("S3_SECRET_ACCESS_KEY"),
            link_seconds=max(7200, int(get("S3_LINK_SECONDS", "7200") or 7200)),
        )
        if get("S3_BUCKET")
        else None,
    )
