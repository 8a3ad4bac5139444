"""History's Spending: this key's estimates here beside what Novita billed the whole account, per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st

from lib.config import Settings
from lib.jobs import JobStore
from lib.money import spend_rows
from lib.money.spending import BILLED_MEANS, ESTIMATED_MEANS
from lib.novita.balance import SPEND_DAYS, live_spend
from lib.worker.wiring import key_fingerprint


def spending(settings: Settings, store: JobStore) -> None:
    # Worked out only while open: it reads the key's jobs of the days it shows, and reading every job
    # took most of History's first render over 100,000 jobs (docs/benchmarks.md) behind a closed expander.
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
        since = (datetime.now(UTC) - timedelta(days=SPEND_DAYS)).date().isoformat()
        mine = store.made_with_key_since(key_fingerprint(settings), since)
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
