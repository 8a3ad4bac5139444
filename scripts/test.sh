#!/usr/bin/env bash
# Sets up a virtual environment (once) with the test tools, runs the gates (lint, format, types), then the
# whole test suite. Any pytest options pass through (e.g. -m "not browser").
set -euo pipefail
cd "$(dirname "$0")/.."
# The browser tests drive Debian's chromium through Playwright (`playwright install` cannot download one here).
if [ ! -x /usr/bin/chromium ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy lib ui
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
