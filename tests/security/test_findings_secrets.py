"""Security round, secrets and start-up findings: masked forms, log lines, SBA calls, credentials checks.

The sanitizer covers the forms the docs promise and those users expect (table-driven); log lines lose
``Authorization: Bearer ...`` and ``api_key=...`` and an oversized one is cut before it is sanitized;
deregistration gives up after a total deadline; SBA URL credentials reach no log line; an oversized SBA
answer is not read; empty or ambiguous actuator credentials stop the start.
"""

from __future__ import annotations

import base64
import logging
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from otel_actuator import Settings, SettingsError
from otel_actuator.admin.payload import InstanceUrls
from otel_actuator.admin.registrar import Registrar
from otel_actuator.sanitize import MASK, Sanitizer
from otel_actuator.sources.logs import LogTail, LogTailHandler
from tests.support.fake_admin import FakeAdmin
from tests.support.polling import eventually

MARK = "Zq" + secrets.token_hex(6)
URLS = InstanceUrls(
    service_url="http://127.0.0.1:8000/",
    management_url="http://127.0.0.1:8000/actuator",
    health_url="http://127.0.0.1:8000/actuator/health",
)

#: (key, value, what must remain visible); the marker is the secret.
SECRET_FORMS = [
    ("ODBC_CONNECTION", f"Driver={{ODBC Driver 18}};Server=db;UID=app;PWD={MARK};", "Server=db"),
    ("ORACLE_DSN", f"scott/{MARK}@db.internal:1521/ORCL", "db.internal:1521/ORCL"),
    ("JDBC_URL", f"jdbc:oracle:thin:scott/{MARK}@//db:1521/ORCL", "//db:1521/ORCL"),
    ("SMTP_PASS", MARK, ""),
    ("db.pass", MARK, ""),
    ("GOOGLE_APPLICATION_CREDENTIALS_JSON", f'{{"type": "service_account", "private_key": "{MARK}"}}', ""),
    ("SERVICE_ACCOUNT", f'{{"type": "service_account", "private_key": "-----BEGIN {MARK}"}}', "service_account"),
    ("CONFIG_JSON", f'{{"client_id": "app", "client_secret": "{MARK}"}}', '"client_id": "app"'),
    ("SLACK_WEBHOOK_URL", f"https://hooks.slack.com/services/T000/B000/{MARK}", "hooks.slack.com"),
    ("DISCORD_WEBHOOK", f"https://discord.com/api/webhooks/1234/{MARK}", "discord.com"),
    ("DATABASE_URL", f"postgres://app:pa/{MARK}@db.internal:5432/app", "db.internal:5432/app"),
    ("CALLBACK", f"https://app.example/cb?code={MARK}&state=ok", "state=ok"),
    ("LOGIN", f"https://sso.example/login?session={MARK}&sid={MARK}&ticket={MARK}", "sso.example"),
    ("NOTE", f"calling with Authorization: Bearer {MARK} now", "calling with"),
    ("NOTE", f"calling with api_key={MARK} now", "calling with"),
    ("Cf-Access-Jwt-Assertion", MARK, ""),
    ("X-Goog-Iap-Jwt-Assertion", MARK, ""),
    ("X-Amzn-Oidc-Data", MARK, ""),
]


@pytest.mark.parametrize(("key", "value", "kept"), SECRET_FORMS)
def test_the_sanitizer_masks_every_listed_form(key: str, value: str, kept: str) -> None:
    shown = str(Sanitizer().sanitize_value(key, value))
    assert MARK not in shown, shown
    assert MASK in shown
    assert kept in shown


@pytest.mark.parametrize(
    "value",
    ["/home/app", "https://example.com:8080/a@b", "see /users/ada@example.com", "exit code 1", "token expired"],
)
def test_the_sanitizer_leaves_look_alikes_alone(value: str) -> None:
    assert Sanitizer().sanitize_value("NOTE", value) == value
    assert not Sanitizer().is_sensitive_key("PWD")  # the shell's working directory


LOG_LINE_SECRETS = [f"GET /x Authorization: Bearer {MARK}", f"retrying with api_key={MARK}", f"bearer {MARK}"]


@pytest.mark.parametrize("line", LOG_LINE_SECRETS)
def test_log_lines_from_python_logging_lose_their_credentials(line: str) -> None:
    tail = LogTail(65536)
    logger = logging.getLogger(f"findings.logline.{secrets.token_hex(4)}")
    logger.propagate = False
    logger.addHandler(LogTailHandler(tail, "%(message)s"))
    logger.warning(line)
    kept = tail.read(0, tail.size()).decode()
    assert MARK not in kept and MASK in kept


@pytest.mark.parametrize("line", LOG_LINE_SECRETS)
def test_log_lines_from_opentelemetry_records_lose_their_credentials(line: str) -> None:
    from opentelemetry.sdk._logs import LoggerProvider

    from otel_actuator.bridge.logs import ActuatorLogProcessor

    tail = LogTail(65536)
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(ActuatorLogProcessor(tail, Settings()))
    provider.get_logger("findings").emit(body=line)
    provider.shutdown()
    kept = tail.read(0, tail.size()).decode()
    assert MARK not in kept and MASK in kept


