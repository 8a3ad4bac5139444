"""A Novita-compatible simulator: the embedded default when there is no API key, and every test's server.

It keeps the contract in shared/reference to the letter: same paths, Bearer key, status codes,
both error body shapes, field names (video_url_ttl as a string). It enforces the service's input
rules with the same checks as the app's preflight, fetching the video URL as the service would.
Tasks go QUEUED -> PROCESSING -> SUCCEED over `processing_seconds`, then point at a real MP4 behind
a presigned-looking URL that answers 403 once `url_ttl` has passed. Tasks live as JSON files in a
state folder, so a restarted simulator (say, the app restarted in demo mode) still knows them.

Fault knobs for tests, through `/_simulator/...` (see `SimulatorControl`): answer the next N
requests with any status, hold a response, drop the connection, send malformed JSON, fail the next
task, expire every URL now.

    python -m lib.simulator --port 8765 --state-dir /tmp/sim
"""
from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import logging
import math
import secrets
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import requests

from lib import preflight
from lib.novita import BALANCE_PATH, BALANCE_UNIT_USD, RESULT_PATH, SUBMIT_PATH, Orientation

log = logging.getLogger(__name__)

MAX_INPUT_BYTES = 10 * 1024 * 1024
RESULTS_PATH = "/sim-results/"
CONTROL_PATH = "/_simulator/"


@dataclass
class SimulatorConfig:
    """What a simulator run is told; everything but `api_key` can change while it runs."""

    processing_seconds: float = 8.0
    url_ttl: int = 3600
    api_key: str | None = None
    balance_usd: float = 100.0
    price_per_second: float = 0.14


@dataclass
class Fault:
    """One knob: act on the next `times` requests whose route matches `match`.

    `action`: "status" answers `status` with `reason`/`message` in the flat or "nested" `shape`;
    "hold" waits `seconds` and then answers normally; "drop" closes the connection unanswered;
    "malformed" answers 200 with a body that is not JSON; "fail_task" lets the next task fail
    with `message` as its reason.
    """

    action: str
    match: str = "any"
    times: int = 1
    status: int = 500
    reason: str = ""
    message: str = ""
    shape: str = "flat"
    seconds: float = 0.0


@dataclass
class SimTask:
    task_id: str
    created_at: float
    processing_seconds: float
    url_ttl: int
    duration: float
    keep_original_sound: bool
    character_orientation: str
    image_path: str
    video_path: str
    result_path: str
    fail_reason: str = ""
    expired: bool = False

    def elapsed(self, now: float) -> float:
        return now - self.created_at


class RuleBroken(Exception):
    """An input breaks a rule of the service; the message names it."""


