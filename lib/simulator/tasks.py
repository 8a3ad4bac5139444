"""The simulator's state and behaviour, independent of HTTP: tasks, their timeline, faults, result links.

Tasks go QUEUED -> PROCESSING -> SUCCEED over `processing_seconds`, then point at a real MP4 behind
a presigned-looking URL that answers 403 once `url_ttl` has passed. Tasks live as JSON files in a
state folder, so a restarted simulator (say, the app restarted in demo mode) still knows them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import secrets
import shutil
import threading
import time
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from lib.files.atomic import atomic_write
from lib.simulator.inputs import BalanceShort, checked_image, checked_video, validate_body
from lib.simulator.renders import RenderCache
from lib.simulator.rules import KLING_V26_PRO, ServiceRules

log = logging.getLogger(__name__)

RESULTS_PATH = "/sim-results/"


@dataclass
class SimulatorConfig:
    """What a simulator run is told; everything but `api_key` can change while it runs."""

    processing_seconds: float = 8.0
    url_ttl: int = 3600
    api_key: str | None = None
    balance_usd: float = 100.0
    price_per_second: float = 0.14  # Kling 2.6 Pro
    # Kling 3.0: no published price; the reference's "about twice 2.6"
    price_per_second_v3_std: float = 0.28
    price_per_second_v3_pro: float = 0.28
    # A pre-rendered MP4 every task returns instead of a render, so a benchmark measures the engine, not moviepy.
    ready_result: str = ""
    # Earlier renders by what they were made from (lib/simulator/renders.py); "": the state folder's own.
    render_cache: str = ""

    def price_for(self, model: str) -> float:
        """USD per second for a billed product: "" is 2.6 Pro, else a 3.0 `model_name`."""
        return {
            "kling-v3-0-std": self.price_per_second_v3_std,
            "kling-v3-0-pro": self.price_per_second_v3_pro,
        }.get(model, self.price_per_second)


@dataclass
class Fault:
    """One knob: act on the next `times` requests whose route matches `match`.

    `action`: "status" answers `status` with `reason`/`message` in the flat or "nested" `shape`;
    "hold" waits `seconds` and then answers normally; "drop" closes the connection unanswered;
    "malformed" answers 200 with a body that is not JSON; "fail_task" lets the next task fail
    with `message` as its reason; "no_video" lets the next task succeed with an empty `videos`
    list; "remote_status" lets the next task answer `message` as its status word, for ever.
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
    owner: str = ""  # the fingerprint of the key that made it: Novita shows a task to that key only
    no_video: bool = False  # succeeds with no video, as a broken service might
    remote_status: str = ""  # a status word this task answers instead of its own, e.g. one we do not know
    longest_output: float = 0.0  # seconds: the longest motion video its rules allow; 0 in files of older runs
    model: str = ""  # the 3.0 `model_name` it ran as; "" for 2.6 Pro
    cost_usd: float = 0.0  # what it was charged, at its model's price

    def elapsed(self, now: float) -> float:
        return now - self.created_at


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
        # Task files are named by their hex id; a write still under way is a hidden ".<id>.*.part.json".
        for path in sorted((self.state_dir / "tasks").glob("[0-9a-f]*.json")):
            self._load(path)

    def _load(self, path: Path) -> SimTask:
        task = SimTask(**json.loads(path.read_text()))
        self.tasks[task.task_id] = task
        if not Path(task.result_path).exists() and not task.fail_reason:
            self._start_render(task)
        return task

    def _task(self, task_id: str) -> SimTask | None:
        """A task this simulator made, or one another simulator on the same state folder made (two
        demo workers each serve one)."""
        task = self.tasks.get(task_id)
        if task is None and task_id.isalnum() and (path := self.state_dir / "tasks" / f"{task_id}.json").exists():
            with self._lock:
                task = self._load(path)
        return task

    def _save(self, task: SimTask) -> None:
        with atomic_write(self.state_dir / "tasks" / f"{task.task_id}.json") as partial:
            partial.write_text(json.dumps(asdict(task)))

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

    def create_task(
        self,
        body: Any,
        fetch_timeout: float = 30.0,
        owner: str = "",
        rules: ServiceRules = KLING_V26_PRO,
        model: str = "",
    ) -> str:
        """Validate a submit body against `rules`, as the service does, and start the task, charged at
        `model`'s price ("" is 2.6 Pro, else a 3.0 `model_name`); raises `RuleBroken`."""
        submit = validate_body(body, rules)
        task_id = uuid.uuid4().hex
        inputs = self.state_dir / "inputs"
        image_path = inputs / f"{task_id}-image"
        video_path = inputs / f"{task_id}-video"
        checked_image(submit.image, image_path, fetch_timeout, rules)
        duration = checked_video(submit.video, video_path, submit.character_orientation, fetch_timeout, rules)

        with self._lock:
            cost = duration * self.config.price_for(model)
            if self.config.balance_usd < cost:
                raise BalanceShort(f"the balance of {self.config.balance_usd:.2f} USD does not cover {cost:.2f} USD")
            self.config.balance_usd -= cost
            config = replace(self.config)
        fail = self.take_fault("submit", ("fail_task",))
        no_video = self.take_fault("submit", ("no_video",)) is not None
        odd_status = self.take_fault("submit", ("remote_status",))
        task = SimTask(
            task_id=task_id,
            created_at=time.time(),
            processing_seconds=config.processing_seconds,
            url_ttl=config.url_ttl,
            duration=duration,
            keep_original_sound=submit.keep_original_sound,
            character_orientation=submit.character_orientation,
            image_path=str(image_path),
            video_path=str(video_path),
            result_path=str(self.state_dir / "results" / f"{task_id}.mp4"),
            fail_reason=(fail.message or "the task failed") if fail else "",
            owner=owner,
            no_video=no_video,
            longest_output=rules.max_seconds(submit.character_orientation),
            remote_status=odd_status.message if odd_status else "",
            model=model,
            cost_usd=cost,
        )
        with self._lock:
            self.tasks[task_id] = task
        self._save(task)
        if not task.fail_reason:
            self._start_render(task)
        return task_id

    def _start_render(self, task: SimTask) -> None:
        if self.config.ready_result:
            with atomic_write(Path(task.result_path)) as partial:
                shutil.copyfile(self.config.ready_result, partial)
            return
        threading.Thread(target=self._render, args=(task,), name=f"sim-render-{task.task_id[:8]}", daemon=True).start()

    def _render(self, task: SimTask) -> None:
        from lib.simulator.video import render  # moviepy is heavy: load it only when a task renders

        image, video, out = Path(task.image_path), Path(task.video_path), Path(task.result_path)
        longest = task.longest_output or KLING_V26_PRO.max_seconds(task.character_orientation)
        renders = RenderCache(Path(self.config.render_cache or self.state_dir / "renders"))
        with self._render_slots:
            try:
                key = renders.key(image, video, task.keep_original_sound, longest)
                if not renders.copy(key, out):
                    render(image, video, out, task.keep_original_sound, longest)
                    renders.keep(key, out)
            except Exception as error:  # a broken render must fail the task, not hang it
                log.exception("render of %s failed", task.task_id)
                task.fail_reason = f"the video could not be generated ({type(error).__name__})"
                self._save(task)

    # Task result ------------------------------------------------------------------------------

    def task_payload(self, task_id: str, base_url: str, owner: str = "") -> dict | None:
        """The task-result body, or None when there is no such task for this key (TASK_NOT_FOUND)."""
        task = self._task(task_id)
        if task is None or (task.owner and owner != task.owner):
            return None
        now = time.time()
        elapsed = task.elapsed(now)
        queue_seconds = min(1.0, task.processing_seconds * 0.2)
        rendered = Path(task.result_path).exists()
        videos: list[dict] = []
        started = task.created_at + queue_seconds
        completed = 0.0
        if task.fail_reason and elapsed >= task.processing_seconds / 2:
            status, progress, eta, reason = "TASK_STATUS_FAILED", 0, 0, task.fail_reason
            completed = task.created_at + task.processing_seconds / 2
        elif task.remote_status:
            status, progress, eta, reason = task.remote_status, 0, 0, ""
        elif elapsed < queue_seconds:
            status, progress, eta, reason = "TASK_STATUS_QUEUED", 0, math.ceil(task.processing_seconds - elapsed), ""
        elif elapsed < task.processing_seconds or not rendered:
            share = (elapsed - queue_seconds) / max(task.processing_seconds - queue_seconds, 1e-6)
            progress = max(1, min(99, int(share * 100)))
            status, eta, reason = "TASK_STATUS_PROCESSING", max(1, math.ceil(task.processing_seconds - elapsed)), ""
        else:
            status, progress, eta, reason = "TASK_STATUS_SUCCEED", 100, 0, ""
            completed = max(task.created_at + task.processing_seconds, Path(task.result_path).stat().st_mtime)
            if not task.no_video:
                videos = [
                    {
                        "video_url": self.result_url(task, base_url),
                        "video_url_ttl": str(task.url_ttl),
                        "video_type": "mp4",
                    }
                ]
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
            "extra": {
                "seed": str(int(task.created_at * 1000) % 2**31),
                # Every status carries all three times, "0" for a moment not reached yet: the official
                # SDK's V3TaskResponseDebugInfo requires each of them and cannot read an answer without.
                "debug_info": {
                    "request_info": "",
                    "submit_time_ms": _epoch_ms(task.created_at),
                    "execute_time_ms": _epoch_ms(started if status != "TASK_STATUS_QUEUED" else 0.0),
                    "complete_time_ms": _epoch_ms(completed),
                },
            },
        }

    def _expires_at(self, task: SimTask) -> int:
        return int(task.created_at + task.processing_seconds + task.url_ttl)

    def _signature(self, task_id: str, expires: int) -> str:
        return hmac.new(self._signing_key, f"{task_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    def result_url(self, task: SimTask, base_url: str) -> str:
        expires = self._expires_at(task)
        query = urlencode(
            {
                "X-Amz-Expires": task.url_ttl,
                "Expires": expires,
                "X-Amz-Signature": self._signature(task.task_id, expires),
            }
        )
        return f"{base_url}{RESULTS_PATH}{task.task_id}.mp4?{query}"

    def result_file(self, path: str, query: dict[str, list[str]]) -> Path | None:
        """The result file a presigned URL names, or None when the link is wrong or has expired."""
        task = self._task(Path(path).stem)
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


def _epoch_ms(moment: float) -> str:
    """Epoch milliseconds as the service sends them: a string, "0" for a moment not reached."""
    return str(int(moment * 1000))
