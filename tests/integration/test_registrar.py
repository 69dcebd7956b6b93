"""The registrar against fault-injecting fake SBA servers over real sockets (the real SBA is in tests/e2e)."""

from __future__ import annotations

import logging
import random
import threading
import time

import pytest

from otel_actuator import Actuator, Settings
from otel_actuator.admin.discovery import url_resolver
from otel_actuator.admin.payload import InstanceUrls, registration
from otel_actuator.admin.registrar import Registrar
from otel_actuator.admin.span_processor import RegistrarSpanProcessor
from tests.support.fake_admin import FakeAdmin, refused_url
from tests.support.polling import eventually

URLS = InstanceUrls("http://127.0.0.1:8000/", "http://127.0.0.1:8000/actuator", "http://127.0.0.1:8000/actuator/health")


INTERVAL = 0.2


def _registrar(*admin_urls: str, **settings: object) -> Registrar:
    values: dict[str, object] = {"admin_url": admin_urls, "admin_interval": INTERVAL, "admin_timeout": 1.0}
    values.update(settings)
    return Registrar(Settings(**values), lambda: URLS, resource_attributes={"service.instance.id": "abc"})  # type: ignore[arg-type]


def test_payload_is_string_metadata_with_auth_for_callbacks() -> None:
    settings = Settings(app_name="svc", app_version="1.2.3", admin_tags={"team": "core"}, username="u", password="p")
    document = registration(settings, URLS, {"service.instance.id": "i-1", "deployment.environment.name": "test"})
    assert document["name"] == "svc"
    assert document["managementUrl"] != document["serviceUrl"]
    metadata = document["metadata"]
    assert all(isinstance(v, str) for v in metadata.values())
    assert metadata["build.version"] == "1.2.3"
    assert metadata["tags.team"] == "core" and metadata["tags.environment"] == "test"
    assert metadata["user.name"] == "u" and metadata["user.password"] == "p"
    assert metadata["service.instance.id"] == "i-1"
    assert "startup" in metadata and "python.version" in metadata


def test_registers_repeatedly_and_deregisters_on_stop(fake_admin: FakeAdmin) -> None:
    registrar = _registrar(fake_admin.url).start()
    eventually(lambda: len(fake_admin.registrations()) >= 3, what="three registrations")
    first = fake_admin.registrations()[0]
    assert first.path == "/instances"
    assert first.headers["Content-Type"] == "application/json"
    assert first.body["healthUrl"] == URLS.health_url
    registrar.stop()
    assert [d.path for d in fake_admin.deregistrations()] == [f"/instances/{next(iter(registrar_ids(fake_admin)))}"]
    count = len(fake_admin.registrations())
    time.sleep(3 * INTERVAL)  # room for three more, had stop() left the thread running
    assert len(fake_admin.registrations()) == count


def registrar_ids(admin: FakeAdmin) -> set[str]:
    import hashlib

    return {hashlib.sha1(r.body["healthUrl"].encode()).hexdigest()[:12] for r in admin.registrations()}


def test_register_once_uses_first_that_answers(fake_admin: FakeAdmin) -> None:
    second = FakeAdmin()
    try:
        registrar = _registrar(refused_url(), fake_admin.url, second.url)
        assert registrar.register_once(URLS)
        assert len(fake_admin.registrations()) == 1 and second.registrations() == []
        registrar_all = _registrar(fake_admin.url, second.url, admin_register_once=False)
        assert registrar_all.register_once(URLS)
        assert len(second.registrations()) == 1
        registrar_all.stop()
        assert len(second.deregistrations()) == 1
    finally:
        second.close()


def test_basic_auth_towards_admin(fake_admin: FakeAdmin) -> None:
    registrar = _registrar(fake_admin.url, admin_username="sba", admin_password="pw")
    assert registrar.register_once(URLS)
    assert fake_admin.registrations()[0].headers["Authorization"].startswith("Basic ")


def test_failures_back_off_and_log_once_at_warn(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(random, "uniform", lambda low, high: high)  # no jitter: each wait doubles exactly
    failing = FakeAdmin(mode="error")
    try:
        caplog.set_level(logging.DEBUG, logger="otel_actuator.admin")
        registrar = _registrar(failing.url).start()
        eventually(lambda: len(failing.registrations()) >= 3, what="three failed attempts")
        registrar.stop()
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "registration" in r.getMessage()]
        assert len(warnings) == 1
        times = [r.created for r in caplog.records if "registration at" in r.getMessage()]
        gaps = [b - a for a, b in zip(times, times[1:])]
        # Waits of 1 s and then 2 s after failures, against 0.2 s between successful registrations.
        assert gaps[0] > 3 * INTERVAL, gaps
        assert gaps[1] > 1.5 * gaps[0], gaps
    finally:
        failing.close()


def test_a_black_holed_admin_never_holds_up_construction_start_or_stop(caplog: pytest.LogCaptureFixture) -> None:
    blackhole = FakeAdmin(mode="blackhole")
    try:
        caplog.set_level(logging.DEBUG, logger="otel_actuator.admin")
        # Against the black hole an attempt ends by this timeout only: had start() made the attempt itself,
        # it would have returned with the failure logged.
        registrar = _registrar(blackhole.url, admin_timeout=60.0)
        assert blackhole.received == [], "construction does no network I/O"
        registrar.start()
        assert not _failures(caplog), "start() waited for an attempt to fail"
        eventually(lambda: len(blackhole.registrations()) == 1, what="the attempt held by the black hole")
        assert registrar.registered == {} and registrar.running
        stopping = threading.Thread(target=registrar.stop)
        stopping.start()
        stopping.join(timeout=30)  # the black hole would hold it for good
        assert not stopping.is_alive(), "stop() waits for the black hole"
        assert not registrar.running and blackhole.deregistrations() == []
    finally:
        blackhole.close()


def _failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    messages = (r.getMessage() for r in caplog.records)
    return [m for m in messages if "registration at" in m and "failed" in m]


def test_comes_back_when_admin_recovers() -> None:
    admin = FakeAdmin(mode="error")
    try:
        registrar = _registrar(admin.url).start()
        eventually(lambda: len(admin.registrations()) >= 2, what="two failed attempts")
        admin.mode = "ok"
        eventually(lambda: registrar.registered, what="a registration once SBA answers")
        registrar.stop()
    finally:
        admin.close()


def test_provider_shutdown_deregisters(fake_admin: FakeAdmin) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    registrar = _registrar(fake_admin.url)
    assert registrar.register_once(URLS)
    provider = TracerProvider()
    provider.add_span_processor(RegistrarSpanProcessor(registrar))
    provider.shutdown()
    assert len(fake_admin.deregistrations()) == 1


def test_urls_discovered_from_the_listening_socket() -> None:
    from tests.support.apps import served

    with served("fastapi", Settings()) as (url, actuator):
        urls = url_resolver(actuator.settings)()
        assert urls is not None
        assert urls.service_url == url + "/"
        assert urls.management_url == url + "/actuator"
        assert urls.health_url == url + "/actuator/health"


def test_settings_override_discovery() -> None:
    actuator = Actuator(
        Settings(admin_service_url="http://svc.example:80", admin_management_url="http://svc.example:81/manage")
    )
    urls = url_resolver(actuator.settings)()
    assert urls == InstanceUrls(
        "http://svc.example:80/", "http://svc.example:81/manage", "http://svc.example:81/manage/health"
    )
