"""`migrate`: a team's history, from this machine's data folder into PostgreSQL, and its files into the
media bucket (`--to-bucket`), so that machines sharing no disk find every row and every file."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from lib.cli.operators import CountView, MoveView
from lib.cli.output import OK, REFUSED, Out
from lib.config import Settings, load_settings
from lib.files.references import StoredFiles
from lib.files.storage import storage_for
from lib.store.moving import copy_history


def migrate(args: argparse.Namespace, out: Out, settings: Settings) -> int:
    """Copy what the target lacks, print the counts on both sides; 1 when any differ. The source stays as it was."""
    counts = [
        CountView(count.table, count.source, count.target, count.copied)
        for count in copy_history(settings.db_path, args.to_database, lambda table, n: out.progress(f"{table}: {n}"))
    ]
    if args.to_bucket:
        counts.append(_copy_files(settings, args.to_bucket, args.to_database, out))
    out.done()
    view = MoveView(_without_password(args.to_database), counts, all(c.source == c.target for c in counts))
    out.answer(view)
    return OK if view.same else REFUSED


def _copy_files(settings: Settings, bucket: str, database: str, out: Out) -> CountView:
    """Put every file the history names (inside the data folder) into `bucket`, reached as a machine with
    MEDIA_BUCKET set to it would (the S3_* settings), and rename them in the target history to the names every
    machine reads them by. An object already there with the same size is not sent again."""
    storage = storage_for(load_settings({**os.environ, "MEDIA_BUCKET": bucket}))
    inside = settings.data_dir.resolve()
    source = settings.db_path  # the data folder's SQLite history, the one being moved, whatever DATABASE_URL says
    named = StoredFiles(source).referenced()
    ours = sorted(p for p in named if Path(p).is_file() and Path(p).resolve().is_relative_to(inside))
    names, copied = {}, 0
    for number, path in enumerate(ours, 1):
        there = storage.exists(path)
        names[path] = storage.put(path)
        copied += not there
        out.progress(f"files: {number} of {len(ours)}")
    StoredFiles(database).rename(names)
    return CountView("files", len(ours), sum(storage.exists(name) for name in names.values()), copied)


def _without_password(url: str) -> str:
    """The database as the printout may name it: never its password."""
    scheme, sep, rest = url.partition("://")
    credentials, at, place = rest.rpartition("@")
    if not sep or not at:
        return url
    return f"{scheme}://{credentials.split(':')[0]}@{place}"
