#!/usr/bin/env bash
# The demo: the example user-service, instrumented zero-code by OpenTelemetry, every actuator endpoint
# exposed, Redis behind it when redis-server is installed, and registered with a real Spring Boot Admin
# when Java 17 and Maven are present (built on first use). Ctrl+C stops everything.
#
#   PORT      the service's port (default 8000)
#   SBA_PORT  Spring Boot Admin's port (default 8080); NO_SBA=1 skips it
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-8000}
sba_port=${SBA_PORT:-8080}
# shellcheck source=lib/demo-common.sh
. "$root/scripts/lib/demo-common.sh"

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
  jar=$("$root/scripts/build-sba.sh" 41 2> >(grep -v ' is up to date: ' >&2))
  SBA_PORT=$sba_port start_java "Spring Boot Admin on port $sba_port" "$jar" "$workdir/sba.log"
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

export OTEL_BSP_SCHEDULE_DELAY=${OTEL_BSP_SCHEDULE_DELAY:-500}
# The demo only: its environment holds nothing secret and it listens on loopback, so SBA's Environment
# view shows values instead of ******. A real service keeps the default (never), as Spring Boot 3 does;
# keys that look secret (password, token ...) are masked even here.
export OTEL_ACTUATOR_ENV_SHOW_VALUES=${OTEL_ACTUATOR_ENV_SHOW_VALUES:-always}
start_user_service
echo "actuator:           http://127.0.0.1:$port/actuator"
if [ -n "${OTEL_ACTUATOR_ADMIN_URL:-}" ]; then
  echo "Spring Boot Admin:  $OTEL_ACTUATOR_ADMIN_URL  (the service appears within a few seconds)"
fi
echo "try:                curl -X POST -H 'Content-Type: application/json' -d '{\"name\":\"ann\",\"email\":\"ann@example.org\"}' http://127.0.0.1:$port/users"
serve_until_stopped
