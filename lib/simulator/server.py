"""The simulator over HTTP: Novita's paths, Bearer key, status codes and both error body shapes.

It keeps the contract in shared/reference to the letter (field names, `video_url_ttl` as a string)
and serves result videos behind presigned-looking links. Fault knobs for tests, through
`/_simulator/...` (see `SimulatorControl`): answer the next N requests with any status, hold a
response, drop the connection, send malformed JSON, fail the next task, expire every URL now.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from lib.files.hosting import STATIC_ROUTE
from lib.novita.billing import BILLS_PATH
from lib.novita.client import BALANCE_PATH, BALANCE_UNIT_USD, RESULT_PATH
from lib.novita.keys import fingerprint
from lib.simulator.billing import CYCLE_SECONDS, Charge, Ledger, product_name
from lib.simulator.control import CONTROL_PATH
from lib.simulator.inputs import BalanceShort, RuleBroken
from lib.simulator.rules import SUBMIT_RULES, V30_MODEL_NAMES, V30_PATH
from lib.simulator.tasks import RESULTS_PATH, Fault, Simulator, SimulatorConfig

log = logging.getLogger(__name__)

# What S3 answers for a presigned link past its time.
EXPIRED_LINK_BODY = (
    b"<?xml version='1.0' encoding='UTF-8'?>"
    b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
)


def _route(path: str) -> str:
    if path in SUBMIT_RULES:
        return "submit"
    if path == RESULT_PATH:
        return "task-result"
    if path == BALANCE_PATH:
        return "balance"
    if path == BILLS_PATH:
        return "bills"
    if path.startswith(RESULTS_PATH):
        return "download"
    if path.startswith(CONTROL_PATH):
        return "control"
    if path.startswith(STATIC_ROUTE):
        return "static"
    return "unknown"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        log.debug("simulator: " + format, *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    @property
    def simulator(self) -> Simulator:
        return self.server.simulator

    def _handle(self, method: str) -> None:
        url = urlparse(self.path)
        route = _route(url.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        if route == "control":
            self._control(method, url.path[len(CONTROL_PATH) :], raw_body)
            return
        entry: dict[str, Any] = {"method": method, "route": route, "at": time.time()}
        if route == "submit":
            entry |= {"path": url.path, "body": _logged_body(raw_body)}
        self.simulator.request_log.append(entry)
        fault = self.simulator.take_fault(route, ("status", "hold", "drop", "malformed"))
        if fault and fault.action == "drop":
            self.close_connection = True
            return
        if fault and fault.action == "hold":
            time.sleep(fault.seconds)
        if fault and fault.action == "malformed":
            self._send(200, b'{"task": {"status": "TASK_STATUS_', "application/json")
            return
        if fault and fault.action == "status":
            self._error(fault.status, fault.reason, fault.message or "simulated fault", fault.shape)
            return
        if route == "download" and method == "GET":
            self._download(url)
            return
        if route == "static" and method == "GET":
            self._static(url.path[len(STATIC_ROUTE) :])
            return
        if route == "unknown" or (route, method) not in {
            ("submit", "POST"),
            ("task-result", "GET"),
            ("balance", "GET"),
            ("bills", "GET"),
        }:
            self._error(404, "NOT_FOUND", "no such endpoint")
            return
        if not self._authorized():
            self._error(401, "INVALID_API_KEY", "invalid api key")
            return
        if route == "submit":
            self._submit(url.path, raw_body)
        elif route == "task-result":
            task_id = parse_qs(url.query).get("task_id", [""])[0]
            payload = self.simulator.task_payload(task_id, self.server.base_url, self._key_owner())
            if payload is None:
                self._error(404, "TASK_NOT_FOUND", f"task {task_id!r} not found")
            else:
                self._json(200, payload)
        elif route == "bills":
            self._bills(parse_qs(url.query))
        else:
            units = round(self.simulator.config.balance_usd / BALANCE_UNIT_USD)
            self._json(
                200,
                {
                    "availableBalance": str(units),
                    "cashBalance": str(units),
                    "creditLimit": "0",
                    "outstandingInvoices": "0",
                },
            )

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme != "Bearer" or not key.strip():
            return False
        expected = self.simulator.config.api_key
        return expected is None or hmac.compare_digest(key.strip(), expected)

    def _key_owner(self) -> str:
        """Who a request comes from: its key's fingerprint (tasks of one key are not another's)."""
        return fingerprint(self.headers.get("Authorization", "").partition(" ")[2].strip())

    def _submit(self, path: str, raw_body: bytes) -> None:
        try:
            body = json.loads(raw_body or b"null")
        except ValueError:
            self._error(400, "INVALID_REQUEST_BODY", "the request body is not valid JSON")
            return
        model = ""
        if path == V30_PATH:
            model = body.get("model_name", V30_MODEL_NAMES[0]) if isinstance(body, dict) else V30_MODEL_NAMES[0]
            if model not in V30_MODEL_NAMES:
                self._error(400, "INVALID_REQUEST_BODY", f"'model_name' must be one of {', '.join(V30_MODEL_NAMES)}")
                return
        try:
            task_id = self.simulator.create_task(body, owner=self._key_owner(), rules=SUBMIT_RULES[path], model=model)
        except RuleBroken as broken:
            self._error(400, "INVALID_REQUEST_BODY", str(broken))
        except BalanceShort as short:
            self._error(403, "BILLING_BALANCE_NOT_ENOUGH", str(short))
        else:
            # The same cost create_task took off the balance, so the bills add up to what it lost.
            task = self.simulator.tasks[task_id]
            product = product_name(path, model or None)
            self.server.ledger.charge(Charge(task_id, task.created_at, product, task.cost_usd))
            self._json(200, {"task_id": task_id})

    def _bills(self, query: dict[str, list[str]]) -> None:
        cycle = query.get("cycleType", [""])[0]
        category = query.get("productCategory", [""])[0]
        if cycle not in CYCLE_SECONDS or not category:
            self._error(400, "INVALID_REQUEST_BODY", "cycleType (Hour or Day here) and productCategory are required")
            return
        try:
            start, end = (int(query.get(name, ["0"])[0] or 0) for name in ("startTime", "endTime"))
        except ValueError:
            self._error(400, "INVALID_REQUEST_BODY", "startTime and endTime are Unix seconds")
            return
        self._json(200, {"bills": self.server.ledger.bills(cycle, category, start, end)})

    def _download(self, url: Any) -> None:
        path = self.simulator.result_file(url.path, parse_qs(url.query))
        if path is None:
            body = EXPIRED_LINK_BODY
            self._send(403, body, "application/xml")
            return
        self._file(path, "video/mp4")

    def _file(self, path: Path, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(path.stat().st_size))
        self.end_headers()
        with path.open("rb") as source:
            while chunk := source.read(256 * 1024):
                self.wfile.write(chunk)

    def _static(self, name: str) -> None:
        """A hosted motion video, as the app's static route would serve it: the demo's public host."""
        folder = self.server.static_dir
        path = folder / name if folder is not None and name == Path(name).name else None
        if path is None or not path.is_file():
            self._error(404, "NOT_FOUND", "no such file")
            return
        self._file(path, "video/mp4" if path.suffix.lower() == ".mp4" else "application/octet-stream")

    def _control(self, method: str, action: str, raw_body: bytes) -> None:
        body = json.loads(raw_body) if raw_body else {}
        simulator = self.simulator
        if action == "faults" and method == "POST":
            simulator.add_fault(Fault(**body))
        elif action == "faults" and method == "DELETE":
            simulator.faults.clear()
        elif action == "config" and method == "POST":
            for name, value in body.items():
                if name not in SimulatorConfig.__dataclass_fields__:
                    self._error(400, "INVALID_REQUEST_BODY", f"unknown setting {name!r}")
                    return
                setattr(simulator.config, name, value)
        elif action == "expire-urls" and method == "POST":
            simulator.expire_urls()
        elif action == "state" and method == "GET":
            self._json(
                200,
                {
                    "tasks": [asdict(t) for t in simulator.tasks.values()],
                    "requests": simulator.request_log,
                    "config": asdict(simulator.config),
                },
            )
            return
        else:
            self._error(404, "NOT_FOUND", "no such control")
            return
        self._json(200, {"ok": True})

    def _error(self, status: int, reason: str, message: str, shape: str = "flat") -> None:
        if shape == "nested":
            body: dict = {"error": {"code": status, "message": message, "reason": reason}}
        else:
            body = {"code": status, "reason": reason, "message": message, "metadata": {}}
        self._json(status, body)

    def _json(self, status: int, body: Any) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _logged_body(raw_body: bytes) -> Any:
    """The submit body for the request log, with base64 image data cut short: the log is read over HTTP."""
    try:
        body = json.loads(raw_body or b"null")
    except ValueError:
        return raw_body[:200].decode("utf-8", "replace")
    image = body.get("image") if isinstance(body, dict) else None
    if isinstance(image, str) and len(image) > 200 and not image.startswith(("http://", "https://")):
        body["image"] = f"<base64, {len(image):,} characters>"
    return body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    simulator: Simulator
    ledger: Ledger
    base_url: str
    static_dir: Path | None


@dataclass
class RunningSimulator:
    """A simulator serving on a loopback port from a daemon thread."""

    url: str
    simulator: Simulator
    _server: _Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start(
    state_dir: Path, config: SimulatorConfig | None = None, port: int = 0, static_dir: Path | None = None
) -> RunningSimulator:
    """Serve a simulator on 127.0.0.1 (a free port by default) from a daemon thread.

    With `static_dir` it also serves the files there at `/app/static/`, as the app does, so a worker
    in demo mode can host motion videos without the app's address.
    """
    server = _Server(("127.0.0.1", port), _Handler)
    server.simulator = Simulator(state_dir, config)
    server.ledger = Ledger(state_dir)
    server.static_dir = static_dir
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    # shutdown() waits for the loop's next poll: the default 0.5 s made every stop (every test) wait that long.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="novita-simulator", daemon=True
    )
    thread.start()
    return RunningSimulator(server.base_url, server.simulator, server, thread)
