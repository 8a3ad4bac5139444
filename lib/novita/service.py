"""Which service the app talks to: Novita with the configured key, or the embedded simulator.

In demo mode one simulator per process serves on a free loopback port, keeping its tasks in the
data folder so that jobs survive an app restart.
"""

from __future__ import annotations

import threading
from typing import Any

from lib import simulator
from lib.config import Settings
from lib.novita.client import NovitaClient

DEMO_API_KEY = "sk_demo_simulator"

_lock = threading.Lock()
_simulators: dict[str, simulator.RunningSimulator] = {}


def embedded_simulator(settings: Settings) -> simulator.RunningSimulator:
    """The process's demo simulator for this data folder, started on first use."""
    key = str(settings.simulator_dir)
    with _lock:
        if key not in _simulators:
            config = simulator.SimulatorConfig(
                processing_seconds=settings.simulator_processing_seconds, url_ttl=settings.simulator_url_ttl
            )
            _simulators[key] = simulator.start(settings.simulator_dir, config)
        return _simulators[key]


def service_name(settings: Settings) -> str:
    """Which service jobs made with these settings live on: "simulator" or "novita"."""
    return "simulator" if settings.demo_mode else "novita"


def client_for(settings: Settings, **options: Any) -> NovitaClient:
    """A new client (one per thread) for live Novita, or for the demo simulator when there is no key."""
    if settings.demo_mode:
        return NovitaClient(DEMO_API_KEY, embedded_simulator(settings).url, **options)
    return NovitaClient(settings.api_key or "", settings.api_base_url, **options)
