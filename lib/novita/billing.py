"""Money: whether a job's estimated cost fits the balance, and what Novita really billed, per day and model.

Novita's usage billing (`GET /openapi/v1/billing/bill/list`) answers one bill per period and product,
amounts as strings in units of 0.0001 USD, periods as Unix seconds. Its documented fields that matter
here: `startTime`, `endTime`, `productName`, `category`, `amount` (the total billed, vouchers
included). A query may span at most 31 days.

    refusal = cost_over_balance(1.40, 0.50)   # CostOverBalance, or None when the balance covers it
    spend = spend_by_day(client.bills(since=time.time() - 30 * 86400))
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from lib.errors import CostOverBalance

BILLS_PATH = "/openapi/v1/billing/bill/list"
BALANCE_UNIT_USD = 0.0001
GENERATION_CATEGORY = "gen_api"
MAX_QUERY_DAYS = 31


def cost_over_balance(cost_usd: float | None, balance_usd: float | None) -> CostOverBalance | None:
    """The refusal to raise when the estimated cost exceeds the balance; None when it fits or either is unknown."""
    if cost_usd is None or balance_usd is None or cost_usd <= balance_usd:
        return None
    return CostOverBalance(cost_usd, balance_usd)


@dataclass(frozen=True)
class Bill:
    """One period's charge for one product, as Novita billed it."""

    start: datetime
    end: datetime
    product: str
    category: str
    amount_usd: float

    @classmethod
    def from_payload(cls, item: dict[str, Any]) -> Bill:
        return cls(
            start=_moment(item.get("startTime")),
            end=_moment(item.get("endTime")),
            product=str(item.get("productName") or "unnamed product"),
            category=str(item.get("category") or ""),
            amount_usd=_units(item.get("amount")) * BALANCE_UNIT_USD,
        )


@dataclass(frozen=True)
class DaySpend:
    """What was billed on one day (UTC), in all and per product (model)."""

    day: date
    usd: float
    by_model: dict[str, float] = field(default_factory=dict)


def spend_by_day(bills: list[Bill]) -> list[DaySpend]:
    """Bills added up per day (UTC) and per product, newest day first."""
    days: dict[date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for bill in bills:
        days[bill.start.date()][bill.product] += bill.amount_usd
    return [
        DaySpend(day, round(sum(models.values()), 4), {name: round(usd, 4) for name, usd in sorted(models.items())})
        for day, models in sorted(days.items(), reverse=True)
    ]


def _moment(value: Any) -> datetime:
    return datetime.fromtimestamp(_units(value), UTC)


def _units(value: Any) -> int:
    try:
        return int(float(str(value)))
    except ValueError:
        return 0
