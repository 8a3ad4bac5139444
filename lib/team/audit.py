"""The audit log: every paid action (a job sent, a batch) and every change of a cap, a role or a setting,
with who, when and what; kept in the store and exported as CSV for an admin.

    Audit(db).note("ana@studio.com", "budget set", "cli:ops to $20.00", usd=20.0)
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select

from lib.jobs.models import Job, JobStatus, new_job_id, now_iso
from lib.money.estimate import PriceFor, most_for
from lib.store.door import Database
from lib.store.tables import audit_log


@dataclass(frozen=True)
class AuditLine:
    """One thing done: `who` did `action` (in a few words) to `what`, `at` (UTC), costing `usd` when paid."""

    id: str
    at: str
    who: str | None
    action: str
    what: str
    usd: float | None = None


class Audit(Database):
    """The `audit_log` table: written once per action, never changed."""

    def note(self, who: str | None, action: str, what: str = "", usd: float | None = None) -> AuditLine:
        line = AuditLine(new_job_id(), now_iso(), who, action, what, usd)
        self._insert(audit_log, asdict(line))
        return line

    def lines(self, limit: int | None = None, who: str | None = None) -> list[AuditLine]:
        """Newest first; one person's when `who` is given."""
        found = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
        if who:
            found = found.where(audit_log.c.who == who)
        return [AuditLine(**row) for row in self._rows(found)]


def audit_csv(lines: list[AuditLine]) -> str:
    """The log as CSV for a spreadsheet: when, who, what was done, to what, dollars."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["when (UTC)", "who", "action", "what", "usd"])
    for line in lines:
        writer.writerow(
            [line.at, line.who or "", line.action, line.what, "" if line.usd is None else f"{line.usd:.2f}"]
        )
    return out.getvalue()


def note_sent(job: Job, db_path: Path | str, price_for: PriceFor) -> None:
    """A paid action: the job was handed to the service (or may have been), at its estimate."""
    if job.status in (JobStatus.QUEUED, JobStatus.MAYBE_SUBMITTED):
        Audit(db_path).note(job.made_by, "job sent", f"job {job.id} ({job.model})", usd=most_for(job, price_for))
