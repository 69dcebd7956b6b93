"""``wrap_asgi`` and ``wrap_wsgi`` put the actuator in front of any ASGI or WSGI app, over real servers."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from tests.support.launch import VENV_BIN, launch
from tests.support.polling import eventually
from tests.support.user_service import count

ASGI_APP = """
from otel_actuator import wrap_asgi

async def hello(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello " + scope["path"].encode()})

app = wrap_asgi(hello)
"""

WSGI_APP = """
from otel_actuator import wrap_wsgi

def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello " + environ["PATH_INFO"].encode()]

app = wrap_wsgi(hello)
"""

SERVERS = {
    "asgi": (ASGI_APP, (f"{VENV_BIN}/uvicorn", "--app-dir", "{dir}", "--port", "$PORT", "app:app")),
    "wsgi": (WSGI_APP, (sys.executable, "-m", "gunicorn", "--chdir", "{dir}", "-b", "127.0.0.1:$PORT", "app:app")),
}
REQUESTS = 4


@pytest.mark.parametrize("kind", SERVERS)
def test_the_wrapper_serves_the_actuator_and_hands_the_rest_through(kind: str, tmp_path: Path) -> None:
    source, argv = SERVERS[kind]
    (tmp_path / "app.py").write_text(source)
    env = {"OTEL_SERVICE_NAME": "wrapped", "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*"}
    with launch([part.replace("{dir}", str(tmp_path)) for part in argv], env) as app, app.client() as http:
        for n in range(REQUESTS):
            answer = http.get(f"/anything/{n}")
            assert (answer.status_code, answer.text) == (200, f"hello /anything/{n}")
        assert http.get("/actuator/health").json()["status"] == "UP"
        # The one-call set-up put the contrib middleware in front: the app's requests are counted.
        eventually(lambda: count(http, "method:GET", "status:200") >= REQUESTS + 1, what="the counted requests")
        assert http.post("/actuator/loggers/ROOT", json={"configuredLevel": "WARN"}).status_code == 204
        assert http.get("/actuator/loggers/ROOT").json()["configuredLevel"] == "WARN"
        assert app.stop() in (0, -signal.SIGTERM)
