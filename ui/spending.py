"""History's Spending: this key's estimates here beside what Novita billed the whole account, per day."""

from __future__ import annotations

import streamlit as st

from lib.config import Settings
from lib.history.export import all_jobs
from lib.jobs import JobStore
from lib.money import spend_rows
from lib.money.spending import BILLED_MEANS, ESTIMATED_MEANS
from lib.novita.balance import SPEND_DAYS, live_spend
from lib.worker.wiring import key_fingerprint


def spending(settings: Settings, store: JobStore) -> None:
    # Worked out only while open: it reads every job of the key, which over 100,000 jobs took most of
    # History's first render (docs/benchmarks.md) when it ran behind a closed expander.
    panel = st.expander(
        "Spending: this key's estimates and what Novita billed the account",
        icon=":material/payments:",
        key="spending_open",
        on_change="rerun",
    )
    if not panel.open:
        return
    with panel:
        billed = None if settings.demo_mode else live_spend(settings.api_key, settings.api_base_url)
        mine = [job for job in all_jobs(store) if job.key_fingerprint == key_fingerprint(settings)]
        rows = spend_rows(mine, settings.price_for, billed.days if billed else None)
        if settings.demo_mode:
            st.caption("Demo mode: nothing is billed. The estimates are what these jobs would cost on Novita.")
        elif billed is not None and billed.problem:
            st.warning(f"What Novita billed could not be read: {billed.problem}", icon=":material/warning:")
        else:
            st.caption(
                f"Per day (UTC), over the last {SPEND_DAYS} days. **Estimated** is {ESTIMATED_MEANS}. "
                f"**Billed by Novita** is {BILLED_MEANS}, so it can be higher."
            )
        if rows:
            st.dataframe(
                [
                    {
                        "Day": row.day.isoformat(),
                        "Estimated (this key, here)": f"${row.estimated_usd:,.2f}",
                        "Billed by Novita (whole account)": "—"
                        if row.billed_usd is None
                        else f"${row.billed_usd:,.2f}",
                        "Billed per model (whole account)": ", ".join(
                            f"{model}: ${usd:,.2f}" for model, usd in row.billed_by_model.items()
                        )
                        or "—",
                    }
                    for row in rows
                ],
                hide_index=True,
            )
        else:
            st.caption("Nothing was sent yet.")
