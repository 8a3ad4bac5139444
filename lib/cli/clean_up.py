"""`clean-up`: the worker's hourly clean-up pass, run now."""

from __future__ import annotations

import argparse

from lib.cli.output import OK, Out
from lib.config import Settings
from lib.worker.clean_up import clean_up


def clean_up_now(args: argparse.Namespace, out: Out, settings: Settings) -> int:
    """Remove abandoned upload pieces, unused static copies and old export zips; say what was freed."""
    out.answer(clean_up(settings))
    return OK
