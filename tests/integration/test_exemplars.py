"""Exemplars over a real one-call server: the request-duration series links to the request's log line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import httpx
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.samples import Sample

from tests.support.launch import VENV_BIN, launch
from tests.support.polling import eventually

APP = """
import logging
from fastapi import FastAPI
from otel_actuator import mount_fastapi

app = FastAPI()
logging.basicConfig(level=logging.INFO)

@app.get("/users/{user_id}")
def user(user_id: int) -> dict:
    logging.getLogger("users").info("looking up user %s", user_id)
    return {"id": user_id}

mount_fastapi(app)
"""

OPENMETRICS = "application/openmetrics-text;version=1.0.0"


def _request_buckets(client: httpx.Client) -> list[Sample]:
    page = client.get("/actuator/prometheus", headers={"Accept": OPENMETRICS})
    assert page.status_code == 200, page.text
    [family] = [f for f in parse_openmetrics(page.text) if f.name == "http_server_requests_seconds"]
    return [s for s in family.samples if s.name.endswith("_bucket") and s.labels["uri"] == "/users/{user_id}"]


def test_an_exemplar_trace_id_of_the_request_duration_is_in_the_log_file(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    argv = [f"{VENV_BIN}/uvicorn", "--app-dir", str(tmp_path), "--port", "$PORT", "app:app"]
    env = {"OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*", "OTEL_METRICS_EXEMPLAR_FILTER": "trace_based"}
    with launch(argv, env) as app, app.client() as client:
        assert client.get("/users/7").status_code == 200

        buckets = eventually(lambda: _request_buckets(client), what="the request's buckets", retrying=(ValueError,))
        exemplars = [s.exemplar for s in buckets if s.exemplar is not None]
        assert len(exemplars) == 1
        [exemplar] = exemplars
        assert exemplar.labels.keys() == {"trace_id", "span_id"}
        assert 0 < exemplar.value < 10

        trace_id = exemplar.labels["trace_id"]
        log = client.get("/actuator/logfile").text
        lines = [line for line in log.splitlines() if "looking up user 7" in line]
        assert len(lines) == 1 and trace_id in lines[0], (trace_id, lines)
