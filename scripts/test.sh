#!/usr/bin/env bash
# Install unitorch with both CPU backends and the test tools (pinned), then lint and run
# the whole suite on both backends.  This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -c requirements/constraints.txt -e ".[torch,tensorflow-cpu,dev]"
python -m ruff check .
python -m pytest "$@"
