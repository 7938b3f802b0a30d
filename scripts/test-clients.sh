#!/usr/bin/env bash
# scikit-learn's and SciPy's own array-API tests, run on unitorch tensors of each backend
# and, for comparison, on real torch tensors (a longer, separate command from
# scripts/test.sh; see the README's testing section).
#
# unitorch.testing.clients (a pytest plugin of this repo) adds `unitorch_on_torch` and
# `unitorch_on_tensorflow` to the array namespaces the two suites parametrize over, and
# prints passed/failed/skipped per namespace at the end of each run.
#
# Environment:
#   SCIPY_MODULES        the SciPy test packages to run (default below; the whole of
#                        SciPy's array-API tests is ~29,000 tests per namespace)
#   CLIENT_NAMESPACES    the namespaces to run (default torch,unitorch_on_torch,unitorch_on_tensorflow;
#                        add numpy for NumPy's own runs)
#   UNITORCH_NO_INSTALL=1  skip the pip install (unitorch is imported from this repo
#                        through PYTHONPATH either way)
# Extra arguments go to both pytest runs (e.g. -x, -k logsumexp).
# Reports: build/clients/{sklearn,scipy}.json (counts per namespace, failing test ids).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
SCIPY_MODULES="${SCIPY_MODULES:-scipy.special scipy.cluster scipy.spatial scipy.integrate scipy.optimize scipy.differentiate scipy.interpolate scipy.linalg scipy._lib}"
CLIENT_NAMESPACES="${CLIENT_NAMESPACES:-torch,unitorch_on_torch,unitorch_on_tensorflow}"

if [ -z "${UNITORCH_NO_INSTALL:-}" ]; then
    python -m pip install -q -c "$REPO/requirements/constraints.txt" \
        -e "$REPO[torch,tensorflow-cpu,dev,clients]"
fi
mkdir -p "$REPO/build/clients"
# outside the repo, so that its pytest settings (testpaths, filters) stay out of the way
cd "$(mktemp -d)"
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
export SCIPY_ARRAY_API=1
# --tb=line: one line per failure (the reports list them all); pytest's long tracebacks
# crashed the run once ("SystemError: AST constructor recursion depth mismatch" while
# formatting a failure)
common=(-p unitorch.testing.clients -p no:cacheprovider -q -rfE --disable-warnings --tb=line
        --unitorch-clients-namespaces="$CLIENT_NAMESPACES")
status=0

echo "== scikit-learn $(python -c 'import sklearn; print(sklearn.__version__)'): tests named *array_api*"
python -m pytest "${common[@]}" --pyargs sklearn -k array_api \
    --unitorch-clients-report="$REPO/build/clients/sklearn.json" "$@" || status=$?

# SciPy's conftest makes torch's default dtype float64 (SCIPY_DEFAULT_DTYPE); unitorch's
# tests get the same default
echo "== SciPy $(python -c 'import scipy; print(scipy.__version__)'): $SCIPY_MODULES"
# shellcheck disable=SC2086
python -m pytest "${common[@]}" --pyargs $SCIPY_MODULES -m array_api_backends \
    --unitorch-default-dtype="${SCIPY_DEFAULT_DTYPE:-float64}" \
    --unitorch-clients-report="$REPO/build/clients/scipy.json" "$@" || status=$?
exit "$status"