class Simulator:
    """The simulator's state and behaviour, independent of HTTP."""

    def __init__(self, state_dir: Path, config: SimulatorConfig | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.config = config or SimulatorConfig()
        self.faults: list[Fault] = []
        self.request_log: list[dict] = []
        self.tasks: dict[str, SimTask] = {}
        self._lock = threading.Lock()
        self._render_slots = threading.Semaphore(2)
        self._signing_key = secrets.token_bytes(32)
        for sub in ("tasks", "inputs", "results"):
            (self.state_dir / sub).mkdir(parents=True, exist_ok=True)
        self._load_tasks()

    def _load_tasks(self) -> None:
        for path in sorted((self.state_dir / "tasks").glob("*.json")):
            task = SimTask(**json.loads(path.read_text()))
            self.tasks[task.task_id] = task
            if not Path(task.result_path).exists() and not task.fail_reason:
                self._start_render(task)

    def _save(self, task: SimTask) -> None:
        path = self.state_dir / "tasks" / f"{task.task_id}.json"
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(asdict(task)))
        partial.replace(path)

    # Faults -----------------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def take_fault(self, route: str, actions: tuple[str, ...]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.action in actions and fault.match in (route, "any"):
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return replace(fault)
        return None

    # Submit -----------------------------------------------------------------------------------

    def create_task(self, body: Any, fetch_timeout: float = 30.0) -> str:
        """Validate a submit body as the service does and start the task; raises `RuleBroken`."""
        if not isinstance(body, dict):
            raise RuleBroken("the request body must be a JSON object")
        for name in ("image", "video", "character_orientation"):
            if not isinstance(body.get(name), str) or not body[name].strip():
                raise RuleBroken(f"'{name}' is required")
        orientation = body["character_orientation"]
        if orientation not in {o.value for o in Orientation}:
            raise RuleBroken("'character_orientation' must be 'image' or 'video'")
        keep_sound = body.get("keep_original_sound", True)
        if not isinstance(keep_sound, bool):
            raise RuleBroken("'keep_original_sound' must be true or false")
        for name in ("prompt", "negative_prompt"):
            if body.get(name) is not None and not isinstance(body[name], str):
                raise RuleBroken(f"'{name}' must be a string")
        _first_problem(preflight.check_prompts(body.get("prompt") or "", body.get("negative_prompt") or ""))

        task_id = uuid.uuid4().hex
        inputs = self.state_dir / "inputs"
        image_path = inputs / f"{task_id}-image"
        video_path = inputs / f"{task_id}-video"
        image = body["image"].strip()
        if _is_url(image):
            _fetch(image, image_path, "character image", fetch_timeout)
        else:
            image_path.write_bytes(_decode_base64(image))
        _first_problem(preflight.check_image(image_path))
        video = body["video"].strip()
        if not _is_url(video):
            raise RuleBroken("'video' must be an http(s) URL to an mp4 or mov file")
        _fetch(video, video_path, "motion video", fetch_timeout)
        video_report = preflight.check_video(video_path, orientation)
        _first_problem(video_report)
        duration = float(video_report.facts["duration"])

        with self._lock:
            cost = duration * self.config.price_per_second
            if self.config.balance_usd < cost:
                raise BalanceShort(f"the balance of {self.config.balance_usd:.2f} USD does not cover {cost:.2f} USD")
            self.config.balance_usd -= cost
            config = replace(self.config)
        fail = self.take_fault("submit", ("fail_task",))
        task = SimTask(
            task_id=task_id,
            created_at=time.time(),
            processing_seconds=config.processing_seconds,
            url_ttl=config.url_ttl,
            duration=duration,
            keep_original_sound=keep_sound,
            character_orientation=orientation,
            image_path=str(image_path),
            video_path=str(video_path),
            result_path=str(self.state_dir / "results" / f"{task_id}.mp4"),
            fail_reason=(fail.message or "the task failed") if fail else "",
        )
        with self._lock:
            self.tasks[task_id] = task
        self._save(task)
        if not task.fail_reason:
            self._start_render(task)
        return task_id

    def _start_render(self, task: SimTask) -> None:
        threading.Thread(target=self._render, args=(task,), name=f"sim-render-{task.task_id[:8]}", daemon=True).start()

    def _render(self, task: SimTask) -> None:
        from lib.simulated_video import render  # moviepy is heavy: load it only when a task renders

        with self._render_slots:
            try:
                render(
                    Path(task.image_path),
                    Path(task.video_path),
                    Path(task.result_path),
                    task.keep_original_sound,
                    Orientation(task.character_orientation).max_video_seconds,
                )
            except Exception as error:  # a broken render must fail the task, not hang it
                log.exception("render of %s failed", task.task_id)
                task.fail_reason = f"the video could not be generated ({type(error).__name__})"
                self._save(task)

    # Task result ------------------------------------------------------------------------------

    def task_payload(self, task_id: str, base_url: str) -> dict | None:
        task = self.tasks.get(task_id)
        if task is None:
            return None
        now = time.time()
        elapsed = task.elapsed(now)
        queue_seconds = min(1.0, task.processing_seconds * 0.2)
        rendered = Path(task.result_path).exists()
        videos: list[dict] = []
        if task.fail_reason and elapsed >= task.processing_seconds / 2:
            status, progress, eta, reason = "TASK_STATUS_FAILED", 0, 0, task.fail_reason
        elif elapsed < queue_seconds:
            status, progress, eta, reason = "TASK_STATUS_QUEUED", 0, math.ceil(task.processing_seconds - elapsed), ""
        elif elapsed < task.processing_seconds or not rendered:
            share = (elapsed - queue_seconds) / max(task.processing_seconds - queue_seconds, 1e-6)
            progress = max(1, min(99, int(share * 100)))
            status, eta, reason = "TASK_STATUS_PROCESSING", max(1, math.ceil(task.processing_seconds - elapsed)), ""
        else:
            status, progress, eta, reason = "TASK_STATUS_SUCCEED", 100, 0, ""
            videos = [{"video_url": self.result_url(task, base_url), "video_url_ttl": str(task.url_ttl), "video_type": "mp4"}]
        return {
            "task": {
                "task_id": task.task_id,
                "task_type": "KLING_V2_6_PRO_MOTION_CONTROL",
                "status": status,
                "reason": reason,
                "eta": eta,
                "progress_percent": progress,
            },
            "videos": videos,
            "images": [],
            "audios": [],
            "extra": {"seed": str(int(task.created_at * 1000) % 2**31), "debug_info": {"submit_time_ms": str(int(task.created_at * 1000))}},
        }

    def _expires_at(self, task: SimTask) -> int:
        return int(task.created_at + task.processing_seconds + task.url_ttl)

    def _signature(self, task_id: str, expires: int) -> str:
        return hmac.new(self._signing_key, f"{task_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    def result_url(self, task: SimTask, base_url: str) -> str:
        expires = self._expires_at(task)
        query = urlencode({"X-Amz-Expires": task.url_ttl, "Expires": expires, "X-Amz-Signature": self._signature(task.task_id, expires)})
        return f"{base_url}{RESULTS_PATH}{task.task_id}.mp4?{query}"

    def result_file(self, path: str, query: dict[str, list[str]]) -> Path | None:
        """The result file a presigned URL names, or None when the link is wrong or has expired."""
        task = self.tasks.get(Path(path).stem)
        try:
            expires = int(query.get("Expires", ["0"])[0])
        except ValueError:
            return None
        if task is None or task.expired or time.time() > expires:
            return None
        if not hmac.compare_digest(query.get("X-Amz-Signature", [""])[0], self._signature(task.task_id, expires)):
            return None
        result = Path(task.result_path)
        return result if result.exists() else None

    def expire_urls(self) -> None:
        for task in list(self.tasks.values()):
            task.expired = True
            self._save(task)


class BalanceShort(Exception):
    """The account cannot pay for the task."""


def _first_problem(report: Any) -> None:
    if not report.ok:
        raise RuleBroken(report.problems[0].message)


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _decode_base64(value: str) -> bytes:
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RuleBroken("'image' is neither an http(s) URL nor valid base64 data") from None
    if len(data) > MAX_INPUT_BYTES:
        raise RuleBroken(f"The character image is {len(data) / 1e6:.1f} MB; it can be at most 10 MB.")
    return data


def _fetch(url: str, path: Path, what: str, timeout: float) -> None:
    """Download an input as the service does, refusing anything over 10 MB."""
    try:
        with requests.get(url, stream=True, timeout=(5, timeout)) as response:
            if response.status_code != 200:
                raise RuleBroken(f"the {what} URL answered HTTP {response.status_code}; it must be publicly downloadable")
            size = 0
            with path.open("wb") as out:
                for chunk in response.iter_content(256 * 1024):
                    size += len(chunk)
                    if size > MAX_INPUT_BYTES:
                        raise RuleBroken(f"The {what} is larger than 10 MB; it can be at most 10 MB.")
                    out.write(chunk)
    except requests.RequestException as error:
        raise RuleBroken(f"the {what} URL could not be downloaded ({type(error).__name__})") from None


# HTTP ------------------------------------------------------------------------------------------


def _route(path: str) -> str:
    if path == SUBMIT_PATH:
        return "submit"
    if path == RESULT_PATH:
        return "task-result"
    if path == BALANCE_PATH:
        return "balance"
    if path.startswith(RESULTS_PATH):
        return "download"
    if path.startswith(CONTROL_PATH):
        return "control"
    return "unknown"


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
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
        self.simulator.request_log.append({"method": method, "route": route, "at": time.time()})
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
        if route == "unknown" or (route, method) not in {("submit", "POST"), ("task-result", "GET"), ("balance", "GET")}:
            self._error(404, "NOT_FOUND", "no such endpoint")
            return
        if not self._authorized():
            self._error(401, "INVALID_API_KEY", "invalid api key")
            return
        if route == "submit":
            self._submit(raw_body)
        elif route == "task-result":
            task_id = parse_qs(url.query).get("task_id", [""])[0]
            payload = self.simulator.task_payload(task_id, self.server.base_url)
            if payload is None:
                self._error(404, "TASK_NOT_FOUND", f"task {task_id!r} not found")
            else:
                self._json(200, payload)
        else:
            units = round(self.simulator.config.balance_usd / BALANCE_UNIT_USD)
            self._json(200, {"availableBalance": str(units), "cashBalance": str(units), "creditLimit": "0", "outstandingInvoices": "0"})

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme != "Bearer" or not key.strip():
            return False
        expected = self.simulator.config.api_key
        return expected is None or hmac.compare_digest(key.strip(), expected)

    def _submit(self, raw_body: bytes) -> None:
        try:
            body = json.loads(raw_body or b"null")
        except ValueError:
            self._error(400, "INVALID_REQUEST_BODY", "the request body is not valid JSON")
            return
        try:
            task_id = self.simulator.create_task(body)
        except RuleBroken as broken:
            self._error(400, "INVALID_REQUEST_BODY", str(broken))
        except BalanceShort as short:
            self._error(403, "BILLING_BALANCE_NOT_ENOUGH", str(short))
        else:
            self._json(200, {"task_id": task_id})

    def _download(self, url: Any) -> None:
        path = self.simulator.result_file(url.path, parse_qs(url.query))
        if path is None:
            body = b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
            self._send(403, body, "application/xml")
            return
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(path.stat().st_size))
        self.end_headers()
        with path.open("rb") as source:
            while chunk := source.read(256 * 1024):
                self.wfile.write(chunk)

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
            self._json(200, {"tasks": [asdict(t) for t in simulator.tasks.values()], "requests": simulator.request_log, "config": asdict(simulator.config)})
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    simulator: Simulator
    base_url: str


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


