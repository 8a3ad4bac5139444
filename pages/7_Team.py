"""Team: each person's spend this month against their cap, their jobs and the failures they were charged
for; setting caps; and the audit log of paid actions and changes. Admins see everyone; a member their own."""

from __future__ import annotations

import streamlit as st

from lib.errors import AdminsOnly
from lib.team.audit import Audit, audit_csv
from lib.team.budgets import Budgets, Spend, charged_failures
from lib.team.people import TEAM, is_admin, shown
from ui.common import page, status_badge, when
from ui.team import audit, current_person

settings, store = page("Team", ":material/group:")
budgets = Budgets(settings.database)
me = current_person()
admin = me is None or is_admin(me, settings)  # an app without sign-in or a password is one person's

st.title("Team")
st.write(
    "Monthly caps in US dollars, for each person and for the whole team. The worker checks them just before "
    "it sends each job, whoever asked (a page, a second tab, a batch or the command line): a job that would "
    'pass a cap is not sent and fails with "Over budget" and the numbers; a batch that would is not made.'
)


def usd(value: float | None) -> str:
    return "no cap" if value is None else f"${value:,.2f}"


def spend_row(spend: Spend) -> dict[str, str | int]:
    return {
        "Who": "Everyone together" if spend.person == TEAM else shown(spend.person),
        "Spent this month": usd(spend.spent_usd),
        "Monthly cap": usd(spend.cap_usd),
        "Left": "—" if spend.left_usd is None else usd(spend.left_usd),
        "Jobs": spend.jobs,
    }


if not admin:
    st.subheader("Your month")
    st.dataframe([spend_row(budgets.spend(me or "", settings.price_for))], hide_index=True)
    st.caption(f":material/block: {AdminsOnly('see everyone’s spending and set caps', list(settings.admin_emails))}")
    st.stop()

spends = budgets.everyone(settings.price_for)
st.subheader("This month")
st.dataframe([spend_row(spend) for spend in spends], hide_index=True)

with st.form("set_cap"):
    st.markdown("**Set a monthly cap**")
    who, dollars = st.columns([2, 1])
    person = who.text_input("Person", placeholder="ana@studio.com, cli:ana, or team", key="cap_person")
    amount = dollars.number_input("US dollars a month", min_value=0.0, step=5.0, key="cap_dollars")
    if st.form_submit_button("Set cap", type="primary"):
        person = (
            person.strip() if person.strip() in (TEAM,) or person.strip().startswith("cli:") else person.strip().lower()
        )
        if not person:
            st.error("Name the person: an email, cli:<user>, or team.")
        else:
            budgets.set(person, amount, set_by=me)
            audit(settings, "budget set", f"{person} to ${amount:,.2f} a month", amount)
            st.rerun()

st.subheader("Each person's jobs")
for spend in spends:
    if spend.person == TEAM:
        continue
    jobs = budgets.month_jobs(spend.person)
    charged = charged_failures(jobs)
    with st.expander(f"{shown(spend.person)}: {len(jobs)} jobs, {usd(spend.spent_usd)} of {usd(spend.cap_usd)}"):
        if charged:
            st.warning(f"{len(charged)} charged without a video (Novita billed them, then something failed).")
        for job in reversed(jobs):
            text, badge = st.columns([5, 1])
            charged_mark = " · charged, no video" if job in charged else ""
            text.page_link(
                "pages/3_History.py",
                label=f"{when(job.created_at)} · {job.prompt[:60] or 'No prompt'}{charged_mark}",
                query_params={"job": job.id},
            )
            with badge:
                status_badge(job)

st.subheader("Audit log")
lines = Audit(settings.database).lines()
st.caption("Every paid action, and every change of a cap, a role or a setting: who, when and what.")
st.download_button(
    "Download the audit log (CSV)",
    audit_csv(lines),
    file_name="motion-studio-audit.csv",
    mime="text/csv",
    icon=":material/download:",
)
st.dataframe(
    [
        {
            "When": when(line.at),
            "Who": shown(line.who),
            "What": line.action,
            "Detail": line.what,
            "USD": usd(line.usd) if line.usd is not None else "",
        }
        for line in lines[:200]
    ],
    hide_index=True,
)
