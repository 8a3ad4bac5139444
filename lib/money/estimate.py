"""The one estimate of what a generation costs: seconds of output Novita may bill, times the model's price.

Novita bills each second of output, and a result is as long as its motion video up to the model's cap
(`Model.billed_seconds`). Costs are in US dollars, rounded to cents per job; a total is the sum of its jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lib.jobs.models import Job
from lib.novita.rules import Model, Orientation, model_for

PriceFor = Callable[[Model], float]  # e.g. `settings.price_for`: US dollars per second of a model's output


@dataclass(frozen=True)
class Estimate:
    """`seconds` of output (None: its length is not known) at `price_per_second`."""

    seconds: float | None
    price_per_second: float

    @property
    def usd(self) -> float | None:
        return estimate_cost(self.seconds, self.price_per_second)


def estimate(model: Model, orientation: Orientation | str, duration: float, price_per_second: float) -> Estimate:
    """What a motion video of `duration` seconds costs with this model and orientation."""
    return Estimate(model.billed_seconds(duration, orientation), price_per_second)


def job_estimate(job: Job, price_for: PriceFor) -> Estimate:
    """What a recorded job costs: its billed seconds (measured when it was recorded) at its model's price."""
    return Estimate(job.output_seconds, price_for(model_for(job.model)))


def most_for(job: Job, price_for: PriceFor) -> float:
    """The most the job may cost: its estimate, or if its length is unknown, the model's longest output."""
    known = job_estimate(job, price_for).usd
    if known is not None:
        return known
    model = model_for(job.model)
    return estimate(model, job.character_orientation, float("inf"), price_for(model)).usd or 0.0


def estimate_cost(output_seconds: float | None, price_per_second: float) -> float | None:
    """USD for a result of this length: the service bills seconds of output."""
    return None if output_seconds is None else round(output_seconds * price_per_second, 2)
