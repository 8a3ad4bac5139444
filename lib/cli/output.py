"""What the command line prints: each answer is a dataclass, shown as plain words or, with --json, as JSON.

The JSON shapes are an interface that creators' scripts rely on, so they are spelled out here as
fields rather than built as loose dicts: a renamed key is a visible change to one of these classes.
Answers go to stdout; progress, warnings and reasons go to stderr, so `--json` output stays parseable.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TextIO, TypeAlias

from lib.cli.operators import BudgetList, MoveView
from lib.media.preflight import Problem
from lib.novita.rules import DEFAULT_MODEL, model_for

if TYPE_CHECKING:  # importing the job store costs half a second, which `check` and `fix` need not pay
    from lib.files.references import Freed
    from lib.jobs.models import Job
    from lib.media.content import Advice

OK, REFUSED = 0, 1
STOPPED = 130  # what a shell reports for Ctrl-C


@dataclass(frozen=True)
class ProblemView:
    """One broken rule: `code` is one of format, file_size, min_side, aspect_ratio, duration, unreadable
    (or a prompt rule), `value` what was measured and `limit` the bound it crossed."""

    code: str
    message: str
    value: float | int | str | None = None
    limit: float | int | str | None = None

    @classmethod
    def of(cls, problem: Problem) -> ProblemView:
        return cls(str(problem.code), problem.message, problem.value, problem.limit)


@dataclass(frozen=True)
class AdviceView:
    """One piece of content advice: `code` (cut, camera_motion, several_people, small_subject,
    framing_mismatch, fast_motion, still, black_frames, dark, bright, blurred), a sentence, `confidence`
    from 0 to 1, `at` the second in the clip (None for an image or the whole clip), `frame` a still."""

    code: str
    message: str
    confidence: float
    at: float | None
    frame: str | None

    @classmethod
    def of(cls, advice: Advice) -> AdviceView:
        return cls(str(advice.code), advice.message, advice.confidence, advice.at, advice.frame)


@dataclass(frozen=True)
class CheckView:
    """What `check` found: `kind` is "image", "video", or None for a file that is neither."""

    path: str
    kind: str | None
    orientation: str
    ok: bool
    problems: list[ProblemView]
    warnings: list[str]
    facts: dict[str, Any]
    model: str = DEFAULT_MODEL.word  # whose rules it was checked against
    advice: list[AdviceView] = field(default_factory=list)  # what the content shows; never a broken rule

    def words(self) -> str:
        lines = [f"{self.path}: {_describe(self.kind, self.facts)}"]
        if self.ok:
            lines.append(
                "It passes every rule"
                + ("" if self.model == DEFAULT_MODEL.word else f" of Model: {model_for(self.model).label}")
                + (f" for orientation '{self.orientation}'." if self.kind == "video" else ".")
            )
        elif self.kind is None:
            lines += [f"It cannot be checked: {problem.message}" for problem in self.problems]
        else:
            lines.append(f"It breaks {_count(len(self.problems), 'rule')}:")
            lines += [f"  - {problem.message}" for problem in self.problems]
        lines += [f"Note: {warning}" for warning in self.warnings]
        lines += _advice_lines(self.advice)
        return "\n".join(lines)


@dataclass(frozen=True)
class PairCheckView:
    """What `check --image --video` found: each file's check, and `advice` on the two together."""

    image: CheckView
    video: CheckView
    ok: bool
    advice: list[AdviceView]

    def words(self) -> str:
        return "\n".join([self.image.words(), self.video.words(), *_advice_lines(self.advice, "Together")])


@dataclass(frozen=True)
class FixView:
    """What `fix` made: `path` passes every rule; `changed` is False when the file already did."""

    path: str
    changed: bool

    def words(self) -> str:
        return self.path


@dataclass(frozen=True)
class DownloadView:
    """Where `download` put the result video."""

    path: str

    def words(self) -> str:
        return self.path


