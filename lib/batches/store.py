"""Batches and their cells in the store.

Every change to a batch is compare-and-set, as for jobs: a worker holds a batch under a lease while it
fixes files and records cells, and the sweep takes over a batch whose lease ran out. A batch is
created once under its key, so a double click, two tabs or a rerun make one batch.

batch = Batches(settings.database).create(plan, key="a-token-of-the-click")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update

from lib.batches.plan import BatchPlan
from lib.store.door import Database, insert
from lib.store.ids import new_id
from lib.store.tables import batch_cells, batches
from lib.store.times import now_iso


class BatchStatus(StrEnum):
    """Where a batch stands: its fixes run on a worker (`fixing`), then its cells are queued (`sent`)."""

    FIXING = "fixing"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class BatchCell:
    row: int
    col: int
    image_path: str
    video_path: str
    estimated_cost: float
    job_id: str | None = None
    error: str | None = None  # why this cell ended without a job, in words
    image_name: str = ""
    video_name: str = ""

    @property
    def character(self) -> str:
        return self.image_name or Path(self.image_path).name

    @property
    def motion(self) -> str:
        return self.video_name or Path(self.video_path).name


@dataclass(frozen=True)
class Batch:
    """A confirmed batch and its cells, rows (characters) then columns (motion videos)."""

    id: str
    status: BatchStatus
    prompt: str
    negative_prompt: str
    character_orientation: str
    keep_original_sound: bool
    model: str
    estimated_cost: float
    max_cost: float | None
    files_to_fix: int
    files_fixed: int
    error: str | None
    created_at: str
    updated_at: str
    cells: tuple[BatchCell, ...] = field(default=())
    key: str | None = None
    lease: str | None = None
    due_at: str | None = None
    public_base_url: str | None = None

    @property
    def rows(self) -> int:
        return 1 + max((cell.row for cell in self.cells), default=-1)

    @property
    def cols(self) -> int:
        return 1 + max((cell.col for cell in self.cells), default=-1)

    @property
    def job_ids(self) -> list[str]:
        return [cell.job_id for cell in self.cells if cell.job_id]

    @property
    def images(self) -> list[str]:
        return [cell.image_path for cell in self.cells if cell.col == 0]

    @property
    def videos(self) -> list[str]:
        return [cell.video_path for cell in self.cells if cell.row == 0]

    @property
    def characters(self) -> list[str]:
        """The rows' names, as the person knows the files."""
        return [cell.character for cell in self.cells if cell.col == 0]

    @property
    def motions(self) -> list[str]:
        """The columns' names."""
        return [cell.motion for cell in self.cells if cell.row == 0]


