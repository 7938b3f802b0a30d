#!/usr/bin/env bash
# Install unitorch with both CPU backends and the test tools (pinned), then lint and run
# the whole suite on both backends.  This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -c requirements/constraints.txt -e ".[torch,tensorflow-cpu,dev]"
# The docs' browser check (tests/test_doc_browser.py) drives Debian's Chromium through
# Playwright (pinned in the dev extra; it downloads no browser).  Installed here when
# missing and running as root (about 35 s, 113 MB, on this project's machines); without
# it that test skips and says so.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends chromium; } >/dev/null \
        || echo "scripts/test.sh: could not install chromium; the browser check will skip" >&2
fi
python -m ruff check .
python -m pytest "$@"
