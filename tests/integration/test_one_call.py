"""One mount call, no ``opentelemetry-instrument``: the actuator has metrics, exchanges, runtime meters and trace ids.

Each case writes a ten-line user app, starts it the plain way (``uvicorn app:app`` or ``python app.py``) and
reads the actuator over real sockets. With the user's own providers, the bridge joins them and the user's
exporter still receives every span.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.launch import VENV_BIN, launch
from tests.support.polling import eventually

FASTAPI_APP = """
import logging
from fastapi import FastAPI
from otel_actuator import mount_fastapi
{own_providers}
app = FastAPI()
logging.basicConfig(level=logging.INFO)

@app.get("/users/{{user_id}}")
def user(user_id: int) -> dict:
    logging.getLogger("users").info("looking up user %s", user_id)
    return {{"id": user_id}}

mount_fastapi(app)
"""

FLASK_APP = """
import logging, os
from flask import Flask
from otel_actuator import mount_flask
{own_providers}
app = Flask(__name__)
logging.basicConfig(level=logging.INFO)

@app.get("/users/<int:user_id>")
def user(user_id):
    logging.getLogger("users").info("looking up user %s", user_id)
    return {{"id": user_id}}

mount_flask(app)
if __name__ == "__main__":
    app.run(port=int(os.environ["PORT"]))
"""

#: The user's own tracer provider with its own exporter (counting spans in a file) and meter provider.
OWN_PROVIDERS = """
import os
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

class CountingExporter(SpanExporter):
    def export(self, spans):
        with open(os.environ["SPANS_FILE"], "a") as out:
            out.writelines(f"{span.kind.name} {span.name}\\n" for span in spans)
        return SpanExportResult.SUCCESS

provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(CountingExporter()))
trace.set_tracer_provider(provider)
metrics.set_meter_provider(MeterProvider())
"""

ROUTES = {"fastapi": "/users/{user_id}", "flask": "/users/<int:user_id>"}
REQUESTS = 7


def _start(framework: str, directory: Path, own: bool) -> list[str]:
    source = FASTAPI_APP if framework == "fastapi" else FLASK_APP
    (directory / "app.py").write_text(textwrap.dedent(source.format(own_providers=OWN_PROVIDERS if own else "")))
    if framework == "fastapi":
        return [f"{VENV_BIN}/uvicorn", "--app-dir", str(directory), "--port", "$PORT", "app:app"]
    return [sys.executable, str(directory / "app.py")]


def _json(client: httpx.Client, path: str, **params: str) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response.json()


@pytest.mark.parametrize("own", [False, True], ids=["no-otel-setup", "own-providers"])
@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_one_mount_call_gives_every_signal(framework: str, own: bool, tmp_path: Path) -> None:
    argv = _start(framework, tmp_path, own)
    spans = tmp_path / "exported-spans.txt"
    env = {"OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*", "OTEL_SERVICE_NAME": "one-call", "SPANS_FILE": str(spans)}
    with launch(argv, env) as app, app.client() as client:
        for user_id in range(REQUESTS):
            assert client.get(f"/users/{user_id}").status_code == 200

        route = ROUTES[framework]
        timer = eventually(
            lambda: _json(client, "/actuator/metrics/http.server.requests", tag=f"uri:{route}"),
            what="the request timer",
            retrying=(AssertionError, httpx.HTTPError),
        )
        count = {m["statistic"]: m["value"] for m in timer["measurements"]}["COUNT"]
        assert count == REQUESTS

        exchanges = _json(client, "/actuator/httpexchanges")["exchanges"]
        user_exchanges = [e for e in exchanges if "/users/" in e["request"]["uri"]]
        assert len(user_exchanges) == REQUESTS

        names = set(_json(client, "/actuator/metrics")["names"])
        assert {"process.cpu.usage", "jvm.threads.live", "jvm.memory.used"} <= names

        trace_id = user_exchanges[0]["traceId"]
        log = client.get("/actuator/logfile").text
        lines = [line for line in log.splitlines() if "looking up user" in line]
        assert len(lines) == REQUESTS
        assert any(trace_id in line for line in lines), (trace_id, lines)
        assert all(re.search(r"\[[0-9a-f]{32},[0-9a-f]{16}\]", line) for line in lines)

        if own:
            exported = spans.read_text().splitlines()
            assert sum(line == f"SERVER GET {route}" for line in exported) == REQUESTS
