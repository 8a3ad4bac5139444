"""A batch as one group: its progress, its results in a grid (rows characters, columns motion videos), one
zip of every result, and a link to Compare its takes. Shown on the Batch page and in History."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.batches import Batch, BatchStatus, batch_progress, batch_zip, compare_link
from lib.jobs.models import Job
from lib.jobs.store import JobStore
from lib.novita.rules import model_for


def batch_jobs(store: JobStore, batch: Batch) -> dict[str, Job]:
    return {job_id: job for job_id in batch.job_ids if (job := store.get(job_id)) is not None}


def under_way(store: JobStore, batch: Batch) -> bool:
    """Whether the batch is still fixing files or has a job that has not ended."""
    progress = batch_progress(batch, batch_jobs(store, batch))
    return batch.status is BatchStatus.FIXING or (batch.status is BatchStatus.SENT and progress.ended < progress.total)


def batch_group(store: JobStore, batch: Batch, key: str) -> bool:
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
    header = st.columns([1] + [2] * batch.cols)
    header[0].caption("Character \\ motion")
    for col, video in enumerate(batch.videos):
        header[col + 1].caption(f"Motion {col + 1}: {Path(video).name[:24]}")
    for row, image in enumerate(batch.images):
        line = st.columns([1] + [2] * batch.cols)
        line[0].image(image, caption=f"Character {row + 1}", width="stretch")
        for cell in (c for c in batch.cells if c.row == row):
            job = jobs.get(cell.job_id or "")
            with line[cell.col + 1]:
                if job is None:
                    st.caption("Deleted from History" if cell.job_id else "Waiting for its fixes")
                elif job.result_path and Path(job.result_path).exists():
                    st.video(job.result_path)
                else:
                    # ui.common is not imported here: ui/ is no package, so mypy would see that module twice.
                    st.caption(
                        f"{job.status.label}… {job.progress_percent}%" if job.status.polled else job.status.label
                    )
    actions = st.columns(2)
    if progress.done:
        actions[0].download_button(
            f"Download {progress.done} result{'s' if progress.done != 1 else ''} (zip)",
            data=batch_zip(batch, jobs),
            file_name=f"motion_batch_{batch.created_at[:10]}_{batch.id[:6]}.zip",
            mime="application/zip",
            icon=":material/download:",
            key=f"{key}_zip_{progress.done}",
        )
    link = compare_link(batch, jobs)
    if link is not None:
        actions[1].page_link(
            "pages/4_Compare.py",
            label="Compare",
            icon=":material/compare:",
            query_params={"jobs": link.split("=", 1)[1]},
        )
    return batch.status is BatchStatus.FIXING or progress.ended < progress.total
