"""`migrate`: a team's history, from this machine's data folder into PostgreSQL."""

from __future__ import annotations

import argparse

from lib.cli.operators import CountView, MoveView
from lib.cli.output import OK, REFUSED, Out
from lib.config import Settings
from lib.store.moving import copy_history


def migrate(args: argparse.Namespace, out: Out, settings: Settings) -> int:
    """Copy what the target lacks, print the counts on both sides; 1 when any differ. The source stays as it was."""
    counts = [
        CountView(count.table, count.source, count.target, count.copied)
        for count in copy_history(settings.db_path, args.to_database, lambda table, n: out.progress(f"{table}: {n}"))
    ]
    out.done()
    view = MoveView(_without_password(args.to_database), counts, all(c.source == c.target for c in counts))
    out.answer(view)
    return OK if view.same else REFUSED


def _without_password(url: str) -> str:
    """The database as the printout may name it: never its password."""
    scheme, sep, rest = url.partition("://")
    credentials, at, place = rest.rpartition("@")
    if not sep or not at:
        return url
    return f"{scheme}://{credentials.split(':')[0]}@{place}"