@dataclass(frozen=True)
class JobView:
    """A job as scripts see it: its public fields, never the engine's bookkeeping (lease, due_at, polls)."""

    id: str
    status: str
    status_label: str
    task_id: str | None
    prompt: str
    negative_prompt: str
    character_orientation: str
    keep_original_sound: bool
    progress_percent: int
    result_path: str | None
    failure_reason: str | None
    image_path: str | None
    image_url: str | None
    video_path: str | None
    video_url: str | None
    output_seconds: float | None
    created_at: str
    submitted_at: str | None
    finished_at: str | None
    model: str  # the model's command-line word, like kling-v3.0-pro
    billed: bool = False  # Novita reported it succeeded, so it charged for it, whatever failed after
    made_by: str | None = None  # who asked: an email, cli:<os user>, or name:<a name given on a shared password>

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(
            id=job.id,
            status=job.status.value,
            status_label=job.status.label,
            task_id=job.task_id,
            prompt=job.prompt,
            negative_prompt=job.negative_prompt,
            character_orientation=job.character_orientation,
            keep_original_sound=job.keep_original_sound,
            progress_percent=job.progress_percent,
            result_path=job.result_path,
            failure_reason=job.failure_reason,
            image_path=job.image_path,
            image_url=job.image_url,
            video_path=job.video_path,
            video_url=job.video_url,
            output_seconds=job.output_seconds,
            created_at=job.created_at,
            submitted_at=job.submitted_at,
            finished_at=job.finished_at,
            model=job.model,
            billed=job.billed,
            made_by=job.made_by,
        )

    def words(self) -> str:
        shown = [
            ("Model", model_for(self.model).label),
            ("Made by", self.made_by),
            ("Prompt", self.prompt),
            ("Things to avoid", self.negative_prompt),
            ("Character faces", "as in the image" if self.character_orientation == "image" else "as in the video"),
            ("Sound", "kept" if self.keep_original_sound else "left out"),
            ("Character image", self.image_path or self.image_url),
            ("Motion video", self.video_path or self.video_url),
            ("Created", self.created_at),
            ("Finished", self.finished_at),
            ("Result", self.result_path),
            ("Why it failed", self.failure_reason),
            ("Charged", "yes: Novita made it and billed it" if self.billed and self.status != "succeeded" else None),
        ]
        lines = [f"Job {self.id}: {self.status_label} ({self.status})"]
        return "\n".join(lines + [f"  {name}: {value}" for name, value in shown if value])

    def line(self) -> str:
        """One line of `list`: id, status, when, and the start of the prompt."""
        prompt = self.prompt if len(self.prompt) <= 50 else self.prompt[:49] + "…"
        return f"{self.id}  {self.status:<15}  {self.created_at[:16].replace('T', ' ')}  {prompt}"


@dataclass(frozen=True)
class JobList:
    """The jobs `list` found, newest first; shown in JSON as an array of jobs."""

    jobs: list[JobView]

    def words(self) -> str:
        return "\n".join(job.line() for job in self.jobs) if self.jobs else "No jobs."

    def as_json(self) -> Any:
        return [asdict(job) for job in self.jobs]


@dataclass(frozen=True)
class Refusal:
    """Why a command did nothing: `error` in plain words, and the broken rules when there are any."""

    error: str
    problems: list[ProblemView] = field(default_factory=list)

    def words(self) -> str:
        return "\n".join([self.error] + [f"  - {problem.message}" for problem in self.problems])


class Refused(Exception):
    """The command did nothing, for a reason the user can act on; `problems` are the rules a file broke.

    Kept apart from `lib.errors`, whose classes are failures of the app's own work: this is the
    command line declining to go on (a job id it does not know, a file that fails its check).
    """

    def __init__(self, message: str, problems: list[ProblemView] | None = None) -> None:
        super().__init__(message)
        self.refusal = Refusal(message, problems or [])


Answer: TypeAlias = (
    "CheckView | PairCheckView | FixView | DownloadView | JobView | JobList | Refusal | Freed | BudgetList | MoveView"
)


class Out:
    """Where a command speaks: its answer on stdout, everything a person watches on stderr."""

    def __init__(self, as_json: bool, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.as_json = as_json
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self._progress_open = False

    def answer(self, answer: Answer) -> None:
        if self.as_json:
            shape = answer.as_json() if isinstance(answer, JobList | BudgetList) else asdict(answer)
            print(json.dumps(shape, indent=2, ensure_ascii=False), file=self.stdout)
        else:
            print(answer.words(), file=self.stdout)

    def refuse(self, refusal: Refusal) -> None:
        """The reason on stderr for a person; with --json, also on stdout for the script."""
        self.note(refusal.words())
        if self.as_json:
            self.answer(refusal)

    def note(self, text: str) -> None:
        self.done()
        print(text, file=self.stderr, flush=True)

    def progress(self, text: str) -> None:
        """A line that replaces the last one on a terminal, and a line of its own in a log."""
        if self.stderr.isatty():
            print(f"\r\x1b[K{text}", end="", file=self.stderr, flush=True)
            self._progress_open = True
        else:
            print(text, file=self.stderr, flush=True)

    def done(self) -> None:
        """Ends a progress line on a terminal, so what is printed next starts on a line of its own."""
        if self._progress_open:
            print(file=self.stderr, flush=True)
            self._progress_open = False


def _describe(kind: str | None, facts: dict[str, Any]) -> str:
    """'a motion video (MP4, 640 x 360 px, 12.0 s)' from a report's facts."""
    what = {"image": "a character image", "video": "a motion video"}.get(kind or "", "neither an image nor a video")
    details = []
    if facts.get("format"):
        details.append(str(facts["format"]).upper())
    if facts.get("width") and facts.get("height"):
        details.append(f"{facts['width']} x {facts['height']} px")
    if facts.get("duration"):
        details.append(f"{facts['duration']:.1f} s")
    return f"{what} ({', '.join(details)})" if details else what


def _advice_lines(advice: list[AdviceView], heading: str = "Advice") -> list[str]:
    if not advice:
        return []
    return [f"{heading} (it passes the rules, but may waste a take):"] + [
        f"  - {item.message}" + (f" [still: {item.frame}]" if item.frame else "") for item in advice
    ]


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"
