"""Money: what a job is estimated to cost, whether Novita billed it, and the spend rows beside the bills.

Every estimate in the app comes from `estimate.py`: Generate's cost line, a batch's cells, History,
the CSV, Spending and the balance check before a send, so they always agree.

    estimate(model, Orientation.IMAGE, duration=3.5, price_per_second=0.14).usd   # 0.49
    job_estimate(job, settings.price_for).usd                                    # the same, for a recorded job
"""

from lib.money.balance import cost_over_balance, fail_if_over_balance
from lib.money.billed import next_steps
from lib.money.estimate import Estimate, estimate, estimate_cost, job_estimate
from lib.money.spending import SpendRow, spend_rows

__all__ = [
    "Estimate",
    "SpendRow",
    "cost_over_balance",
    "estimate",
    "estimate_cost",
    "fail_if_over_balance",
    "job_estimate",
    "next_steps",
    "spend_rows",
]
