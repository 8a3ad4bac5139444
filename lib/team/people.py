"""Who did something, as one string kept on every job, batch, library item and audit line (`made_by`).

Three kinds, told apart by their look:

    "ana@studio.com"   a verified email, from the team's sign-in (OpenID Connect)
    "cli:ana"          the command line, run by the operating-system user `ana`
    "name:Ana"         a name given once per browser on the shared password: attribution, not security

    shown("name:Ana")  # 'Ana (not verified)'
"""

from __future__ import annotations

import getpass

from lib.config import Settings
from lib.errors import AdminsOnly, NotLetIn

NAME_PREFIX = "name:"
CLI_PREFIX = "cli:"
TEAM = "team"  # the cap of everyone together


def cli_person(os_user: str | None = None) -> str:
    """The command line's person: `cli:<the operating-system user>`."""
    return CLI_PREFIX + (os_user or getpass.getuser())


def given_name(name: str) -> str:
    """The person for a name typed on the shared password, kept as it was typed (trimmed)."""
    return NAME_PREFIX + " ".join(name.split())


def is_verified(person: str | None) -> bool:
    """Whether the sign-in (or the machine's login, for the command line) vouches for this person."""
    return bool(person) and not str(person).startswith(NAME_PREFIX)


def shown(person: str | None) -> str:
    """The person in words for a card or a table: a given name says it is not verified."""
    if not person:
        return "someone before sign-in"
    if person.startswith(NAME_PREFIX):
        return f"{person[len(NAME_PREFIX) :]} (not verified)"
    return person


def cap_holder(given: str) -> str | None:
    """Who a cap is for, as typed: an email (lower-cased), `cli:<user>`, or `team`; None for anything else."""
    text = given.strip()
    if text == TEAM or (text.startswith(CLI_PREFIX) and len(text) > len(CLI_PREFIX)):
        return text
    return text.lower() if "@" in text else None


def is_admin(person: str | None, settings: Settings) -> bool:
    """Whether ADMIN_EMAILS names this person (an email, or a `cli:<user>`)."""
    return bool(person) and is_verified(person) and str(person).lower() in settings.admin_emails


def require_admin(person: str | None, settings: Settings, action: str) -> None:
    """Raise `AdminsOnly`, saying who can, unless this person is an admin."""
    if not is_admin(person, settings):
        raise AdminsOnly(action, list(settings.admin_emails))


def may_manage(person: str | None, owner: str | None, settings: Settings) -> bool:
    """Whether this person may delete or change work made by `owner`: their own, or any as an admin.
    Work from before the team (no owner) is everyone's."""
    return not owner or owner == person or is_admin(person, settings)


def let_in(email: str | None, settings: Settings) -> str:
    """The signed-in person, or `NotLetIn` naming the address when ALLOWED_EMAILS and ALLOWED_DOMAINS (either
    set) leave it out. Admins are always let in."""
    address = (email or "").strip().lower()
    if not settings.allowed_emails and not settings.allowed_domains:
        if address:
            return address
        raise NotLetIn(address)
    domain = address.rpartition("@")[2]
    if address and (
        address in settings.allowed_emails or domain in settings.allowed_domains or address in settings.admin_emails
    ):
        return address
    raise NotLetIn(address)


def command_line_person(settings: Settings, acting_as: str | None = None, os_user: str | None = None) -> str:
    """Who the command line records: `cli:<user>`, or with `--as EMAIL` that email when CLI_AS_USERS names
    the operating-system user (an admin's setting); otherwise `AdminsOnly`."""
    person = cli_person(os_user)
    if not acting_as:
        return person
    if person[len(CLI_PREFIX) :].lower() not in settings.cli_as_users:
        raise AdminsOnly(f"let {person} record work as someone else (CLI_AS_USERS)", list(settings.admin_emails))
    return acting_as.strip().lower()
