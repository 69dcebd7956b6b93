#!/usr/bin/env bash
# Creates .venv (once) and installs the project with every extra into it; prints the venv's python.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
stamp="$venv/.installed-from"
if [ ! -x "$venv/bin/python" ]; then
  echo "creating virtual environment in .venv ..." >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip >&2
fi
digest=$(sha1sum "$root/pyproject.toml" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  echo "installing otel-actuator and its dependencies into .venv ..." >&2
  # setuptools warns in a box on every editable install (in every editable mode) that folders named
  # like the package may shadow it; nothing here does, so that one warning is ignored.
  PYTHONWARNINGS="ignore:Editable installation${PYTHONWARNINGS:+,$PYTHONWARNINGS}" \
    "$venv/bin/python" -m pip install -q -e "$root[dev]" >&2
  echo "$digest" > "$stamp"
fi
echo "$venv/bin/python"
