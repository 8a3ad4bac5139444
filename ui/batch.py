"""A batch as one group: its progress, its results in a compact grid (rows characters, columns motion videos)
of posters that play when clicked, one zip of every result, and a link to Compare its takes. Shown on the
Batch page and in History.

Nothing here reads a video: each plays from the static route (`/app/static/...`), the zip is the one the
worker wrote to disk, streamed from the static route too, and a file that is gone shows what is missing.
"""

from __future__ import annotations

import html

import streamlit as st

from lib.batches import Batch, BatchCell, BatchStatus, batch_jobs, batch_progress, cell_words, compare_link, ready_zip
from lib.batches.results import zips_dir
from lib.config import Settings
from lib.files.storage import Storage, storage_for
from lib.history.times import local_time
from lib.jobs.models import Job, JobStatus
from lib.jobs.store import JobStore
from lib.novita.rules import model_for
from ui.media import zip_link

# A 10 x 10 grid of these fits a laptop screen (1400 x 900) beside the sidebar.
CELL_HEIGHT_PX = 60
_STYLE = f"""
<style>
.batch-grid {{ display: grid; gap: 3px; font-size: 11px; line-height: 1.2; }}
.batch-grid .name {{ overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: #555; }}
.batch-grid .row-name {{ display: flex; align-items: center; height: {CELL_HEIGHT_PX}px; }}
.batch-grid .cell {{ height: {CELL_HEIGHT_PX}px; background: #f0f2f6; border-radius: 4px; overflow: hidden;
  display: flex; align-items: center; justify-content: center; text-align: center; padding: 2px; }}
.batch-grid video {{ width: 100%; height: 100%; object-fit: contain; background: #000; }}
.batch-grid .missing {{ color: #b42318; }}
.batch-grid video {{ cursor: pointer; }}
</style>
"""
# A poster plays when clicked, and stops when clicked again: cells are too small for a video's own controls.
_CLICK_TO_PLAY = """
<script>
if (!window.batchGridPlays) {
  window.batchGridPlays = true;
  document.addEventListener("click", (event) => {
    const video = event.target.closest && event.target.closest(".batch-grid video");
    if (!video) return;
    if (video.paused) video.play().catch(() => {}); else video.pause();
  });
}
</script>
"""


def under_way(store: JobStore, batch: Batch) -> bool:
    """Whether the batch is still fixing files or has a cell that has not ended."""
    return batch_progress(batch, batch_jobs(store, batch)).under_way(batch)


def batch_title(store: JobStore, batch: Batch) -> str:
    """One line for a folded batch: its size, when, and how far it is."""
    words = batch_progress(batch, batch_jobs(store, batch)).words(batch)
    prompt = f" · {batch.prompt[:40]}" if batch.prompt else ""
    return f"Batch of {batch.rows} x {batch.cols}, {local_time(batch.created_at)}{prompt}: {words}"


def batch_group(store: JobStore, batch: Batch, key: str, settings: Settings) -> bool:
    """Show the batch; whether any of it is still under way (so the caller keeps refreshing)."""
    jobs = batch_jobs(store, batch)
    progress = batch_progress(batch, jobs)
    words = progress.words(batch)
    if batch.status is BatchStatus.FAILED:
        st.error(words, icon=":material/error:")
        return False
    st.markdown(f"**{words}**")
    st.progress(progress.ended / progress.total if progress.total else 0.0)
    st.caption(
        f"{batch.rows} x {batch.cols} on {model_for(batch.model).label}, about ${batch.estimated_cost:.2f}"
        + (f" · prompt: {batch.prompt}" if batch.prompt else "")
    )
    st.html(_STYLE + _grid(batch, jobs, storage_for(settings)))
    st.html(_CLICK_TO_PLAY, unsafe_allow_javascript=True)  # our own script only: the grid's names stay inert
    actions = st.columns(2)
    if progress.done:
        zipped = ready_zip(batch, jobs, zips_dir(settings.data_dir), storage_for(settings))
        label = f"Download {progress.done} result{'s' if progress.done != 1 else ''} (zip)"
        if zipped is not None:
            with actions[0]:
                zip_link(zipped, f"motion_batch_{batch.created_at[:10]}_{batch.id[:6]}.zip", label)
        else:
            actions[0].caption("The zip of every result is made on the worker once every job has ended.")
    picks = compare_link(batch, jobs)
    if picks is not None:
        actions[1].page_link(
            "pages/4_Compare.py", label="Compare", icon=":material/compare:", query_params={"jobs": ",".join(picks)}
        )
    return progress.under_way(batch)


def _grid(batch: Batch, jobs: dict[str, Job], storage: Storage) -> str:
    columns = f"minmax(70px, 1.2fr) repeat({batch.cols}, minmax(40px, 1fr))"
    parts = ['<div class="name">Character \\ motion</div>']
    parts += [f'<div class="name" title="{_e(name)}">{_e(name)}</div>' for name in batch.motions]
    for row, name in enumerate(batch.characters):
        parts.append(f'<div class="name row-name" title="{_e(name)}">{_e(name)}</div>')
        parts += [_cell(cell, jobs.get(cell.job_id or ""), storage) for cell in batch.cells if cell.row == row]
    return f'<div class="batch-grid" style="grid-template-columns: {columns}">{"".join(parts)}</div>'


def _cell(cell: BatchCell, job: Job | None, storage: Storage) -> str:
    where = f"{cell.character} x {cell.motion}"
    if job is not None and job.status is JobStatus.SUCCEEDED and job.result_path:
        video = storage.link(job.result_path)
        if video is None:  # gone, or going while it is served: whoever removed it, the grid says so
            return _words(f"{where}: its video is missing from the data folder", "Video missing", missing=True)
        poster = storage.link(job.poster_path) if job.poster_path else None
        # Without its still picture the video still plays.
        poster_attr = f' poster="{_e(poster)}"' if poster else ""
        return (
            f'<div class="cell" title="{_e(where)}"><video src="{_e(video)}"'
            f'{poster_attr} preload="none" playsinline></video></div>'
        )
    said = cell_words(cell, job)
    return _words(f"{where}: {said}", said, missing=bool(cell.error) or (job is not None and job.status.final))


def _words(full: str, short: str, missing: bool = False) -> str:
    kind = "cell missing" if missing else "cell"
    return f'<div class="{kind}" title="{_e(full)}">{_e(short)}</div>'


def _e(text: str) -> str:
    return html.escape(text, quote=True)
