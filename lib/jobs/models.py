"""The shapes of the history: a job and its status, a page of the gallery (a prepared pair's is in `lib.pairs`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum
from typing import Any

from lib.novita.rules import DEFAULT_MODEL
from lib.pairs import PreparedInputs as PreparedInputs  # its home is lib.pairs; scripts import it from here too
from lib.store.ids import new_id
from lib.store.times import now_iso as now_iso


class JobStatus(Enum):
    """Where a job stands, from the moment it is recorded (before anything is sent) to its end."""

    SUBMITTING = "submitting"
    MAYBE_SUBMITTED = "maybe_submitted"
    QUEUED = "queued"
    PROCESSING = "processing"
    DOWNLOADING = "downloading"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        """The status in a creator's words."""
        return _LABELS[self]

    @property
    def polled(self) -> bool:
        """The service has the job and a follower (a worker, or the tab holding its key) looks at it."""
        return self in (JobStatus.QUEUED, JobStatus.PROCESSING, JobStatus.DOWNLOADING)

    @property
    def in_flight(self) -> bool:
        """Submitting the same inputs again now could pay twice."""
        return self.polled or self in (JobStatus.SUBMITTING, JobStatus.MAYBE_SUBMITTED)

    @property
    def final(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.EXPIRED)

    @property
    def may_follow(self) -> tuple[JobStatus, ...]:
        """The statuses a job can be in just before this one: never a final one, never a later one.

        The store writes a status change only from these, so whatever order two workers, a page and
        a sweep act in, a job never goes backwards and a final job stays as it is.
        """
        return tuple(s for s in JobStatus if not s.final and _STAGES[s] <= _STAGES[self])


_LABELS = {
    JobStatus.SUBMITTING: "Sending",
    JobStatus.MAYBE_SUBMITTED: "May have been sent",
    JobStatus.QUEUED: "Waiting in line",
    JobStatus.PROCESSING: "Generating",
    JobStatus.DOWNLOADING: "Saving the result",
    JobStatus.SUCCEEDED: "Done",
    JobStatus.FAILED: "Failed",
    JobStatus.EXPIRED: "Result link expired",
}
# How far along each status is; a job moves only forward through these.
_STAGES = {
    JobStatus.SUBMITTING: 0,
    JobStatus.MAYBE_SUBMITTED: 1,
    JobStatus.QUEUED: 2,
    JobStatus.PROCESSING: 3,
    JobStatus.DOWNLOADING: 4,
    JobStatus.SUCCEEDED: 5,
    JobStatus.FAILED: 5,
    JobStatus.EXPIRED: 5,
}
IN_FLIGHT = tuple(s.value for s in JobStatus if s.in_flight)


@dataclass(frozen=True)
class Job:
    """One row of `jobs`: a generation from the moment it was asked for.

    `key_fingerprint` names the API key that made it (never the key): only a worker or a browser
    session holding that key follows it. `lease` and `due_at` say who follows it and when it next
    needs a look: a follower claims a job by replacing its lease, so a second one finds the lease
    changed and steps back, and a lease past its time was left by a process that died.
    """

    id: str
    content_hash: str
    status: JobStatus
    character_orientation: str
    created_at: str
    updated_at: str
    submission_key: str | None = None
    task_id: str | None = None
    remote_status: str = ""
    prompt: str = ""
    negative_prompt: str = ""
    keep_original_sound: bool = True
    image_path: str | None = None
    video_path: str | None = None
    image_url: str | None = None
    video_url: str | None = None
    result_url: str | None = None
    result_url_expires_at: str | None = None
    result_path: str | None = None
    progress_percent: int = 0
    eta_seconds: int | None = None
    failure_reason: str | None = None
    payload_json: str | None = None
    submitted_at: str | None = None
    finished_at: str | None = None
    favorite: bool = False
    note: str = ""
    poster_path: str | None = None
    output_seconds: float | None = None
    service: str = "novita"
    key_fingerprint: str | None = None
    lease: str | None = None
    due_at: str | None = None
    polls: int = 0
    model: str = DEFAULT_MODEL.word  # the model's command-line word; rows from before models are 2.6 Pro
    billed: bool = False  # Novita reported the task succeeded, so it charged for it, whatever failed after
    video_link: str | None = None  # the link the motion video was given as, sent as it is
    public_base_url: str | None = None  # where the service fetches a hosted motion video, as typed when asked
    hidden_at: str | None = None  # hidden from History while Novita still made it; followed all the same
    made_by: str | None = None  # who asked: a verified email, `cli:<os user>`, or a name given on a shared password

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        values = {k: v for k, v in row.items() if k in JOB_FIELDS}
        values["status"] = JobStatus(values["status"])
        for flag in ("keep_original_sound", "favorite", "billed"):
            if flag in values:
                values[flag] = bool(values[flag])
        return cls(**values)

    def to_row(self) -> dict[str, Any]:
        row = {f.name: getattr(self, f.name) for f in fields(self)}
        row["status"] = self.status.value
        row["keep_original_sound"] = int(self.keep_original_sound)
        row["favorite"] = int(self.favorite)
        row["billed"] = int(self.billed)
        return row


JOB_FIELDS = frozenset(f.name for f in fields(Job))


@dataclass(frozen=True)
class GalleryQuery:
    """One page of the history, filtered; `page` counts from 0."""

    statuses: tuple[JobStatus, ...] = ()
    character_orientation: str | None = None
    search: str = ""
    favorites_only: bool = False
    page: int = 0
    page_size: int = 12
    made_by: str | None = None  # one person's jobs only (History's Mine, or a person picked)

    @property
    def filters(self) -> tuple[tuple[JobStatus, ...], str | None, str, bool, str | None]:
        """Everything that narrows the history down, without the page."""
        return self.statuses, self.character_orientation, self.search.strip(), self.favorites_only, self.made_by


new_job_id = new_id  # ids have their home in the store; jobs kept the name they had
