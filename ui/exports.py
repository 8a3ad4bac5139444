"""History's Export and backup: the history as CSV, JSON or a zip with every video, and a database backup."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lib.config import Settings
from lib.errors import BackupFailed
from lib.history.backup import back_up, backups_dir
from lib.history.export import all_jobs, export_zip, history_csv, history_json
from lib.jobs import JobStore


def export_and_backup(settings: Settings, store: JobStore) -> None:
    state = st.session_state
    with st.expander("Export and backup", icon=":material/archive:"):
        st.caption("Every job in your history, whatever the filters above. Downloads are made when you click.")
        as_csv, as_json = st.columns(2)
        # Deferred (a callable): the files are read fresh at the click, not on every rerun of this page.
        as_csv.download_button(
            "Download history as CSV",
            data=lambda: history_csv(all_jobs(store), settings.price_for),
            key="export_csv",
            file_name="motion_studio-history.csv",
            mime="text/csv",
            icon=":material/table:",
        )
        as_json.download_button(
            "Download history as JSON",
            data=lambda: history_json(all_jobs(store)),
            key="export_json",
            file_name="motion_studio-history.json",
            mime="application/json",
            icon=":material/data_object:",
        )
        if st.button("Prepare a zip with all videos", key="prepare_zip", icon=":material/folder_zip:"):
            bar = st.progress(0.0, text="Collecting the videos and images…")

            def moved(done: int, total: int) -> None:
                bar.progress(done / total, text=f"{done} of {total} files")

            with st.spinner("Writing the zip…"):
                zipped = export_zip(store, settings.data_dir, progress=moved, price_for=settings.price_for)
            bar.empty()
            state.export_zip_path = str(zipped)
        zip_path = state.get("export_zip_path")
        if zip_path and Path(zip_path).exists():
            st.download_button(
                "Download the zip",
                data=lambda: Path(zip_path).read_bytes(),
                key="export_zip_download",
                file_name=Path(zip_path).name,
                mime="application/zip",
                icon=":material/download:",
                type="primary",
            )
        if st.button("Back up the database now", key="backup_now", icon=":material/backup:"):
            try:
                backup = back_up(settings.db_path, backups_dir(settings.data_dir))
                st.success(f"Backed up {backup.job_count} jobs to `{backup.path}`", icon=":material/check_circle:")
            except BackupFailed as error:
                st.error(str(error), icon=":material/error:")
