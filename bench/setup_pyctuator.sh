#!/usr/bin/env bash
# Creates bench/.venv-pyctuator: Pyctuator 1.2.0 with the same web stack versions as the project's .venv,
# so that the Pyctuator variant differs from the others only by Pyctuator.
#
#   bench/setup_pyctuator.sh [path/to/project/python]     (default: .venv/bin/python)
#
# Pyctuator's own extras pin fastapi 0.100 / uvicorn 0.23 / flask 2; its code runs on the current
# releases, so it is installed without extras. psutil stays below 6 as Pyctuator asks.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
project_python="${1:-$here/../.venv/bin/python}"
venv="${BENCH_PYCTUATOR_VENV:-$here/.venv-pyctuator}"

shared=(fastapi starlette uvicorn h11 anyio pydantic pydantic_core typing_extensions flask werkzeug jinja2 \
        itsdangerous click blinker markupsafe gunicorn)
pins=$("$project_python" - "${shared[@]}" <<'EOF'
import sys
from importlib import metadata

for name in sys.argv[1:]:
    try:
        print(f"{name}=={metadata.version(name)}")
    except metadata.PackageNotFoundError:
        pass
EOF
)

"$project_python" -m venv "$venv"
# shellcheck disable=SC2086
"$venv/bin/pip" install --quiet "pyctuator==1.2.0" "psutil<6" $pins
"$venv/bin/python" -c "import pyctuator, fastapi, flask; print('pyctuator venv ready:', '$venv')"
