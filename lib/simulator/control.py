"""The simulator's fault knobs over HTTP, for tests and benchmarks (works on a simulator in another process)."""

from __future__ import annotations

from typing import Any

import requests

CONTROL_PATH = "/_simulator/"


class SimulatorControl:
    """The fault knobs, over HTTP, for tests and benchmarks (works on a simulator in another process)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def _call(self, method: str, action: str, body: dict | None = None) -> dict:
        response = requests.request(method, f"{self.base_url}{CONTROL_PATH}{action}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def fault(self, action: str, **kwargs: Any) -> None:
        self._call("POST", "faults", {"action": action, **kwargs})

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def configure(self, **settings: Any) -> None:
        self._call("POST", "config", settings)

    def expire_urls(self) -> None:
        self._call("POST", "expire-urls")

    def state(self) -> dict:
        return self._call("GET", "state")

    def task_count(self) -> int:
        return len(self.state()["tasks"])

    def request_count(self, route: str) -> int:
        return sum(1 for r in self.state()["requests"] if r["route"] == route)
