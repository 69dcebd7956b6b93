"""The registrar against fault-injecting fake SBA servers over real sockets (the real SBA is in tests/e2e)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Callable

import pytest

from otel_actuator import Actuator, Settings
from otel_actuator.admin.lifecycle import RegistrarSpanProcessor, url_resolver
from otel_actuator.admin.payload import InstanceUrls, registration
from otel_actuator.admin.registrar import Registrar
from tests.support.fake_admin import FakeAdmin, refused_url

URLS = InstanceUrls("http://127.0.0.1:8000/", "http://127.0.0.1:8000/actuator", "http://127.0.0.1:8000/actuator/health")


def _eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def admin() -> Iterator[FakeAdmin]:
    fake = FakeAdmin()
    yield fake
    fake.close()


def _registrar(*admin_urls: str, **settings: object) -> Registrar:
    values: dict[str, object] = {"admin_url": admin_urls, "admin_interval": 0.2, "admin_timeout": 1.0}
    values.update(settings)
    return Registrar(Settings(**values), lambda: URLS, resource_attributes={"service.instance.id": "abc"})  # type: ignore[arg-type]


def test_payload_is_string_metadata_with_auth_for_callbacks() -> None:
    settings = Settings(app_name="svc", app_version="1.2.3", admin_tags=("team=core",), username="u", password="p")
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


def test_registers_repeatedly_and_deregisters_on_stop(admin: FakeAdmin) -> None:
    registrar = _registrar(admin.url).start()
    _eventually(lambda: len(admin.registrations()) >= 3)
    first = admin.registrations()[0]
    assert first.path == "/instances"
    assert first.headers["Content-Type"] == "application/json"
    assert first.body["healthUrl"] == URLS.health_url
    registrar.stop()
    assert [d.path for d in admin.deregistrations()] == [f"/instances/{next(iter(registrar_ids(admin)))}"]
    count = len(admin.registrations())
    time.sleep(0.5)
    assert len(admin.registrations()) == count


def registrar_ids(admin: FakeAdmin) -> set[str]:
    import hashlib

    return {hashlib.sha1(r.body["healthUrl"].encode()).hexdigest()[:12] for r in admin.registrations()}


def test_register_once_uses_first_that_answers(admin: FakeAdmin) -> None:
    second = FakeAdmin()
    try:
        registrar = _registrar(refused_url(), admin.url, second.url)
        assert registrar.register_once(URLS)
        assert len(admin.registrations()) == 1 and second.registrations() == []
        registrar_all = _registrar(admin.url, second.url, admin_register_once=False)
        assert registrar_all.register_once(URLS)
        assert len(second.registrations()) == 1
        registrar_all.stop()
        assert len(second.deregistrations()) == 1
    finally:
        second.close()


def test_basic_auth_towards_admin(admin: FakeAdmin) -> None:
    registrar = _registrar(admin.url, admin_username="sba", admin_password="pw")
    assert registrar.register_once(URLS)
    assert admin.registrations()[0].headers["Authorization"].startswith("Basic ")


def test_failures_back_off_and_log_once_at_warn(caplog: pytest.LogCaptureFixture) -> None:
    failing = FakeAdmin(mode="error")
    try:
        caplog.set_level(logging.DEBUG, logger="otel_actuator.admin")
        registrar = _registrar(failing.url).start()
        _eventually(lambda: len(failing.registrations()) >= 3)
        registrar.stop()
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "registration" in r.getMessage()]
        assert len(warnings) == 1
        times = [r.created for r in caplog.records if "registration at" in r.getMessage()]
        gaps = [b - a for a, b in zip(times, times[1:])]
        assert gaps[1] > gaps[0] * 0.9 or gaps[1] >= 0.5
    finally:
        failing.close()


def test_blackholed_admin_never_blocks_start_or_caller() -> None:
    blackhole = FakeAdmin(mode="blackhole")
    try:
        started = time.monotonic()
        registrar = _registrar(blackhole.url, admin_timeout=0.5).start()
        assert time.monotonic() - started < 0.2
        _eventually(lambda: len(blackhole.registrations()) >= 1)
        assert registrar.registered == {}
        stopping = time.monotonic()
        registrar.stop()
        assert time.monotonic() - stopping < 2.0
    finally:
        blackhole.close()


def test_comes_back_when_admin_recovers() -> None:
    admin = FakeAdmin(mode="error")
    try:
        registrar = _registrar(admin.url).start()
        _eventually(lambda: len(admin.registrations()) >= 2)
        admin.mode = "ok"
        _eventually(lambda: bool(registrar.registered), timeout=15)
        registrar.stop()
    finally:
        admin.close()


def test_provider_shutdown_deregisters(admin: FakeAdmin) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    registrar = _registrar(admin.url)
    assert registrar.register_once(URLS)
    provider = TracerProvider()
    provider.add_span_processor(RegistrarSpanProcessor(registrar))
    provider.shutdown()
    assert len(admin.deregistrations()) == 1


def test_urls_discovered_from_the_listening_socket() -> None:
    from tests.integration.apps import served

    with served("fastapi", Settings()) as (url, actuator):
        urls = url_resolver(actuator)()
        assert urls is not None
        assert urls.service_url == url + "/"
        assert urls.management_url == url + "/actuator"
        assert urls.health_url == url + "/actuator/health"


def test_settings_override_discovery() -> None:
    actuator = Actuator(
        Settings(admin_service_url="http://svc.example:80", admin_management_url="http://svc.example:81/manage")
    )
    urls = url_resolver(actuator)()
    assert urls == InstanceUrls(
        "http://svc.example:80/", "http://svc.example:81/manage", "http://svc.example:81/manage/health"
    )
