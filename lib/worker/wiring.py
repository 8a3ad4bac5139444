"""The engine's wiring: which service the app talks to (Novita with the configured key, or the embedded
simulator), the fingerprint and service name jobs carry, and a client for them.

The Novita client knows only a key, a base URL and timeouts; choosing live or simulator is decided here,
above it, once for every caller. In demo mode the worker serves one simulator on a free loopback port
(never a page: pages put work on the queue), keeping its tasks in the data folder so that jobs survive a
restart, and hosting motion videos from the static folder as the app would.
"""

from __future__ import annotations

import threading
from typing import Any

from lib import simulator
from lib.config import Settings
from lib.files.storage import storage_for
from lib.jobs.models import Job
from lib.jobs.store import JobStore
from lib.jobs.submit import JobRequest, record_job
from lib.novita.client import NovitaClient
from lib.novita.keys import fingerprint

DEMO_API_KEY = "sk_demo_simulator"

_lock = threading.Lock()
_simulators: dict[str, simulator.RunningSimulator] = {}


def embedded_simulator(settings: Settings) -> simulator.RunningSimulator:
    """This process's demo simulator for this data folder, started on first use."""
    key = str(settings.simulator_dir)
    with _lock:
        if key not in _simulators:
            config = simulator.SimulatorConfig(
                processing_seconds=settings.simulator_processing_seconds,
                url_ttl=settings.simulator_url_ttl,
                render_cache=settings.simulator_render_cache,
            )
            _simulators[key] = simulator.start(settings.simulator_dir, config, static_dir=settings.static_dir)
        return _simulators[key]


def service_name(settings: Settings) -> str:
    """Which service jobs made with these settings live on: "simulator" or "novita"."""
    return "simulator" if settings.demo_mode else "novita"


def key_fingerprint(settings: Settings) -> str:
    """The fingerprint of the key jobs made with these settings carry (the demo key in demo mode)."""
    return fingerprint(settings.api_key or DEMO_API_KEY)


def client_for(settings: Settings, **options: Any) -> NovitaClient:
    """A new client (one per thread) for live Novita, or for the demo simulator when there is no key."""
    if settings.demo_mode:
        return NovitaClient(DEMO_API_KEY, embedded_simulator(settings).url, **options)
    return NovitaClient(settings.api_key or "", settings.api_base_url, **options)


def record(
    request: JobRequest, settings: Settings, *, submission_key: str | None = None, public_base_url: str | None = None
) -> tuple[Job, bool]:
    """Record the job under these settings' key and service, inputs copied into the data folder:
    (the job, whether it is new). Nothing is sent. `public_base_url`, typed on Home, is kept for its send."""
    return record_job(
        request,
        store=JobStore(settings.database),
        key_fingerprint=key_fingerprint(settings),
        service=service_name(settings),
        inputs_dir=settings.inputs_dir,
        submission_key=submission_key,
        allow_private_urls=settings.allow_private_urls,
        public_base_url=public_base_url,
        storage=storage_for(settings),
    )
