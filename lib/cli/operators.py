"""What the operators' commands answer: `budget show` (each cap and this month's spend) and `migrate` (the
counts on both sides of a move), in words or as JSON, like every other answer in `lib.cli.output`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class BudgetLine:
    """A cap and this month's spend: `person` is an email, cli:<user> or `team`; `cap_usd` None is no cap."""

    person: str
    cap_usd: float | None
    spent_usd: float
    left_usd: float | None
    jobs: int


@dataclass(frozen=True)
class BudgetList:
    """`budget show`: each cap, what was spent this month and what is left; in JSON an array of lines."""

    lines: list[BudgetLine]

    def words(self) -> str:
        def usd(value: float | None) -> str:
            return "no cap" if value is None else f"${value:,.2f}"

        return "\n".join(
            f"{line.person}: spent ${line.spent_usd:,.2f} of {usd(line.cap_usd)} this month"
            + ("" if line.left_usd is None else f", {usd(line.left_usd)} left")
            for line in self.lines
        )

    def as_json(self) -> Any:
        return [asdict(line) for line in self.lines]


@dataclass(frozen=True)
class CountView:
    """One table (or the files) of a move: how many on each side afterwards, and how many this run copied."""

    name: str
    source: int
    target: int
    copied: int


@dataclass(frozen=True)
class MoveView:
    """What `migrate` did: `same` is whether every count matches on both sides (else the exit code is 1)."""

    target: str
    counts: list[CountView]
    same: bool

    def words(self) -> str:
        width = max(len(count.name) for count in self.counts)
        lines = [f"{'':{width}}  {'here':>8}  {'there':>8}  {'copied now':>10}"]
        for count in self.counts:
            flag = "" if count.source == count.target else "  <- differs"
            lines.append(f"{count.name:{width}}  {count.source:8d}  {count.target:8d}  {count.copied:10d}{flag}")
        ending = "Every count matches." if self.same else "Some counts differ: see the lines marked above."
        return "\n".join([f"Copied to {self.target}.", *lines, ending])
