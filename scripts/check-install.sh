#!/usr/bin/env bash
# Install truth: builds the sdist and wheel, runs every `pip install` line of README.md and docs/ as written,
# each in a fresh venv in the repository root, then smoke-tests the installed wheel: import, a zero-code
# launch of a small app, one actuator request. Used by CI; takes a few minutes (pip's cache helps).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== build sdist and wheel"
scripts/build-dist.sh >/dev/null
ls dist/otel_actuator-*.tar.gz dist/otel_actuator-*.whl

fresh_venv() {
    rm -rf "$work/venv"
    python3 -m venv "$work/venv"
    "$work/venv/bin/python" -m pip install -q --upgrade pip
}

echo "== every pip install line of README.md and docs/, as written"
python3 - README.md docs/*.md > "$work/lines" <<'PY'
import re, sys
seen = []
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        for command in re.findall(r"`(pip install [^`]+)`", line) or ([line.strip()] if line.strip().startswith("pip install") else []):
            command = command.split("  #")[0].strip()
            if command not in seen:
                seen.append(command)
print("\n".join(seen))
PY
while IFS= read -r line; do
    [ -n "$line" ] || continue
    echo "-- $line"
    fresh_venv
    (PATH="$work/venv/bin:$PATH" && bash -euo pipefail -c "$line -q")
    # The wheel's line leaves the venv the smoke test below uses.
    case "$line" in *dist/otel_actuator-*.whl*\[all\]*) cp -a "$work/venv" "$work/wheel-venv" ;; esac
done < "$work/lines"

echo "== smoke test of the wheel in a fresh venv"
if [ -d "$work/wheel-venv" ]; then
    rm -rf "$work/venv" && mv "$work/wheel-venv" "$work/venv"
else
    fresh_venv
    "$work/venv/bin/pip" install -q "$(ls dist/otel_actuator-*.whl)[all]"
fi
cat > "$work/smoke_app.py" <<'PY'
from fastapi import FastAPI

app = FastAPI()


@app.get("/hello/{name}")
def hello(name: str) -> dict[str, str]:
    return {"hello": name}
PY
port=$("$work/venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd "$work" && OTEL_SERVICE_NAME=smoke OTEL_TRACES_EXPORTER=actuator OTEL_METRICS_EXPORTER=actuator \
    OTEL_LOGS_EXPORTER=actuator OTEL_ACTUATOR_EXPOSURE_INCLUDE='*' \
    exec "$work/venv/bin/opentelemetry-instrument" "$work/venv/bin/uvicorn" smoke_app:app --port "$port" \
    >"$work/smoke.log" 2>&1) &
server=$!
"$work/venv/bin/python" - "$port" <<'PY' || { cat "$work/smoke.log"; kill "$server"; exit 1; }
import sys, time, httpx
base = f"http://127.0.0.1:{sys.argv[1]}"
deadline = time.monotonic() + 60
while True:
    try:
        if httpx.get(f"{base}/hello/world").status_code == 200:
            break
    except httpx.HTTPError:
        pass
    if time.monotonic() > deadline:
        raise SystemExit("the zero-code app did not answer")
    time.sleep(0.2)
timer = httpx.get(f"{base}/actuator/metrics/http.server.requests", params={"tag": "uri:/hello/{name}"}).json()
count = {m["statistic"]: m["value"] for m in timer["measurements"]}["COUNT"]
assert count == 1, timer
print("smoke test: zero-code app answered, http.server.requests COUNT", count)
PY
kill "$server"
wait "$server" 2>/dev/null || true
echo "install check passed"
