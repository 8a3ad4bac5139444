"""Monthly caps in dollars, per person and for the team, held by the worker before every POST.

What a person spent this month is the estimate (`lib.money.estimate.most_for`, the one home of the cost) of
each of their jobs made this month that was sent, charged, or waits to be sent: one that failed before
Novita took it costs nothing and counts nothing. The worker asks `fail_if_over_budget` just before it
posts, so the command line, a second tab and a batch are all held; a batch asks `Budgets.refusal` for its
whole cost before anything of it is recorded; pages ask it early to warn.

    Budgets(db).set("ana@studio.com", 20.0, set_by="boss@studio.com")
    Budgets(db).refusal("ana@studio.com", price_for, needs_usd=9.8)   # OverBudget: "$4.20 of your $20.00 ..."
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from lib.errors import OverBudget
from lib.jobs.cancelling import end_unsent
from lib.jobs.models import Job, JobStatus, now_iso
from lib.jobs.store import JobStore
from lib.money.estimate import PriceFor, most_for
from lib.store.door import Database
from lib.store.tables import budgets, jobs
from lib.team.people import TEAM

# Sent, being sent, or charged: what such a job may cost is spent (or held) already.
_SPENDING = (
    JobStatus.MAYBE_SUBMITTED,
    JobStatus.QUEUED,
    JobStatus.PROCESSING,
    JobStatus.DOWNLOADING,
    JobStatus.SUCCEEDED,
    JobStatus.EXPIRED,
)


@dataclass(frozen=True)
class Spend:
    """One person's (or the team's) month: the cap (None: no cap), what was spent, and what is left."""

    person: str
    cap_usd: float | None
    spent_usd: float
    jobs: int

    @property
    def left_usd(self) -> float | None:
        return None if self.cap_usd is None else round(self.cap_usd - self.spent_usd, 2)


def month_start(now: datetime | None = None) -> str:
    """The first instant of this month in UTC, as the store writes times."""
    now = now or datetime.now(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).isoformat(timespec="milliseconds")


def counts(job: Job, asking: Job | None = None) -> bool:
    """Whether `job`'s cost counts against a cap when `asking` (a job about to be sent) is checked: charged,
    sent, or waiting to be sent ahead of it. Waiting jobs count in the order they were recorded, so two
    senders checking at once (worker threads, two workers) cannot both spend the last of a cap."""
    if asking is not None and job.id == asking.id:
        return False
    if job.billed or job.status in _SPENDING:
        return True
    if job.status is not JobStatus.SUBMITTING:
        return False
    return asking is None or (job.created_at, job.id) < (asking.created_at, asking.id)


class Budgets(Database):
    """The `budgets` table (a cap per person, `team` for everyone) and what was spent against it."""

    def set(self, person: str, monthly_usd: float, set_by: str | None) -> None:
        """Set a monthly cap in dollars (0 stops all sending)."""
        self._upsert(
            budgets,
            {"person": person, "monthly_usd": float(monthly_usd), "set_by": set_by, "updated_at": now_iso()},
        )

    def caps(self) -> dict[str, float]:
        return {row["person"]: row["monthly_usd"] for row in self._rows(select(budgets))}

    def makers(self) -> list[str]:
        """Everyone who made a job, for History's filter."""
        found = select(jobs.c.made_by).where(jobs.c.made_by.is_not(None)).distinct().order_by(jobs.c.made_by)
        return [row["made_by"] for row in self._rows(found)]

    def month_jobs(self, person: str | None = None) -> list[Job]:
        """This month's jobs, of one person or of everyone (None)."""
        found = select(jobs).where(jobs.c.created_at >= month_start()).order_by(jobs.c.created_at, jobs.c.id)
        if person is not None:
            found = found.where(jobs.c.made_by == person)
        return [Job.from_row(row) for row in self._rows(found)]

    def spend(self, person: str, price_for: PriceFor, asking: Job | None = None) -> Spend:
        """What `person` (or `team`) spent or holds this month; with `asking`, as that job sees it (`counts`)."""
        jobs = [j for j in self.month_jobs(None if person == TEAM else person) if counts(j, asking)]
        spent = round(sum(most_for(job, price_for) for job in jobs), 2)
        return Spend(person, self.caps().get(person), spent, len(jobs))

    def everyone(self, price_for: PriceFor) -> list[Spend]:
        """Each person with a cap or a job this month, then the team."""
        people = sorted({*self.caps(), *(job.made_by or "" for job in self.month_jobs())} - {TEAM, ""})
        return [self.spend(person, price_for) for person in people] + [self.spend(TEAM, price_for)]

    def refusal(
        self,
        person: str | None,
        price_for: PriceFor,
        needs_usd: float,
        what: str = "this job",
        asking: Job | None = None,
    ) -> OverBudget | None:
        """The refusal when `needs_usd` more would pass the person's cap or the team's; None when it fits."""
        for whose, label in ((person, "your"), (TEAM, "the team's")):
            if whose is None:
                continue
            spend = self.spend(whose, price_for, asking)
            left = spend.left_usd
            if left is not None and needs_usd > left + 1e-9:
                return OverBudget(label, left, spend.cap_usd or 0.0, needs_usd, what)
        return None


def charged_failures(jobs: list[Job]) -> list[Job]:
    """The jobs Novita billed that gave no video (a download or a check failed after it charged)."""
    return [job for job in jobs if job.billed and job.status is not JobStatus.SUCCEEDED]


def fail_if_over_budget(job: Job, store: JobStore, price_for: PriceFor) -> bool:
    """Just before a send: when the job would pass its person's cap or the team's, mark it (unsent) failed
    with the numbers, "Over budget: ...": True when it did, and it must not be sent."""
    refusal = Budgets(store.db_path).refusal(job.made_by, price_for, most_for(job, price_for), asking=job)
    if refusal is None:
        return False
    end_unsent(store, job.id, str(refusal))
    return True
