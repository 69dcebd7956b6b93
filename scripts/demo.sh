#!/usr/bin/env bash
# Runs the example user-service with every actuator endpoint exposed, on $PORT (default 8000).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=$("$root/scripts/bootstrap.sh")
port=${PORT:-8000}
export OTEL_SERVICE_NAME=${OTEL_SERVICE_NAME:-user-service}
export OTEL_ACTUATOR_EXPOSURE_INCLUDE=${OTEL_ACTUATOR_EXPOSURE_INCLUDE:-*}
echo "user-service:  http://127.0.0.1:$port/users"
echo "actuator:      http://127.0.0.1:$port/actuator"
cd "$root"
PORT=$port exec "$python" examples/user_service/app.py
