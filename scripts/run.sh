#!/usr/bin/env bash
# Sets up a virtual environment (once) and runs Motion Studio. With no NOVITA_API_KEY it runs in demo mode.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
exec .venv/bin/python -m streamlit run app.py "$@"
