"""The worker: `python -m lib.worker [--threads N]`. Sends jobs, follows them, saves results, runs fixes.

Run one or more next to the app, on the same data folder (or, with REDIS_URL, on any machine that
shares the data folder). Ctrl-C or SIGTERM stops it after the tasks under way finish (a second one
stops it at once); whatever it leaves is taken over by the next worker to start.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from huey.consumer import Consumer, Scheduler

from lib.config import load_settings
from lib.errors import DatabaseUnreachable, SettingInvalid
from lib.worker.heartbeat import BEAT_SECONDS, WorkerBeat, Workers
from lib.worker.queue import queue_for
from lib.worker.tasks import timing_for
from lib.worker.wiring import embedded_simulator, key_fingerprint

log = logging.getLogger("lib.worker")

# How long a stop waits for the tasks under way (a send, a download) to finish: within the 30 s that
# Procfile platforms give before they kill, and docker-compose's stop_grace_period says the same.
SHUTDOWN_SECONDS = 25.0


# How often scheduled looks are moved to the queue, and how long an idle thread waits before it looks
# there again. Huey allows a 1 s tick at the least, which made every look up to a second late and the
# lateness add up from look to look; each tick and each idle check is one small SQLite transaction.
TICK_SECONDS = 0.2
IDLE_CHECK_SECONDS = 0.4


class _Scheduler(Scheduler):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.interval = TICK_SECONDS


class _Consumer(Consumer):
    """Huey's consumer, with a finer scheduler tick, stopping gracefully on SIGTERM as on Ctrl-C.

    Huey stops at once on SIGTERM, killing a send mid-POST (paid, yet left "may have been sent"); but
    SIGTERM is how run.sh, Docker, systemd and Procfile platforms stop a process. A second signal
    still stops at once.
    """

    scheduler_class = _Scheduler

    def _set_signal_handlers(self) -> None:
        self._signal_actions[signal.SIGTERM] = self._signal_actions[signal.SIGINT] = (False, True)
        super()._set_signal_handlers()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="tasks run at once (default: WORKER_THREADS, 4)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)  # it logs every task at INFO
    try:
        settings = load_settings()
    except SettingInvalid as error:
        print(f"The worker cannot start: {error.detail}", file=sys.stderr)
        return 2
    threads = args.threads or settings.worker_threads
    if not 1 <= threads <= 32:
        parser.error("--threads takes a whole number from 1 to 32")
    try:
        workers = Workers(settings.database)
    except DatabaseUnreachable as error:
        print(f"The worker cannot start: {error}", file=sys.stderr)
        return 2
    queue = queue_for(settings)
    if settings.demo_mode:
        print(f"Demo mode: the Novita simulator serves on {embedded_simulator(settings).url}", flush=True)
    me = WorkerBeat.for_this_process(key_fingerprint(settings), threads)
    stopping = threading.Event()
    sweep_every = timing_for(settings).sweep_every

    def keep_alive() -> None:
        """Say this worker is alive, and now and then look for work a dead process left."""
        since_sweep = sweep_every
        while not stopping.is_set():
            workers.beat(me)
            if since_sweep >= sweep_every:
                queue.tasks.sweep()
                since_sweep = 0.0
            beat = min(BEAT_SECONDS, sweep_every)
            stopping.wait(beat)
            since_sweep += beat

    threading.Thread(target=keep_alive, name="worker-heartbeat", daemon=True).start()
    print(f"Motion Studio worker {me.id}: {threads} threads on {queue.where}.", flush=True)
    print("Ctrl-C stops it once the tasks under way finish.", flush=True)
    consumer = _Consumer(
        queue.huey,
        workers=threads,
        worker_type="thread",
        periodic=True,  # the hourly clean-up (tasks.clean_up); the sweep runs from keep_alive
        initial_delay=0.05,
        backoff=1.5,
        max_delay=IDLE_CHECK_SECONDS,
        scheduler_interval=1,
        shutdown_timeout=SHUTDOWN_SECONDS,
    )
    try:
        consumer.run()
    finally:
        stopping.set()
        workers.leave(me.id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
