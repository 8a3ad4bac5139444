"""What a press of Generate decides: which key sends, the takes it asks for, whether the balance allows
them, and what to say when some were already running. The page asks; these answer, from values.

    sent = send_takes(request, 3, token, settings, session_key=typed_key(settings, deployment_key))
    sent.jobs, sent.problem
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields

from lib.config import Settings
from lib.errors import CostOverBalance, MotionStudioError
from lib.files.hosting import Hosting
from lib.jobs.models import Job
from lib.jobs.submit import JobRequest, Variation
from lib.money.balance import cost_over_balance
from lib.worker.sending import submit


@dataclass(frozen=True)
class TakesSent:
    """The takes one press made or found in flight, and the sentence to show when one could not be sent."""

    jobs: list[Job] = field(default_factory=list)
    problem: str | None = None


def typed_key(settings: Settings, deployment_key: str | None) -> str | None:
    """The key typed into this browser session, which no worker holds; None when jobs go to the queue."""
    if settings.api_key and settings.api_key != deployment_key:
        return settings.api_key
    return None


def variations(request: JobRequest, count: int, token: str) -> list[tuple[JobRequest, str | None]]:
    """The requests one press sends, each with its submission key: the request itself for one take, else
    `count` variations named by the press's token, so a double click makes each once."""
    if count == 1:
        return [(request, None)]
    same = {f.name: getattr(request, f.name) for f in fields(JobRequest)}
    return [(Variation(**same, key=f"{token}-{i}"), f"{token}-{i}") for i in range(count)]


def token_spent(takes: list[Job], token: str) -> bool:
    """Whether every take this press's token named has ended: the same settings again are new takes."""
    pressed = [job for job in takes if (job.submission_key or "").startswith(token)]
    return bool(pressed) and all(job.status.final for job in pressed)


def balance_refusal(
    cost_usd: float | None, demo_mode: bool, balance: Callable[[], float | None]
) -> CostOverBalance | None:
    """The refusal when the takes cost more than the balance. In demo mode nothing is charged and the page
    cannot reach the worker's simulator, so `balance` is not asked."""
    if demo_mode:
        return None
    return cost_over_balance(cost_usd, balance())


def send_takes(
    request: JobRequest,
    count: int,
    token: str,
    settings: Settings,
    *,
    session_key: str | None = None,
    hosting: Hosting | None = None,
    public_base_url: str | None = None,
) -> TakesSent:
    """Submit the press's takes through the engine; the first that is refused stops the rest."""
    jobs: list[Job] = []
    for take, key in variations(request, count, token):
        try:
            jobs.append(
                submit(
                    take,
                    settings,
                    session_key=session_key,
                    hosting=hosting,
                    public_base_url=public_base_url,
                    submission_key=key,
                )
            )
        except MotionStudioError as error:
            return TakesSent(jobs, str(error))
    return TakesSent(jobs)


def already_running(take_numbers: list[int]) -> str | None:
    """The note for takes a press found already in flight with the same settings, by number."""
    if not take_numbers:
        return None
    words = " and ".join(str(n) for n in sorted(take_numbers))
    verb = "is" if len(take_numbers) == 1 else "are"
    return f"Take {words} {verb} already running with these settings."
