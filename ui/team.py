"""Who is at this browser: the team's sign-in (st.login, OpenID Connect, configured by `[auth]` in
`.streamlit/secrets.toml`), or on a shared password a name given once per browser and kept in a cookie.
The person is kept in the session for the pages to attribute work to; lib decides who may do what."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import unquote

import streamlit as st
import streamlit.components.v1 as components

from lib.config import Settings
from lib.errors import AdminsOnly, NotLetIn
from lib.team.audit import Audit
from lib.team.budgets import Budgets
from lib.team.people import given_name, is_admin, is_verified, let_in, may_manage, shown

PERSON = "person"  # session state: who is here (an email, or name:<a given name>), None when nobody said
KEEP, FORGET = "name_to_keep", "name_forgotten"  # session state: the cookie to write, or to clear, on the next draw
NAME_COOKIE = "motion_studio_name"
NOT_VERIFIED = (
    "Names here are for attribution, not security: anyone with the team password can type any name. "
    "Connect your team's sign-in (see the README's \"Your team\") to know who is who."
)


def sign_in_configured() -> bool:
    """Whether `[auth]` in secrets.toml sets up the team's identity provider (with no secrets file, even
    reading st.secrets raises)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, ValueError):
        return False


def who_is_here(settings: Settings) -> str | None:
    """The person at this browser; stops the page to sign in, to refuse an address not let in, or (on a
    shared password) to ask a name once. Without sign-in or a password the app is one person's: None."""
    if sign_in_configured():
        return _signed_in(settings)
    if not settings.app_password:
        return None
    if st.session_state.get(PERSON) is None:
        cookie = None if st.session_state.get(FORGET) else st.context.cookies.get(NAME_COOKIE)
        kept = unquote(cookie).strip() if isinstance(cookie, str) else ""  # a stand-in object under AppTest
        if kept:
            st.session_state[PERSON] = given_name(kept)
        else:
            _ask_name()
            st.stop()
    return st.session_state[PERSON]


def current_person() -> str | None:
    """Who this session's work is attributed to (set by the page set-up)."""
    return st.session_state.get(PERSON)


def person_in_sidebar(settings: Settings, person: str | None) -> None:
    """Who is signed in, whether verified, and Sign out; drawn in the sidebar of every page."""
    if st.session_state.get(KEEP):
        _cookie(json.dumps(st.session_state.pop(KEEP)), max_age=31536000)  # kept a year: asked once per browser
    if person is None:
        return
    role = " · admin" if is_admin(person, settings) else ""
    st.caption(f":material/person: {shown(person)}{role}")
    if not is_verified(person):
        st.caption(NOT_VERIFIED)
    if st.button("Sign out", key="sign_out", icon=":material/logout:"):
        if sign_in_configured():
            st.logout()
        st.session_state.update({PERSON: None, "signed_in": False, FORGET: True})
        st.rerun()


def whose_jobs(settings: Settings, asked: str | None = None) -> str | None:
    """History's choice of Everyone, Mine or one person (`asked`: the one the address names at first): the
    person to show, or None for everyone."""
    me = current_person()
    others = [p for p in Budgets(settings.database).makers() if p != me]
    choices = ["Everyone", *(["Mine"] if me else []), *others]
    st.session_state.setdefault(
        "filter_whose", "Mine" if asked and asked == me else asked if asked in others else "Everyone"
    )
    picked = st.selectbox(
        "Whose", choices, key="filter_whose", format_func=lambda c: c if c in ("Everyone", "Mine") else shown(c)
    )
    return None if picked == "Everyone" else me if picked == "Mine" else picked


def may_change(settings: Settings, owner: str | None, action: str) -> bool:
    """Whether this person may delete (or change) work made by `owner`; when not, says why and who can."""
    if may_manage(current_person(), owner, settings):
        return True
    st.caption(f":material/block: {AdminsOnly(action, list(settings.admin_emails))}")
    return False


def is_team_admin(settings: Settings, action: str | None = None) -> bool:
    """Whether this person may do what only admins may (always, in an app without sign-in or a password);
    with `action`, a refusal says why and who can."""
    me = current_person()
    if me is None or is_admin(me, settings):
        return True
    if action:
        st.caption(f":material/block: {AdminsOnly(action, list(settings.admin_emails))}")
    return False


def exported(settings: Settings, make: Callable[[], bytes], what: str) -> Callable[[], bytes]:
    """A download's deferred data that notes the export in the audit log when it is made (at the click,
    outside this page's run: the person is taken now)."""
    who = current_person()

    def made() -> bytes:
        Audit(settings.database).note(who, "history exported", what)
        return make()

    return made


def audit(settings: Settings, action: str, what: str = "", usd: float | None = None) -> None:
    """Note what this person did in the audit log."""
    Audit(settings.database).note(current_person(), action, what, usd)


def _signed_in(settings: Settings) -> str:
    if not st.user.is_logged_in:
        st.title("Motion Studio")
        st.write("Sign in with your team account to use Motion Studio.")
        if st.button("Sign in", type="primary", icon=":material/login:", key="team_sign_in"):
            st.login()
        st.stop()
    email = st.user.get("email")
    try:
        person = let_in(str(email) if email else None, settings)
    except NotLetIn as error:
        st.title("Motion Studio")
        st.error(str(error), icon=":material/block:")
        if st.button("Sign out", key="refused_sign_out", icon=":material/logout:"):
            st.logout()
        st.stop()
    st.session_state[PERSON] = person
    return person


def _ask_name() -> None:
    if st.session_state.get(FORGET):
        _cookie('""', max_age=0)
    st.title("Motion Studio")
    with st.form("your_name"):
        name = st.text_input("Your name", help="Shown on what you make, so the team can tell whose take is whose.")
        st.caption(NOT_VERIFIED)
        if st.form_submit_button("Continue", type="primary") and name.strip():
            st.session_state.update({PERSON: given_name(name), KEEP: name.strip(), FORGET: False})
            st.rerun()


def _cookie(quoted_value: str, max_age: int) -> None:
    """Write the name cookie from the page (Streamlit reads cookies but cannot set them); the value is
    JSON-quoted, so a name cannot break out of the script."""
    components.html(
        f"<script>parent.document.cookie = '{NAME_COOKIE}=' + encodeURIComponent({quoted_value}) + "
        f"'; path=/; max-age={max_age}; samesite=lax';</script>",
        height=0,
    )
