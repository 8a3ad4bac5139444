"""A stand-in for the app's process in the restart test: it runs the poller until it is killed."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from lib.jobs import JobStore
from lib.jobs.poller import Poller, PollTiming
from lib.novita import NovitaClient

if __name__ == "__main__":
    db_path, results_dir, service_url, api_key = sys.argv[1:5]
    timing = PollTiming(min_interval=0.2, max_interval=1.0, idle_check=0.2)
    Poller(
        JobStore(Path(db_path)), lambda: NovitaClient(api_key, service_url), Path(results_dir), "novita", timing
    ).start()
    print("polling", flush=True)
    threading.Event().wait()
