#!/usr/bin/env bash
# Run the Array API conformance suite (data-apis/array-api-tests) against unitorch, once
# per backend.
#
# The suite is not on PyPI, so it needs a checkout (GitHub is not reachable from CI):
#
#   git clone https://github.com/data-apis/array-api-tests
#   git -C array-api-tests checkout 55fcc60179efa2680ddd6cd926ddf17b83530e2b
#   git -C array-api-tests submodule update --init      # array-api/ (the spec, 5f847a38)
#   ARRAY_API_TESTS_DIR=$PWD/array-api-tests bash scripts/array-api-conformance.sh
#
# Environment:
#   ARRAY_API_TESTS_DIR      the checkout (required)
#   ARRAY_API_TESTS_VERSION  the standard's version to test (default 2024.12; set it to
#                            "default" for the version unitorch declares)
#   UNITORCH_BACKENDS        the backends to run, space-separated (default: torch tensorflow)
#   UNITORCH_NO_INSTALL=1    skip the pip install (unitorch is imported from this repo
#                            through PYTHONPATH either way)
# Extra arguments go to pytest (e.g. --max-examples 200, -x, -k test_diff).
# Each backend writes its JSON report to build/conformance/<backend>-<version>.json.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PINNED_COMMIT=55fcc60179efa2680ddd6cd926ddf17b83530e2b
: "${ARRAY_API_TESTS_DIR:?set ARRAY_API_TESTS_DIR to a checkout of data-apis/array-api-tests at $PINNED_COMMIT (see the top of this script)}"
VERSION="${ARRAY_API_TESTS_VERSION:-2024.12}"
BACKENDS="${UNITORCH_BACKENDS:-torch tensorflow}"

if [ ! -f "$ARRAY_API_TESTS_DIR/array-api/src/array_api_stubs/__init__.py" ]; then
    echo "error: $ARRAY_API_TESTS_DIR has no array-api/ spec folder; run" \
         "'git submodule update --init' there" >&2
    exit 2
fi
found="$(git -C "$ARRAY_API_TESTS_DIR" rev-parse HEAD 2>/dev/null || echo unknown)"
if [ "$found" != "$PINNED_COMMIT" ]; then
    echo "warning: $ARRAY_API_TESTS_DIR is at $found, not the pinned $PINNED_COMMIT" >&2
fi

# unitorch with both backends, and the suite's own requirements (the conformance extra)
if [ -z "${UNITORCH_NO_INSTALL:-}" ]; then
    python -m pip install -q -c "$REPO/requirements/constraints.txt" \
        -e "$REPO[torch,tensorflow-cpu,dev,conformance]"
fi

status=0
mkdir -p "$REPO/build/conformance"
cd "$ARRAY_API_TESTS_DIR"
for backend in $BACKENDS; do
    if [ "$VERSION" = default ]; then
        unset ARRAY_API_TESTS_VERSION
        tag=default
    else
        export ARRAY_API_TESTS_VERSION="$VERSION"
        tag="$VERSION"
    fi
    echo "== array-api-tests on unitorch/$backend, version $tag"
    # --disable-deadline: the suite's 800 ms per example measures the machine, not the
    # library (on a loaded 2-core CPU, 7 TensorFlow tests failed on it alone)
    UNITORCH_BACKEND="$backend" ARRAY_API_TESTS_MODULE=unitorch PYTHONPATH="$REPO" \
        python -m pytest array_api_tests -q -p no:cacheprovider -rf --disable-warnings \
        --disable-deadline \
        --json-report --json-report-file="$REPO/build/conformance/$backend-$tag.json" \
        "$@" || status=$?
done
exit "$status"