class _MeasuringSanitizer(Sanitizer):
    """A fake that records how much text it was given."""

    lengths: list[int]

    def sanitize_text(self, text: str) -> str:
        self.lengths.append(len(text))
        return super().sanitize_text(text)


def test_an_oversized_log_line_is_cut_before_it_is_sanitized() -> None:
    sanitizer = _MeasuringSanitizer()
    sanitizer.lengths = []
    tail = LogTail(65536, sanitizer)
    tail.append("x" * (8 * 1024 * 1024) + f" Authorization: Bearer {MARK}")
    assert sanitizer.lengths and max(sanitizer.lengths) < 2 * 65536
    kept = tail.read(0, tail.size())
    assert len(kept) <= 65536 and MARK.encode() not in kept


# -- Spring Boot Admin ---------------------------------------------------------------------------


@contextmanager
def _trickling_admin() -> Iterator[str]:
    """A fake SBA that answers every request one byte at a time, forever (until the test ends)."""
    listener = socket.create_server(("127.0.0.1", 0))
    done = threading.Event()

    def trickle(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 204 No Content\r\n" * 1000:
                if done.wait(0.2):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=trickle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        done.set()
        listener.close()


def test_deregistration_from_a_trickling_admin_gives_up_at_its_deadline() -> None:
    with _trickling_admin() as url:
        registrar = Registrar(Settings(admin_url=(url,), admin_timeout=5.0), lambda: URLS)
        registrar.registered = {url: "instance-1"}
        stopper = threading.Thread(target=registrar.stop, daemon=True)
        stopper.start()
        eventually(lambda: not stopper.is_alive(), timeout=30, what="stop() to return")


def test_admin_url_credentials_reach_no_log_line(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeAdmin()
    try:
        url = fake.url.replace("http://", f"http://sba-user:{MARK}@")
        registrar = Registrar(Settings(admin_url=(url,)), lambda: URLS)
        with caplog.at_level(logging.DEBUG):
            assert registrar.register_once(URLS)
            registrar.stop()
    finally:
        fake.close()
    sent = fake.registrations()[0].headers["Authorization"]
    assert base64.b64decode(sent.split(" ", 1)[1]).decode() == f"sba-user:{MARK}"
    lines = [record.getMessage() for record in caplog.records]
    assert any("127.0.0.1" in line for line in lines), lines
    assert not [line for line in lines if MARK in line]


def test_admin_url_credentials_reach_no_failure_line(caplog: pytest.LogCaptureFixture) -> None:
    from tests.support.fake_admin import refused_url

    url = refused_url().replace("http://", f"http://sba-user:{MARK}@")
    registrar = Registrar(Settings(admin_url=(url,)), lambda: URLS)
    with caplog.at_level(logging.DEBUG):
        assert not registrar.register_once(URLS)
        registrar.stop()
    assert caplog.records and not [r for r in caplog.records if MARK in r.getMessage()]


@contextmanager
def _oversized_admin(size: int) -> Iterator[tuple[str, list[int]]]:
    """A fake SBA answering every registration with ``size`` bytes; yields its URL and the bytes it got out."""
    listener = socket.create_server(("127.0.0.1", 0))
    sent: list[int] = []

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(f"HTTP/1.1 201 Created\r\nContent-Length: {size}\r\n\r\n".encode())
            total, chunk = 0, b"[" * 65536
            try:
                while total < size:
                    conn.sendall(chunk)
                    total += len(chunk)
            except OSError:
                pass
            sent.append(total)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", sent
    finally:
        listener.close()
        thread.join(timeout=30)


def test_an_oversized_admin_answer_is_not_read() -> None:
    size = 50 * 1024 * 1024
    with _oversized_admin(size) as (url, sent):
        registrar = Registrar(Settings(admin_url=(url,)), lambda: URLS)
        assert not registrar.register_once(URLS)
        registrar.stop(deregister=False)
        eventually(lambda: sent, what="the fake to stop sending")
    assert sent[0] < size // 4


# -- start-up checks -----------------------------------------------------------------------------


def test_empty_credentials_stop_the_start() -> None:
    # A secret store that lost both values must not turn auth off with every endpoint exposed.
    environ = {"OTEL_ACTUATOR_USERNAME": "", "OTEL_ACTUATOR_PASSWORD": "", "OTEL_ACTUATOR_EXPOSURE_INCLUDE": "*"}
    with pytest.raises(SettingsError, match="is empty"):
        Settings.from_env(environ)


def test_a_username_with_a_colon_stops_the_start() -> None:
    with pytest.raises(SettingsError, match="':'"):
        Settings.from_env({"OTEL_ACTUATOR_USERNAME": "ops:admin", "OTEL_ACTUATOR_PASSWORD": "pw"})


def test_password_whitespace_is_kept() -> None:
    settings = Settings.from_env({"OTEL_ACTUATOR_USERNAME": "ops", "OTEL_ACTUATOR_PASSWORD": " pass word "})
    assert settings.password == " pass word "