class Batches(Database):
    """Batches and their cells in the store."""

    def create(self, plan: BatchPlan, key: str | None = None, public_base_url: str | None = None) -> Batch:
        """Record a confirmed plan; under a `key` already used, or for the same plan while a batch of it still
        fixes its files (a second tab), the batch made then, and nothing new.

        `public_base_url` is where the service fetches the cells' motion videos, when the session set one.
        """
        batch_id = new_id()
        now = now_iso()
        row = {
            "id": batch_id,
            "key": key,
            "content_hash": plan.content_hash(),
            "public_base_url": public_base_url,
            "status": BatchStatus.FIXING.value,
            "prompt": plan.prompt,
            "negative_prompt": plan.negative_prompt,
            "character_orientation": plan.orientation.value,
            "keep_original_sound": int(plan.keep_original_sound),
            "model": plan.model.word,
            "estimated_cost": plan.total_cost,
            "max_cost": plan.max_cost,
            "files_to_fix": len(plan.files_to_fix),
            "files_fixed": 0,
            "error": None,
            "created_at": now,
            "updated_at": now,
        }
        cells = [
            {
                "batch_id": batch_id,
                "row": cell.row,
                "col": cell.col,
                "image_path": cell.image,
                "video_path": cell.video,
                "image_name": cell.image_name,
                "video_name": cell.video_name,
                "estimated_cost": cell.cost,
                "job_id": None,
            }
            for cell in plan.cells
        ]
        # One write transaction checks the key and inserts, so two tabs or processes cannot both win.
        same = [and_(batches.c.content_hash == row["content_hash"], batches.c.status == BatchStatus.FIXING.value)]
        if key is not None:  # no key is no key: never the same as another batch without one
            same.append(batches.c.key == key)
        with self._write() as conn:
            existing = conn.execute(select(batches.c.id).where(or_(*same)).limit(1)).first()
            if existing:
                batch_id = existing[0]
            else:
                insert(conn, batches, row)
                insert(conn, batch_cells, *cells)
        batch = self.get(batch_id)
        assert batch is not None
        return batch

    def get(self, batch_id: str) -> Batch | None:
        with self._db() as conn:
            row = conn.execute(select(batches).where(batches.c.id == batch_id)).mappings().first()
            if row is None:
                return None
            cells = conn.execute(
                select(batch_cells)
                .where(batch_cells.c.batch_id == batch_id)
                .order_by(batch_cells.c.row, batch_cells.c.col)
            ).mappings()
            return _batch(dict(row), [dict(cell) for cell in cells])

    def recent(self, limit: int = 20) -> list[Batch]:
        ids = self._rows(select(batches.c.id).order_by(batches.c.created_at.desc()).limit(limit))
        return [batch for batch in (self.get(row["id"]) for row in ids) if batch is not None]

    def with_status(self, status: BatchStatus) -> list[Batch]:
        ids = self._rows(select(batches.c.id).where(batches.c.status == status.value))
        return [batch for batch in (self.get(row["id"]) for row in ids) if batch is not None]

    def batch_of(self, job_id: str) -> str | None:
        """The batch a job was made for, if any."""
        row = self._first(select(batch_cells.c.batch_id).where(batch_cells.c.job_id == job_id).limit(1))
        return row["batch_id"] if row else None

    def update(self, batch_id: str, expect: dict[str, Any] | None = None, **changes: Any) -> Batch | None:
        """Change a batch if it still holds what `expect` says; the batch after, or None if not written."""
        if self._set_if("batches", batch_id, expect or {}, {**changes, "updated_at": now_iso()}) is None:
            return None
        return self.get(batch_id)

    def set_job(self, batch_id: str, row: int, col: int, job_id: str) -> None:
        self._set_cell(batch_id, row, col, job_id=job_id, error=None)

    def set_error(self, batch_id: str, row: int, col: int, error: str) -> None:
        """The cell ends without a job, saying why (a cell that has its job keeps it)."""
        self._set_cell(batch_id, row, col, error=error)

    def _set_cell(self, batch_id: str, row: int, col: int, **changes: Any) -> None:
        cell = [batch_cells.c.batch_id == batch_id, batch_cells.c.row == row, batch_cells.c.col == col]
        if "job_id" not in changes:
            cell.append(batch_cells.c.job_id.is_(None))
        self._execute(update(batch_cells).where(*cell).values(changes))


def _batch(row: dict[str, Any], cells: list[dict[str, Any]]) -> Batch:
    return Batch(
        id=row["id"],
        status=BatchStatus(row["status"]),
        prompt=row["prompt"] or "",
        negative_prompt=row["negative_prompt"] or "",
        character_orientation=row["character_orientation"],
        keep_original_sound=bool(row["keep_original_sound"]),
        model=row["model"],
        estimated_cost=row["estimated_cost"] or 0.0,
        max_cost=row["max_cost"],
        files_to_fix=row["files_to_fix"] or 0,
        files_fixed=row["files_fixed"] or 0,
        error=row["error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        key=row.get("key"),
        lease=row.get("lease"),
        due_at=row.get("due_at"),
        public_base_url=row.get("public_base_url"),
        cells=tuple(
            BatchCell(
                c["row"],
                c["col"],
                c["image_path"],
                c["video_path"],
                c["estimated_cost"] or 0.0,
                c["job_id"],
                c.get("error"),
                c.get("image_name") or "",
                c.get("video_name") or "",
            )
            for c in cells
        ),
    )
