#!/usr/bin/env bash
# The demo: the example user-service, instrumented zero-code by OpenTelemetry, every actuator endpoint
# exposed, Redis behind it when redis-server is installed, and registered with a real Spring Boot Admin
# when Java 17 and Maven are present (built on first use). Ctrl+C stops everything.
#
#   PORT      the service's port (default 8000)
#   SBA_PORT  Spring Boot Admin's port (default 8080); NO_SBA=1 skips it
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=$("$root/scripts/bootstrap.sh")
venv_bin=$(dirname "$python")
port=${PORT:-8000}
sba_port=${SBA_PORT:-8080}
workdir=$(mktemp -d)
pids=()

cleanup() {
  # Newest first: the service deregisters from SBA before SBA stops.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

wait_for() { # url seconds
  for _ in $(seq 1 $(($2 * 5))); do
    curl -fs -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

if command -v redis-server >/dev/null 2>&1; then
  redis_port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --dir "$workdir" >"$workdir/redis.log" 2>&1 &
  pids+=($!)
  export REDIS_URL="redis://127.0.0.1:$redis_port/0"
  echo "redis:              $REDIS_URL"
else
  echo "redis-server not installed: users are kept in memory (apt-get install redis-server for the Redis health)"
fi

if [ -z "${NO_SBA:-}" ] && command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then
  # build-sba.sh says when it builds (and when it is done); the demo hides only its "up to date" line.
  jar=$("$root/scripts/build-sba.sh" 3 2> >(grep -v ' is up to date: ' >&2))
  SBA_PORT=$sba_port java -Xmx256m -XX:TieredStopAtLevel=1 -jar "$jar" >"$workdir/sba.log" 2>&1 &
  pids+=($!)
  echo "starting Spring Boot Admin on port $sba_port ..."
  if wait_for "http://127.0.0.1:$sba_port/actuator/health" 90; then
    export OTEL_ACTUATOR_ADMIN_URL="http://127.0.0.1:$sba_port"
    export OTEL_ACTUATOR_ADMIN_INTERVAL=${OTEL_ACTUATOR_ADMIN_INTERVAL:-5}
  else
    echo "Spring Boot Admin did not start; its log:" >&2
    tail -20 "$workdir/sba.log" >&2
  fi
else
  echo "Java 17 and Maven not found (or NO_SBA set): running without Spring Boot Admin"
fi

export PATH="$venv_bin:$PATH"
export OTEL_SERVICE_NAME=${OTEL_SERVICE_NAME:-user-service}
export OTEL_TRACES_EXPORTER=${OTEL_TRACES_EXPORTER:-actuator}
export OTEL_METRICS_EXPORTER=${OTEL_METRICS_EXPORTER:-actuator}
export OTEL_LOGS_EXPORTER=${OTEL_LOGS_EXPORTER:-actuator}
export OTEL_BSP_SCHEDULE_DELAY=${OTEL_BSP_SCHEDULE_DELAY:-500}
export OTEL_ACTUATOR_EXPOSURE_INCLUDE=${OTEL_ACTUATOR_EXPOSURE_INCLUDE:-*}
export OTEL_ACTUATOR_HEALTH_SHOW_DETAILS=${OTEL_ACTUATOR_HEALTH_SHOW_DETAILS:-always}
# The demo only: its environment holds nothing secret and it listens on loopback, so SBA's Environment
# view shows values instead of ******. A real service keeps the default (never), as Spring Boot 3 does;
# keys that look secret (password, token ...) are masked even here.
export OTEL_ACTUATOR_ENV_SHOW_VALUES=${OTEL_ACTUATOR_ENV_SHOW_VALUES:-always}
cd "$root"
PORT=$port opentelemetry-instrument python examples/user_service/app.py &
pids+=($!)
wait_for "http://127.0.0.1:$port/actuator/health" 30 || { echo "the user-service did not start" >&2; exit 1; }

echo
echo "user-service:       http://127.0.0.1:$port/users"
echo "actuator:           http://127.0.0.1:$port/actuator"
if [ -n "${OTEL_ACTUATOR_ADMIN_URL:-}" ]; then
  echo "Spring Boot Admin:  $OTEL_ACTUATOR_ADMIN_URL  (the service appears within a few seconds)"
fi
echo "try:                curl -X POST -H 'Content-Type: application/json' -d '{\"name\":\"ann\",\"email\":\"ann@example.org\"}' http://127.0.0.1:$port/users"
echo "Ctrl+C stops everything."
wait "${pids[-1]}"
