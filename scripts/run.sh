#!/usr/bin/env bash
# Sets up a virtual environment (once) and runs Motion Studio: the app and one worker beside it, both stopped
# by Ctrl-C. With no NOVITA_API_KEY it runs in demo mode. Options pass to Streamlit (e.g. --server.port 8600).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
# In a session of its own, so Ctrl-C reaches only the app; when the app ends, however it ends, the worker is
# sent one SIGTERM and stops once the tasks under way finish.
setsid .venv/bin/python -m lib.worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT
.venv/bin/python -m streamlit run app.py "$@"
