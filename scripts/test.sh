#!/usr/bin/env bash
# Sets up a virtual environment (once) with the test tools, runs the gates (lint, format, types, layers,
# module sizes), then the whole test suite. Any pytest options pass through (e.g. -m "not browser").
set -euo pipefail
cd "$(dirname "$0")/.."
# The browser tests drive Debian's chromium through Playwright (`playwright install` cannot download one
# here); the queue tests start Debian's redis-server on a free port of their own, and the store tests a
# PostgreSQL server (Debian's postgresql: initdb and postgres, run as the postgres user).
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -x /usr/bin/redis-server ] || missing="$missing redis-server"
command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
if [ -n "$missing" ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    # shellcheck disable=SC2086 - one word per package
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy lib ui
# The layers point only down (the contracts in pyproject.toml), and every module stays small.
.venv/bin/lint-imports --no-cache
.venv/bin/python scripts/module_lines.py
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
