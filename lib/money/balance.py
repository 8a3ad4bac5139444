"""Before a job is sent: does the balance cover it? A job it does not cover is failed, and never posted."""

from __future__ import annotations

import logging

from lib.errors import CostOverBalance, NovitaError
from lib.jobs.cancelling import end_unsent
from lib.jobs.models import Job
from lib.jobs.store import JobStore
from lib.money.estimate import PriceFor, most_for
from lib.novita.client import NovitaClient

log = logging.getLogger(__name__)


def cost_over_balance(cost_usd: float | None, balance_usd: float | None) -> CostOverBalance | None:
    """The refusal to raise when the estimated cost exceeds the balance; None when it fits or either is unknown."""
    if cost_usd is None or balance_usd is None or cost_usd <= balance_usd:
        return None
    return CostOverBalance(cost_usd, balance_usd)


def fail_if_over_balance(job: Job, store: JobStore, client: NovitaClient, price_for: PriceFor) -> bool:
    """Read the balance and, when the job's estimate exceeds it, mark the (unsent) job failed with the
    numbers: True when it did, and the job must not be sent. A job whose length is not known is held to
    the most its model may bill. A balance that cannot be read stops nothing: the service still refuses
    what the account cannot pay."""
    cost = most_for(job, price_for)
    try:
        balance = client.balance()
    except NovitaError as error:
        log.info("job %s: the balance could not be read (%s); sending it anyway", job.id, type(error).__name__)
        return False
    refusal = cost_over_balance(cost, balance)
    if refusal is None:
        return False
    end_unsent(store, job.id, str(refusal))
    return True
