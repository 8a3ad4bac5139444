"""Refusals of the team: a cap that would be passed, an action only an admin may take, an address not let in."""

from __future__ import annotations

from lib.errors.base import MotionStudioError


class OverBudget(MotionStudioError):
    """The work would pass a monthly cap (a person's or the team's): nothing was sent, nothing recorded
    for a batch. Ask an admin to raise the cap, or wait for next month."""

    def __init__(self, whose: str, left_usd: float, cap_usd: float, needs_usd: float, what: str = "this job") -> None:
        self.whose, self.left_usd, self.cap_usd, self.needs_usd = whose, left_usd, cap_usd, needs_usd
        self.user_message = (
            f"Over budget: ${max(left_usd, 0):,.2f} of {whose} ${cap_usd:,.2f} left this month; "
            f"{what} needs ${needs_usd:,.2f}. An admin can raise the cap on the Team page."
        )
        super().__init__()


class AdminsOnly(MotionStudioError):
    """Only an admin (named in ADMIN_EMAILS) may do this; the sentence says who can."""

    def __init__(self, action: str, admins: list[str]) -> None:
        who = ", ".join(admins) if admins else "an admin (nobody is named in ADMIN_EMAILS yet)"
        self.user_message = f"Only an admin can {action}. Ask {who}."
        super().__init__()


class NotLetIn(MotionStudioError):
    """The address signed in with is not on the team's list (ALLOWED_EMAILS, ALLOWED_DOMAINS)."""

    def __init__(self, email: str) -> None:
        self.email = email
        self.user_message = (
            f"{email or 'This account'} is not on this team's list. Sign out and sign in with your team "
            "address, or ask an admin to add this one."
        )
        super().__init__()
