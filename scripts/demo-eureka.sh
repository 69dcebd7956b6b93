#!/usr/bin/env bash
# The Spring Cloud variant of the demo: a Eureka server, a Spring Boot Admin 4.0 that discovers its
# instances through Eureka, and the example user-service registering with Eureka only (no
# self-registration with SBA). Needs Java 17 and Maven (both servers are built on first use).
# Ctrl+C stops everything, the service first, so it deregisters from Eureka and leaves SBA.
#
#   PORT         the service's port (default 8000)
#   EUREKA_PORT  Eureka's port (default 8761)
#   SBA_PORT     Spring Boot Admin's port (default 8080)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=$("$root/scripts/bootstrap.sh")
venv_bin=$(dirname "$python")
port=${PORT:-8000}
eureka_port=${EUREKA_PORT:-8761}
sba_port=${SBA_PORT:-8080}
workdir=$(mktemp -d)
pids=()

cleanup() {
  # Newest first: the service deregisters from Eureka before Eureka stops.
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

start_java() { # name jar log-file, with the environment set by the caller
  java -Xmx256m -XX:TieredStopAtLevel=1 -jar "$2" --server.shutdown=immediate >"$3" 2>&1 &
  pids+=($!)
  echo "starting $1 ..."
}

command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1 \
  || { echo "this demo needs Java 17 and Maven (scripts/demo.sh runs without them)" >&2; exit 1; }

echo "building Eureka and Spring Boot Admin (first time: a few minutes) ..."
jars=$("$root/scripts/build-sba.sh" eureka 40-eureka)
eureka_jar=$(sed -n 1p <<<"$jars")
sba_jar=$(sed -n 2p <<<"$jars")

EUREKA_PORT=$eureka_port start_java "Eureka on port $eureka_port" "$eureka_jar" "$workdir/eureka.log"
wait_for "http://127.0.0.1:$eureka_port/actuator/health" 90 \
  || { echo "Eureka did not start; its log:" >&2; tail -20 "$workdir/eureka.log" >&2; exit 1; }
SBA_PORT=$sba_port EUREKA_URL="http://127.0.0.1:$eureka_port/eureka/" \
  start_java "Spring Boot Admin on port $sba_port" "$sba_jar" "$workdir/sba.log"
wait_for "http://127.0.0.1:$sba_port/actuator/health" 90 \
  || { echo "Spring Boot Admin did not start; its log:" >&2; tail -20 "$workdir/sba.log" >&2; exit 1; }

export PATH="$venv_bin:$PATH"
export OTEL_SERVICE_NAME=${OTEL_SERVICE_NAME:-user-service}
export OTEL_TRACES_EXPORTER=${OTEL_TRACES_EXPORTER:-actuator}
export OTEL_METRICS_EXPORTER=${OTEL_METRICS_EXPORTER:-actuator}
export OTEL_LOGS_EXPORTER=${OTEL_LOGS_EXPORTER:-actuator}
export OTEL_ACTUATOR_EXPOSURE_INCLUDE=${OTEL_ACTUATOR_EXPOSURE_INCLUDE:-*}
export OTEL_ACTUATOR_HEALTH_SHOW_DETAILS=${OTEL_ACTUATOR_HEALTH_SHOW_DETAILS:-always}
export OTEL_ACTUATOR_EUREKA_URL="http://127.0.0.1:$eureka_port/eureka"
export OTEL_ACTUATOR_EUREKA_INTERVAL=${OTEL_ACTUATOR_EUREKA_INTERVAL:-5}
unset OTEL_ACTUATOR_ADMIN_URL
cd "$root"
HOST=127.0.0.1 PORT=$port opentelemetry-instrument python examples/user_service/app.py &
pids+=($!)
wait_for "http://127.0.0.1:$port/actuator/health" 30 || { echo "the user-service did not start" >&2; exit 1; }

echo
echo "user-service:       http://127.0.0.1:$port/users"
echo "Eureka:             http://127.0.0.1:$eureka_port/  (USER-SERVICE within a few seconds)"
echo "Spring Boot Admin:  http://127.0.0.1:$sba_port/  (USER-SERVICE, source discovery, a few seconds later)"
echo "Ctrl+C stops everything."
wait "${pids[-1]}"
