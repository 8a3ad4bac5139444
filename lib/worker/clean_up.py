"""The worker's clean-up pass: remove what nobody will use again, and say what it freed.

Pieces of uploads abandoned more than a day ago, copies in the static folder whose content no stored
file in use has, and export zips older than a day (with a media bucket, from there too: each worker
removes the zips it wrote). Stored files themselves go when their last
reference is deleted (`lib.files.references`), never here; with a media bucket, their local copies
untouched for a day go too (the data folder is only its cache, and fetches them again when asked).
Run hourly on the worker, and by hand with `python -m lib.cli clean-up`.
"""

from __future__ import annotations

import logging
import time

from lib.config import Settings
from lib.files.references import Freed, StoredFiles, changed_before, remove
from lib.files.storage import storage_for
from lib.history.export import export_zips
from lib.uploads.chunked import upload_partials

log = logging.getLogger(__name__)

# A day: long past any upload, download or page still showing a copy, short enough not to pile up.
KEEP_SECONDS = 24 * 3600


def clean_up(settings: Settings, keep_seconds: float = KEEP_SECONDS) -> Freed:
    """Remove what nobody will use again, left alone for `keep_seconds` first; what it freed."""
    cutoff = time.time() - keep_seconds
    storage = storage_for(settings)
    old_zips = changed_before(export_zips(settings.data_dir), cutoff)
    freed = Freed(
        static_copies=remove(StoredFiles(settings.database).unused_static_copies(settings.static_dir, cutoff)),
        upload_partials=remove(changed_before(upload_partials(settings.inputs_dir), cutoff)),
        export_zips=remove(old_zips),
        cached_files=remove(changed_before(storage.cached(StoredFiles(settings.database).referenced()), cutoff)),
    )
    for zipped in old_zips:  # the zips this worker wrote: their copies in the media bucket go too
        storage.delete(storage.name(zipped))
    log.info("clean-up: %s", freed.words())
    return freed
