"""Several workers behind one port: each worker is its own Spring Boot Admin instance, on a management port of its
own, so SBA never shows a different process on each poll. Real gunicorn and uvicorn masters, a fake SBA."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Optional

import httpx
import pytest

from tests.support.fake_admin import FakeAdmin
from tests.support.launch import ZERO_CODE, launch
from tests.support.polling import eventually
from tests.support.servers import free_port

WORKERS = 4
REQUESTS = 12

GUNICORN = (
    "opentelemetry-instrument",
    "gunicorn",
    "--no-control-socket",
    "-w",
    str(WORKERS),
    "--chdir",
    "examples/user_service_flask",
    "-b",
    "127.0.0.1:$PORT",
)
UVICORN = (
    "opentelemetry-instrument",
    "uvicorn",
    "--workers",
    str(WORKERS),
    # The supervisor kills a worker that misses its 5 s health check; booting OpenTelemetry in four
    # interpreters at once on a small, busy machine can take longer than that.
    "--timeout-worker-healthcheck",
    "60",
    "--app-dir",
    "examples/user_service",
    "--host",
    "127.0.0.1",
    "--port",
    "$PORT",
    "app:app",
)
MANAGEMENT_PORT = "$MANAGEMENT_PORT"
CASES: dict[str, tuple[Sequence[str], dict[str, str]]] = {
    "gunicorn": ((*GUNICORN, "app:app"), {}),
    # The master imports the app before forking: it must leave registration to the workers it forks.
    "gunicorn-preload": ((*GUNICORN, "--preload", "app:app"), {}),
    "uvicorn": (UVICORN, {}),
    # Four workers cannot share one management port: one keeps it, the others take free ones.
    "uvicorn-fixed-management-port": (UVICORN, {"OTEL_ACTUATOR_PORT": MANAGEMENT_PORT}),
}


def instances(admin: FakeAdmin) -> dict[str, dict[str, Any]]:
    """The latest registration document per managementUrl."""
    return {r.body["managementUrl"]: r.body for r in admin.registrations()}


def all_registered(admin: FakeAdmin) -> Optional[dict[str, dict[str, Any]]]:
    found = instances(admin)
    return found if len(found) >= WORKERS else None


def users_count(management_url: str) -> float:
    response = httpx.get(f"{management_url}/metrics/http.server.requests", params={"tag": "uri:/users"}, timeout=15)
    if response.status_code == 404:
        return 0.0
    assert response.status_code == 200, response.text
    return float(next(m["value"] for m in response.json()["measurements"] if m["statistic"] == "COUNT"))


@pytest.mark.parametrize(("argv", "extra_env"), CASES.values(), ids=list(CASES))
def test_each_worker_registers_as_its_own_instance(
    argv: Sequence[str], extra_env: dict[str, str], fake_admin: FakeAdmin
) -> None:
    management_port = str(free_port())
    env = {**ZERO_CODE, "OTEL_ACTUATOR_ADMIN_URL": fake_admin.url}
    env.update({k: v.replace(MANAGEMENT_PORT, management_port) for k, v in extra_env.items()})
    with launch(argv, env, timeout=120) as app:
        registered = eventually(lambda: all_registered(fake_admin), timeout=120, what=f"{WORKERS} registrations")
        assert len(registered) == WORKERS, list(registered)
        for document in (r.body for r in fake_admin.registrations()):  # the very first ones included
            management_url = document["managementUrl"]
            assert document["name"] == "user-service"
            assert document["serviceUrl"] == f"{app.url}/", "every worker serves the shared port"
            assert management_url.startswith("http://127.0.0.1:") and management_url.endswith("/actuator")
            assert not management_url.startswith(f"{app.url}/")
            assert document["healthUrl"] == f"{management_url}/health"

        for _ in range(REQUESTS):  # a new connection each time, spread over the workers by the kernel
            assert httpx.get(f"{app.url}/users", timeout=15).status_code == 200

        pids = set()
        for management_url, document in registered.items():
            health = httpx.get(f"{management_url}/health", timeout=15)
            assert health.status_code == 200 and health.json()["status"] == "UP"
            pid = httpx.get(f"{management_url}/info", timeout=15).json()["process"]["pid"]
            assert str(pid) == document["metadata"]["pid"], "the management port belongs to the registered worker"
            pids.add(pid)
        assert len(pids) == WORKERS
        if "OTEL_ACTUATOR_PORT" in env:
            assert sum(url.startswith(f"http://127.0.0.1:{management_port}/") for url in registered) == 1
        assert app.pid not in pids, "the master or supervisor serves no request and must not register"

        # Each worker counts only what it served; together they served every request.
        eventually(lambda: sum(users_count(url) for url in registered) >= REQUESTS, what="every request counted")
        assert sum(users_count(url) for url in registered) == REQUESTS

        assert app.stop() == 0
        expected = {f"/instances/{hashlib.sha1(d['healthUrl'].encode()).hexdigest()[:12]}" for d in registered.values()}
        eventually(lambda: {r.path for r in fake_admin.deregistrations()} >= expected, what="one DELETE per worker")
        assert len(fake_admin.deregistrations()) == WORKERS
