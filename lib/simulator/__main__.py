"""Serve the Novita-compatible simulator on 127.0.0.1: `python -m lib.simulator --port 8765`."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import threading
import time
from pathlib import Path

from lib.simulator.server import start
from lib.simulator.tasks import SimulatorConfig


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Novita-compatible simulator on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--state-dir", type=Path, default=Path("data/simulator"))
    parser.add_argument("--processing-seconds", type=float, default=SimulatorConfig.processing_seconds)
    parser.add_argument("--url-ttl", type=int, default=SimulatorConfig.url_ttl)
    parser.add_argument("--api-key", default=None, help="accept only this key (default: any non-empty key)")
    parser.add_argument("--ready-result", default="", help="answer every task at once with this MP4 (benchmarks)")
    parser.add_argument(
        "--render-cache",
        default=os.environ.get("SIMULATOR_RENDER_CACHE", ""),
        help="a folder of earlier renders to share (default: SIMULATOR_RENDER_CACHE, else its own)",
    )
    parser.add_argument("--exit-after", type=float, default=None, help="stop by itself after this many seconds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    config = SimulatorConfig(
        args.processing_seconds,
        args.url_ttl,
        args.api_key,
        ready_result=args.ready_result,
        render_cache=args.render_cache,
    )
    running = start(args.state_dir, config, args.port)
    print(f"Novita simulator on {running.url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        time.sleep(args.exit_after) if args.exit_after else threading.Event().wait()
    running.stop()


if __name__ == "__main__":
    main()
