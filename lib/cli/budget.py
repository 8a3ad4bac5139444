"""`budget set PERSON DOLLARS` and `budget show`: monthly caps, for operators at the server.

The command line runs with the data folder's own rights, so it needs no sign-in: whoever can run it can
read and write the store anyway. Each change is in the audit log under `cli:<os user>`.
"""

from __future__ import annotations

import argparse

from lib.cli.operators import BudgetLine, BudgetList
from lib.cli.output import OK, Out, Refused
from lib.config import Settings
from lib.team.audit import Audit
from lib.team.budgets import Budgets
from lib.team.people import cap_holder, cli_person


def set_budget(args: argparse.Namespace, out: Out, settings: Settings) -> int:
    """Set PERSON's monthly cap (an email, cli:<user>, or team) and show where everyone stands."""
    person = cap_holder(args.person)
    if person is None:
        raise Refused(f"{args.person!r} is not a person: give an email, cli:<user>, or team.")
    who = cli_person()
    Budgets(settings.database).set(person, args.dollars, set_by=who)
    Audit(settings.database).note(who, "budget set", f"{person} to ${args.dollars:,.2f} a month", usd=args.dollars)
    return show_budgets(args, out, settings)


def show_budgets(args: argparse.Namespace, out: Out, settings: Settings) -> int:
    """Each cap, what was spent this month and what is left."""
    spends = Budgets(settings.database).everyone(settings.price_for)
    out.answer(BudgetList([BudgetLine(s.person, s.cap_usd, s.spent_usd, s.left_usd, s.jobs) for s in spends]))
    return OK
