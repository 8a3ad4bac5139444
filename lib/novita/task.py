"""One answer of the Task Result API, parsed into a `TaskResult` with a closed `TaskStatus`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class TaskStatus(Enum):
    """The closed vocabulary of a task's state; `UNKNOWN` keeps waiting."""

    QUEUED = "queued"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"

    @classmethod
    def from_remote(cls, remote: str) -> TaskStatus:
        return _REMOTE_STATUSES.get(remote, cls.UNKNOWN)

    @property
    def pending(self) -> bool:
        return self in (TaskStatus.QUEUED, TaskStatus.PROCESSING, TaskStatus.UNKNOWN)


def unknown_status_words(remote_status: str) -> str | None:
    """The words 'Novita says TASK_STATUS_X' for a status word Novita sent that we do not know, else None.

    Such a job is still followed as pending; showing it as "Generating" would claim what nobody knows.
    """
    if remote_status and TaskStatus.from_remote(remote_status) is TaskStatus.UNKNOWN:
        return f"Novita says {remote_status}"
    return None


_REMOTE_STATUSES = {
    "TASK_STATUS_QUEUED": TaskStatus.QUEUED,
    "TASK_STATUS_PROCESSING": TaskStatus.PROCESSING,
    "TASK_STATUS_SUCCEED": TaskStatus.SUCCEEDED,
    "TASK_STATUS_FAILED": TaskStatus.FAILED,
}


@dataclass(frozen=True)
class ResultVideo:
    url: str
    ttl: int
    type: str


@dataclass(frozen=True)
class TaskResult:
    """One answer of the Task Result API, parsed; `raw` is the payload as it came."""

    task_id: str
    status: TaskStatus
    remote_status: str
    progress_percent: int
    eta: int
    reason: str
    videos: tuple[ResultVideo, ...]
    raw: dict = field(repr=False)

    @classmethod
    def from_payload(cls, payload: dict) -> TaskResult:
        task = payload.get("task") or {}
        remote_status = str(task.get("status") or "")
        return cls(
            task_id=str(task.get("task_id") or ""),
            status=TaskStatus.from_remote(remote_status),
            remote_status=remote_status,
            progress_percent=as_int(task.get("progress_percent")),
            eta=as_int(task.get("eta")),
            reason=str(task.get("reason") or ""),
            videos=tuple(
                ResultVideo(
                    url=str(v.get("video_url") or ""),
                    ttl=as_int(v.get("video_url_ttl")),
                    type=str(v.get("video_type") or ""),
                )
                for v in payload.get("videos") or []
                if v.get("video_url")
            ),
            raw=payload,
        )


def as_int(value: Any) -> int:
    """The service sends some numbers as strings (video_url_ttl); one SDK types them as ints."""
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0
