"""Batches: one request over a grid of characters (rows) and motion videos (columns), each cell one job.

A batch is planned (every file checked, its cost estimated, a spending cap applied) before anything is
recorded (`plan`); once confirmed it is stored with its cells under a key (`store`), and a worker fixes
what needs fixing and records and sends the cells (`running`). `progress` says how it stands, and
`results` keeps its zip on disk.

plan = plan_batch(["ana.png", "ben.png"], ["dance.mp4"], Orientation.IMAGE, model, price_per_second=0.14)
plan.total_cost  # 2 cells x billed seconds x price, e.g. 0.98
batch = Batches(settings.database).create(plan, key="the click's token")
"""

from __future__ import annotations

from lib.batches.plan import (
    MAX_SIDE,
    BatchPlan,
    PlannedCell,
    PlannedFile,
    plan_batch,
)
from lib.batches.progress import BatchProgress, batch_progress, cell_ended, cell_words, compare_link
from lib.batches.results import batch_zip, ready_zip, zips_dir
from lib.batches.store import Batch, BatchCell, Batches, BatchStatus
from lib.batches.sweep import batch_jobs

__all__ = [
    "MAX_SIDE",
    "Batch",
    "BatchCell",
    "BatchPlan",
    "BatchProgress",
    "BatchStatus",
    "Batches",
    "PlannedCell",
    "PlannedFile",
    "batch_jobs",
    "batch_progress",
    "batch_zip",
    "cell_ended",
    "cell_words",
    "compare_link",
    "plan_batch",
    "ready_zip",
    "zips_dir",
]
