#!/usr/bin/env bash
# Builds the sdist and the wheel into dist/ (with the project's venv, created on first use).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=$("$root/scripts/bootstrap.sh")
rm -rf "$root/dist"
log=$(mktemp)
"$python" -m build --outdir "$root/dist" "$root" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
rm -f "$log"
ls "$root"/dist/*