def start(state_dir: Path, config: SimulatorConfig | None = None, port: int = 0) -> RunningSimulator:
    """Serve a simulator on 127.0.0.1 (a free port by default) from a daemon thread."""
    server = _Server(("127.0.0.1", port), _Handler)
    server.simulator = Simulator(state_dir, config)
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="novita-simulator", daemon=True)
    thread.start()
    return RunningSimulator(server.base_url, server.simulator, server, thread)


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


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Novita-compatible simulator on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--state-dir", type=Path, default=Path("data/simulator"))
    parser.add_argument("--processing-seconds", type=float, default=SimulatorConfig.processing_seconds)
    parser.add_argument("--url-ttl", type=int, default=SimulatorConfig.url_ttl)
    parser.add_argument("--api-key", default=None, help="accept only this key (default: any non-empty key)")
    parser.add_argument("--exit-after", type=float, default=None, help="stop by itself after this many seconds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    running = start(args.state_dir, SimulatorConfig(args.processing_seconds, args.url_ttl, args.api_key), args.port)
    print(f"Novita simulator on {running.url}", flush=True)
    try:
        time.sleep(args.exit_after) if args.exit_after else threading.Event().wait()
    except KeyboardInterrupt:
        pass
    running.stop()


if __name__ == "__main__":
    main()
