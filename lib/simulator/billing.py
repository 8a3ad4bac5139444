"""The simulator's usage billing: a charge per task it accepted, answered as Novita's bill list.

Each accepted task takes its cost off the simulator's balance (see `Simulator.create_task`); the
same amount is written here, one file per task in the state folder, so the bills add up to what
the balance lost, survive a restart, and are shared by two simulators on one state folder.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from lib.files.atomic import atomic_write
from lib.novita.billing import BALANCE_UNIT_USD, GENERATION_CATEGORY

CYCLE_SECONDS = {"Hour": 3600, "Day": 86400}


@dataclass(frozen=True)
class Charge:
    task_id: str
    at: float  # Unix seconds
    product: str
    usd: float


def product_name(submit_path: str, model_name: str | None) -> str:
    """The product a submit is billed as: the endpoint's model, and the `model_name` asked for, if any."""
    endpoint = submit_path.rstrip("/").rsplit("/", 1)[-1]
    return f"{endpoint} ({model_name})" if model_name else endpoint


class Ledger:
    """Charges as JSON files in `<state>/charges/`, named by task id."""

    def __init__(self, state_dir: Path) -> None:
        self.folder = Path(state_dir) / "charges"
        self.folder.mkdir(parents=True, exist_ok=True)

    def charge(self, charge: Charge) -> None:
        with atomic_write(self.folder / f"{charge.task_id}.json") as partial:
            partial.write_text(json.dumps(asdict(charge)))

    def charges(self) -> list[Charge]:
        # A write still under way is a hidden ".<id>.*.part.json" file, which the glob skips.
        return [Charge(**json.loads(path.read_text())) for path in sorted(self.folder.glob("[0-9a-f]*.json"))]

    def bills(self, cycle: str, category: str, start: int, end: int) -> list[dict]:
        """The bill list body's `bills`: one per period and product with charges from `start` to `end`
        (Unix seconds; 0 means open), amounts as strings of 0.0001 USD units."""
        seconds = CYCLE_SECONDS[cycle]
        if category != GENERATION_CATEGORY:
            return []
        units: dict[tuple[int, str], int] = defaultdict(int)
        for charge in self.charges():
            second = int(charge.at)  # the query is in whole seconds, each one inclusive
            if (start and second < start) or (end and second > end):
                continue
            period = int(charge.at // seconds * seconds)
            units[(period, charge.product)] += round(charge.usd / BALANCE_UNIT_USD)
        return [
            {
                "userId": "simulator",
                "startTime": str(period),
                "endTime": str(period + seconds - 1),
                "billingMethod": 1,
                "productName": product,
                "category": GENERATION_CATEGORY,
                "ownerID": "",
                "billNum0": "0",
                "billNum1": "0",
                "basePrice0": "0",
                "basePrice1": "0",
                "discountPrice0": "0",
                "discountPrice1": "0",
                "amount": str(amount),
                "voucherAmount": "0",
                "payAmount": str(amount),
                "payAmountDisplay": 1,
                "pricePrecision": 1,
                "productId": product,
            }
            for (period, product), amount in sorted(units.items())
        ]
