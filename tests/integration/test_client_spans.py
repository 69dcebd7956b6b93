"""Client libraries under the one-call set-up: Redis commands are CLIENT spans inside their request's trace.

The app is started the plain way (``uvicorn app:app``) with a mount call and a real redis-server; the user's
own span exporter writes every span to a file, so the test sees the trace tree the actuator's bridge sees.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

from tests.support.launch import VENV_BIN, launch
from tests.support.polling import eventually
from tests.support.services import RedisServer

APP = """
import json, logging, os
import redis
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from otel_actuator import mount_fastapi

class FileExporter(SpanExporter):
    def export(self, spans):
        with open(os.environ["SPANS_FILE"], "a") as out:
            for span in spans:
                parent = span.parent.span_id if span.parent else None
                out.write(json.dumps({"kind": span.kind.name, "name": span.name,
                    "trace": format(span.context.trace_id, "032x"), "parent": parent}) + "\\n")
        return SpanExportResult.SUCCESS

provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(FileExporter()))
trace.set_tracer_provider(provider)
logging.basicConfig(level=logging.INFO)
store = redis.Redis.from_url(os.environ["REDIS_URL"])
app = FastAPI()

@app.get("/users/{user_id}")
def user(user_id: int) -> dict:
    store.get(f"user:{user_id}")
    logging.getLogger("users").info("read user %s", user_id)
    return {"id": user_id}

mount_fastapi(app)
"""

REQUESTS = 5


def _spans(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_redis_commands_are_client_spans_of_their_request(redis_server: RedisServer, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    spans_file = tmp_path / "spans.jsonl"
    env = {
        "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*",
        "OTEL_SERVICE_NAME": "client-spans",
        "REDIS_URL": redis_server.url,
        "SPANS_FILE": str(spans_file),
    }
    argv = [f"{VENV_BIN}/uvicorn", "--app-dir", str(tmp_path), "--port", "$PORT", "app:app"]
    with launch(argv, env) as app, app.client() as client:
        for user_id in range(REQUESTS):
            assert client.get(f"/users/{user_id}").status_code == 200

        def user_spans() -> list[dict[str, Any]]:
            spans = [s for s in _spans(spans_file) if s["kind"] in ("SERVER", "CLIENT")]
            servers = [s for s in spans if s["kind"] == "SERVER" and s["name"] == "GET /users/{user_id}"]
            return spans if len(servers) == REQUESTS else []

        spans = eventually(user_spans, what="the spans of every request")
        server_traces = {s["trace"] for s in spans if s["kind"] == "SERVER" and "/users/" in s["name"]}
        redis_spans = [s for s in spans if s["kind"] == "CLIENT" and s["name"] == "GET"]
        assert len(redis_spans) == REQUESTS
        assert {s["trace"] for s in redis_spans} == server_traces, "each command sits in its request's trace"
        assert all(s["parent"] is not None for s in redis_spans)

        exchanges = client.get("/actuator/httpexchanges").json()["exchanges"]
        # Besides the requests above, only the launcher's readiness probe of "/" was served.
        uris = Counter(e["request"]["uri"].split("/")[3] for e in exchanges)
        assert uris["users"] == REQUESTS
        assert set(uris) <= {"users", ""}, f"a Redis command recorded as an exchange: {uris}"

        log = client.get("/actuator/logfile").text
        logged = [line for line in log.splitlines() if "read user" in line]
        assert len(logged) == REQUESTS
        assert all(any(trace in line for trace in server_traces) for line in logged)
