"""Spending: the app's estimates for the jobs made here with one API key, per day, beside Novita's bills.

The two columns do not measure the same thing, and the page says so: the estimates cover only the jobs
this app made with this key, while Novita's usage bills (`gen_api`, video generation) cover the whole
account, every key and every app. A bill above the estimates may be another key's work, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lib.jobs.models import Job, JobStatus
from lib.money.estimate import PriceFor, job_estimate
from lib.novita.billing import DaySpend

ESTIMATED_MEANS = "the app's estimates for the video jobs made here with this API key"
BILLED_MEANS = "what Novita billed the whole account for video generation, every key and every app included"


@dataclass(frozen=True)
class SpendRow:
    """One day (UTC): what the jobs made here with this key that day were estimated to cost, and what
    Novita billed the whole account, if known."""

    day: date
    estimated_usd: float
    billed_usd: float | None
    billed_by_model: dict[str, float]


def spend_rows(jobs: list[Job], price_for: PriceFor, billed: list[DaySpend] | None) -> list[SpendRow]:
    """Estimates of the jobs Novita billed or will bill (those it has and has not failed: a failed task is
    not charged, but a job billed before our side failed is), each at its model's price (`price_for`, e.g.
    `settings.price_for`), beside the account's bills, per day, newest first; `billed` None means the
    bills could not be read."""
    estimated: dict[date, float] = {}
    for job in jobs:
        cost = job_estimate(job, price_for).usd
        if cost is not None and (job.billed or (job.task_id and job.status is not JobStatus.FAILED)):
            day = datetime.fromisoformat(job.submitted_at or job.created_at).date()
            estimated[day] = estimated.get(day, 0.0) + cost
    bills = {spend.day: spend for spend in billed or []}
    return [
        SpendRow(
            day,
            round(estimated.get(day, 0.0), 2),
            bills[day].usd if day in bills else (None if billed is None else 0.0),
            bills[day].by_model if day in bills else {},
        )
        for day in sorted(estimated.keys() | bills.keys(), reverse=True)
    ]
