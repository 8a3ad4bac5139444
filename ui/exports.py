"""History's Export and backup: the history as CSV, JSON or a zip with every video, and a database backup."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.config import Settings
from lib.errors import BackupFailed
from lib.files.storage import storage_for
from lib.history.backup import back_up, backups_dir
from lib.history.export import all_jobs, history_csv, history_json
from lib.history.filters import counted
from lib.jobs import JobStore
from lib.uploads.fix_runs import FixRun, FixState, fix_runs_for
from lib.worker import queue_export
from ui.fixing import run_progress
from ui.media import zip_link
from ui.team import exported


def zip_status(run: FixRun, settings: Settings) -> None:
    """The zip the worker writes: its progress and Stop while under way, then its link, or what happened."""
    if run.status.active:
        run_progress(run.id, settings.database, "Writing the zip")
    elif run.status is FixState.DONE and run.result_path and storage_for(settings).exists(run.result_path):
        zip_link(run.result_path, Path(run.result_path).name, "Download the zip")
    elif run.status is FixState.STOPPED:
        st.caption("The zip was stopped and nothing was kept. Press Prepare a zip with all videos to start again.")
    elif run.status is FixState.FAILED:
        st.error(f"The zip could not be written: {run.error}", icon=":material/error:")


def export_and_backup(settings: Settings, store: JobStore) -> None:
    state = st.session_state
    with st.expander("Export and backup", icon=":material/archive:"):
        st.caption("Every job in your history, whatever the filters above. Downloads are made when you click.")
        as_csv, as_json = st.columns(2)
        # Deferred (a callable): the files are read fresh at the click, not on every rerun of this page.
        as_csv.download_button(
            "Download history as CSV",
            data=exported(settings, lambda: history_csv(all_jobs(store), settings.price_for), "CSV"),
            key="export_csv",
            file_name="motion_studio-history.csv",
            mime="text/csv",
            icon=":material/table:",
            on_click="ignore",  # a rerun would renew every download's address while another is being clicked
        )
        as_json.download_button(
            "Download history as JSON",
            data=exported(settings, lambda: history_json(all_jobs(store)), "JSON"),
            key="export_json",
            file_name="motion_studio-history.json",
            mime="application/json",
            icon=":material/data_object:",
            on_click="ignore",
        )
        if st.button("Prepare a zip with all videos", key="prepare_zip", icon=":material/folder_zip:"):
            state.export_run = queue_export(settings).id  # a second click joins the zip being written
        run = fix_runs_for(settings).get(state.get("export_run") or "")
        if run is not None:
            zip_status(run, settings)
        if st.button("Back up the database now", key="backup_now", icon=":material/backup:"):
            try:
                backup = back_up(settings.database, backups_dir(settings.data_dir))
                st.success(
                    f"Backed up {counted(backup.job_count, 'job')} to `{backup.path}`", icon=":material/check_circle:"
                )
            except BackupFailed as error:
                st.error(str(error), icon=":material/error:")
