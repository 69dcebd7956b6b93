"""Pyctuator tutorial scripts as real processes: run plainly and under ``opentelemetry-instrument``, stopped by
SIGTERM as a container runtime stops them. The only change to the tutorial code is its import."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fake_admin import FakeAdmin
from tests.support.launch import ZERO_CODE_EXPORTERS, launch
from tests.support.polling import eventually

FASTAPI_SCRIPT = """
import os

from fastapi import FastAPI
from uvicorn import Server
from uvicorn.config import Config

from otel_actuator.compat import Pyctuator

app = FastAPI(
    title="FastAPI Example Server",
    description="Demonstrate Spring Boot Admin Integration with FastAPI",
    docs_url="/api",
)


@app.get("/")
def hello():
    return "Hello World!"


port = int(os.environ["PORT"])
example_app_address = "127.0.0.1"
example_sba_url = os.environ["SBA_URL"]

pyctuator = Pyctuator(
    app,
    "Example FastAPI",
    app_url=f"http://{example_app_address}:{port}",
    pyctuator_endpoint_url=f"http://{example_app_address}:{port}/pyctuator",
    registration_url=f"{example_sba_url}/instances",
    app_description=app.description,
)

config = Config(app=app, port=port, loop="asyncio")
server = Server(config=config)
server.run()
"""

FLASK_SCRIPT = """
import os

from flask import Flask

from otel_actuator.compat import Pyctuator

app_name = "Flask App with Pyctuator"
app = Flask(app_name)


@app.route("/")
def hello():
    return "Hello World!"


port = int(os.environ["PORT"])

Pyctuator(
    app,
    app_name,
    app_url=f"http://127.0.0.1:{port}",
    pyctuator_endpoint_url=f"http://127.0.0.1:{port}/pyctuator",
    registration_url=f"{os.environ['SBA_URL']}/instances",
)

app.run(debug=False, port=port)
"""

SCRIPTS = {"fastapi": FASTAPI_SCRIPT, "flask": FLASK_SCRIPT}

ZERO_CODE = {"OTEL_SERVICE_NAME": "example", **ZERO_CODE_EXPORTERS, "OTEL_BSP_SCHEDULE_DELAY": "50"}
RUNS: Mapping[str, tuple[tuple[str, ...], Mapping[str, str]]] = {
    "python": (("python",), {}),
    "opentelemetry-instrument": (("opentelemetry-instrument", "python"), ZERO_CODE),
}
PROBES = 3


def probe_exchanges(http: httpx.Client) -> list[dict[str, Any]]:
    exchanges = http.get("/pyctuator/httpexchanges").json()["exchanges"]
    return [e for e in exchanges if e["request"]["uri"].endswith("/?probe=1")]


@pytest.mark.parametrize("run", RUNS, ids=list(RUNS))
@pytest.mark.parametrize("framework", SCRIPTS)
def test_tutorial_script_serves_registers_and_deregisters_on_sigterm(
    framework: str, run: str, fake_admin: FakeAdmin, tmp_path: Path
) -> None:
    script = tmp_path / f"{framework}_example_app.py"
    script.write_text(SCRIPTS[framework])
    prefix, env = RUNS[run]
    with launch((*prefix, str(script)), {**env, "SBA_URL": fake_admin.url}) as app:
        registration = eventually(lambda: fake_admin.registrations(), timeout=15, what="a registration")[0]
        assert registration.body["managementUrl"] == f"{app.url}/pyctuator"
        assert registration.body["serviceUrl"] == f"{app.url}/"
        with app.client() as http:
            for _ in range(PROBES):
                assert http.get("/", params={"probe": "1"}).status_code == 200
            # Instrumented once, whoever instrumented the app: each request is one exchange.
            eventually(lambda: len(probe_exchanges(http)) >= PROBES, timeout=20, what="the exchanges")
            assert len(probe_exchanges(http)) == PROBES
            assert http.get("/pyctuator/health").json()["status"] == "UP"
            # Under opentelemetry-instrument the automatic mount at /actuator gave way to /pyctuator.
            assert http.get("/actuator/health").status_code == 404
        assert app.stop() == 0, app.output()
        assert "Traceback" not in app.output()
    [deletion] = fake_admin.deregistrations()
    assert deletion.path.startswith("/instances/")
