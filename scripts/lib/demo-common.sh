# What scripts/demo.sh and scripts/demo-eureka.sh share; sourced, not run. The sourcing script sets
# `root` (the checkout) and `port` (the service's port) first.
#
# Sets python, venv_bin, workdir and pids; stops every process in pids on exit, newest first, so the
# service deregisters before the servers it registered with stop.

python=$("$root/scripts/bootstrap.sh")
venv_bin=$(dirname "$python")
workdir=$(mktemp -d)
pids=()

cleanup() {
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

start_java() { # what jar log-file, with the environment set by the caller
  # Spring Boot 3.4+ shuts down gracefully by default and would wait for the SBA UI's open event streams.
  java -Xmx256m -XX:TieredStopAtLevel=1 -jar "$2" --server.shutdown=immediate >"$3" 2>&1 &
  pids+=($!)
  echo "starting $1 ..."
}

start_user_service() {
  # The zero-code launch README documents, every endpoint exposed; the caller exports what it adds.
  export PATH="$venv_bin:$PATH"
  export OTEL_SERVICE_NAME=${OTEL_SERVICE_NAME:-user-service}
  export OTEL_TRACES_EXPORTER=${OTEL_TRACES_EXPORTER:-actuator}
  export OTEL_METRICS_EXPORTER=${OTEL_METRICS_EXPORTER:-actuator}
  export OTEL_LOGS_EXPORTER=${OTEL_LOGS_EXPORTER:-actuator}
  export OTEL_ACTUATOR_EXPOSURE_INCLUDE=${OTEL_ACTUATOR_EXPOSURE_INCLUDE:-*}
  export OTEL_ACTUATOR_HEALTH_SHOW_DETAILS=${OTEL_ACTUATOR_HEALTH_SHOW_DETAILS:-always}
  cd "$root"
  HOST=127.0.0.1 PORT=$port opentelemetry-instrument python examples/user_service/app.py &
  pids+=($!)
  wait_for "http://127.0.0.1:$port/actuator/health" 30 || { echo "the user-service did not start" >&2; exit 1; }
  echo
  echo "user-service:       http://127.0.0.1:$port/users"
}

serve_until_stopped() {
  echo "Ctrl+C stops everything."
  wait "${pids[-1]}"
}
