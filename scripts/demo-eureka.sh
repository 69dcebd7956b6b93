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
port=${PORT:-8000}
eureka_port=${EUREKA_PORT:-8761}
sba_port=${SBA_PORT:-8080}
# shellcheck source=lib/demo-common.sh
. "$root/scripts/lib/demo-common.sh"

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

export OTEL_ACTUATOR_EUREKA_URL="http://127.0.0.1:$eureka_port/eureka"
export OTEL_ACTUATOR_EUREKA_INTERVAL=${OTEL_ACTUATOR_EUREKA_INTERVAL:-5}
unset OTEL_ACTUATOR_ADMIN_URL
start_user_service
echo "Eureka:             http://127.0.0.1:$eureka_port/  (USER-SERVICE within a few seconds)"
echo "Spring Boot Admin:  http://127.0.0.1:$sba_port/  (USER-SERVICE, source discovery, a few seconds later)"
serve_until_stopped
