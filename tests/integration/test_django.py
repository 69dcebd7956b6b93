"""The Django user-service over real servers: runserver, gunicorn (WSGI) and uvicorn (ASGI), with the
middleware line in its settings (in code) and without it under ``opentelemetry-instrument`` (zero code)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.support.launch import ZERO_CODE, Launched, launch
from tests.support.user_service import QUICK_SPANS, check_user_service

pytest.importorskip("django")

PROJECT = "examples/django"
TEMPLATE = "/users/{user_id}"
USER_ROUTES = {"/users", "/users/{user_id}"}
IN_CODE = {"OTEL_SERVICE_NAME": "user-service", "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*"}

SERVERS = {
    "runserver": ("python", f"{PROJECT}/manage.py", "runserver", "--noreload", "127.0.0.1:$PORT"),
    "gunicorn": ("gunicorn", "--no-control-socket", "--chdir", PROJECT, "-b", "127.0.0.1:$PORT", "user_service.wsgi"),
    "uvicorn": ("uvicorn", "--app-dir", PROJECT, "--port", "$PORT", "user_service.asgi:application"),
}

#: The example's settings without the middleware line: zero code inserts it.
WITHOUT_THE_LINE = """
from user_service.settings import *  # noqa: F403

MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("otel_actuator")]  # noqa: F405
"""


def _settings(module: str, directory: Path | None = None) -> dict[str, str]:
    path = str(Path(PROJECT).resolve())
    return {"DJANGO_SETTINGS_MODULE": module, "PYTHONPATH": f"{directory}:{path}" if directory else path}


@pytest.mark.parametrize("server", SERVERS)
def test_in_code_the_middleware_line_serves_the_actuator(server: str) -> None:
    with launch(SERVERS[server], {**IN_CODE, **_settings("user_service.settings")}) as app:
        check_user_service(app, TEMPLATE, USER_ROUTES)
        _assert_clean_exit(app, server)


@pytest.mark.parametrize("listed", [False, True], ids=["inserted", "listed-by-the-project"])
@pytest.mark.parametrize("server", SERVERS)
def test_zero_code_mounts_the_actuator_once(server: str, listed: bool, tmp_path: Path) -> None:
    (tmp_path / "zero_code_settings.py").write_text(WITHOUT_THE_LINE)
    module = "user_service.settings" if listed else "zero_code_settings"
    env = {**ZERO_CODE, **QUICK_SPANS, **_settings(module, tmp_path)}
    with launch(("opentelemetry-instrument", *SERVERS[server]), env) as app:
        check_user_service(app, TEMPLATE, USER_ROUTES)
        _assert_clean_exit(app, server)


def _assert_clean_exit(app: Launched, server: str) -> None:
    # runserver has no SIGTERM handler, and uvicorn raises the signal again once it shut down: both may end
    # by the signal itself.
    assert app.stop() in ((0,) if server == "gunicorn" else (0, -signal.SIGTERM))
    assert "Traceback" not in app.output()


GUARDED_URLS = """
from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("guarded", lambda request: HttpResponse("ok"))]
"""
GUARDED_SETTINGS = """
from user_service.settings import *  # noqa: F403

ROOT_URLCONF = "guarded_urls"
"""


def test_csrf_protection_still_guards_the_project(tmp_path: Path) -> None:
    """The actuator's views are exempt; a project view that is not refuses a token-less POST.

    The actuator's responses carry its own headers.
    """
    (tmp_path / "guarded_urls.py").write_text(GUARDED_URLS)
    (tmp_path / "guarded_settings.py").write_text(GUARDED_SETTINGS)
    env = {**IN_CODE, **_settings("guarded_settings", tmp_path)}
    with launch(SERVERS["runserver"], env) as app, app.client() as http:
        assert http.post("/guarded").status_code == 403
        # The actuator's headers, not Django's defaults (SBA refuses a health answer typed text/html).
        v3 = "application/vnd.spring-boot.actuator.v3+json"
        assert http.get("/actuator/health", headers={"Accept": v3}).headers["content-type"] == v3
        assert http.post("/actuator/loggers/user_service", json={"configuredLevel": "WARN"}).status_code == 204
        assert http.get("/actuator/loggers/user_service").json()["configuredLevel"] == "WARN"
