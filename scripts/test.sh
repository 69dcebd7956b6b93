#!/usr/bin/env bash
# Runs the whole test suite (unit, integration, end-to-end). Extra arguments go to pytest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=$("$root/scripts/bootstrap.sh")
cd "$root"
exec "$python" -m pytest "$@"
