from __future__ import annotations

import logging
from typing import Any

import pytest

from otel_actuator.sanitize import MASK, Sanitizer


def test_mask_is_springs_exact_string() -> None:
    assert MASK == "******"


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "DB_PASSWORD",
        "spring.datasource.password",
        "PGPASSWORD",
        "ldap-passwd",
        "ssh.passphrase",
        "clientSecret",
        "AWS_SECRET_ACCESS_KEY",
        "GITHUB_TOKEN",
        "accessToken",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "VCAP_SERVICES",
        "vcap.services.db.uri",
        "Authorization",
        "Proxy-Authorization",
        "Set-Cookie",
        "API_KEY",
        "api-key",
        "apiKey",
        "x.api.key",
        "GPG_KEY",
        "signingKey",
        "PRIVATE_KEY_PATH",
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        "MYSQL_PWD",
        "BASIC_AUTH",
        "AZURE_STORAGE_CONNECTION_STRING",
        "azureConnectionString",
    ],
)
def test_sensitive_keys(key: str) -> None:
    assert Sanitizer().is_sensitive_key(key)


@pytest.mark.parametrize(
    "key",
    ["KEYBOARD_LAYOUT", "HOME", "PATH", "PWD", "AUTHOR", "USER", "OTEL_SERVICE_NAME", "KEY_ID", "LANG", "HOSTNAME"],
)
def test_ordinary_keys(key: str) -> None:
    assert not Sanitizer().is_sensitive_key(key)


def test_extra_keys_are_contained_fragments_with_the_same_normalization() -> None:
    sanitizer = Sanitizer(["customer-ssn", " ", "iban"])
    assert sanitizer.is_sensitive_key("CUSTOMER_SSN_LAST")
    assert sanitizer.is_sensitive_key("billing.IBAN")
    assert not sanitizer.is_sensitive_key("HOME")
    assert not Sanitizer().is_sensitive_key("customer.ssn")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://app:s3cret@db:5432/users", "postgres://app:******@db:5432/users"),
        ("redis://:s3cret@cache:6379/0", "redis://:******@cache:6379/0"),
        ("https://ghp_abc123@github.com/org/repo.git", "https://******@github.com/org/repo.git"),
        ("https://key123@o1.ingest.sentry.io/42", "https://******@o1.ingest.sentry.io/42"),
        ("postgres://app:p@ss@db/users", "postgres://app:******@db/users"),
        ("jdbc:postgresql://app:s3cret@db/users", "jdbc:postgresql://app:******@db/users"),
        ("http://example.com/path?q=1", "http://example.com/path?q=1"),
        ("http://@example.com/", "http://@example.com/"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        (
            "amqp://u:one@h1:5672,amqp://u:two@h2:5672",
            "amqp://u:******@h1:5672,amqp://u:******@h2:5672",
        ),
        ("https://h/x?token=abc&page=2", "https://h/x?token=******&page=2"),
        ("https://h/x?page=2&access_token=abc#top", "https://h/x?page=2&access_token=******#top"),
        ("https://h/cb#access_token=abc&state=1", "https://h/cb#access_token=******&state=1"),
        (
            "https://acct.blob.core.windows.net/c?sv=2020&sig=abc%2Fdef",
            "https://acct.blob.core.windows.net/c?sv=2020&sig=******",
        ),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=ff00&X-Amz-Expires=60",
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=******&X-Amz-Signature=******&X-Amz-Expires=60",
        ),
        ("https://maps.example.com/api?key=AIza123", "https://maps.example.com/api?key=******"),
        ("https://h/login?user=bob&pwd=hunter2", "https://h/login?user=bob&pwd=******"),
        ("https://h/x?token=", "https://h/x?token="),
        (
            "see https://u:pw@h/ and http://h2/?api_key=k1 too",
            "see https://u:******@h/ and http://h2/?api_key=****** too",
        ),
    ],
)
def test_sanitize_url(url: str, expected: str) -> None:
    assert Sanitizer().sanitize_url(url) == expected


def test_sanitize_url_uses_extra_keys_for_parameters() -> None:
    assert Sanitizer(["session"]).sanitize_url("https://h/?session=abc") == "https://h/?session=******"


def test_sensitive_key_masks_any_value_but_none() -> None:
    sanitizer = Sanitizer()
    assert sanitizer.sanitize_value("password", "hunter2") == MASK
    assert sanitizer.sanitize_value("password", "") == MASK
    assert sanitizer.sanitize_value("pin_token", 1234) == MASK
    assert sanitizer.sanitize_value("credentials", {"user": "bob", "pass": "x"}) == MASK
    assert sanitizer.sanitize_value("password", None) is None


def test_ordinary_key_keeps_value_but_loses_url_credentials() -> None:
    sanitizer = Sanitizer()
    assert sanitizer.sanitize_value("HOME", "/home/app") == "/home/app"
    assert sanitizer.sanitize_value("port", 8080) == 8080
    assert sanitizer.sanitize_value("enabled", True) is True
    assert sanitizer.sanitize_value("DATABASE_URL", "postgres://app:pw@db/x") == "postgres://app:******@db/x"


def test_mappings_and_lists_are_sanitized_entry_by_entry() -> None:
    data: dict[Any, Any] = {
        "db": {"url": "mysql://root:pw@db/app", "password": "pw", "pool": {"size": 5, "apiKey": "k"}},
        "brokers": ["amqp://u:pw@h1/", "amqp://u:pw@h2/"],
        "tokens": ["a", "b"],
        3: "three",
    }
    assert Sanitizer().sanitize_mapping(data) == {
        "db": {"url": "mysql://root:******@db/app", "password": MASK, "pool": {"size": 5, "apiKey": MASK}},
        "brokers": ["amqp://u:******@h1/", "amqp://u:******@h2/"],
        "tokens": MASK,
        "3": "three",
    }


def test_hook_decides_first_and_none_means_no_opinion() -> None:
    def hook(key: str, value: Any) -> Any:
        if key == "PUBLIC_KEY":
            return value  # a public key is no secret: show it as it is
        if key == "EMAIL":
            return MASK
        return None

    sanitizer = Sanitizer(hook=hook)
    assert sanitizer.sanitize_value("PUBLIC_KEY", "ssh-ed25519 AAAA") == "ssh-ed25519 AAAA"
    assert sanitizer.sanitize_value("EMAIL", "bob@example.com") == MASK
    assert sanitizer.sanitize_value("DB_PASSWORD", "pw") == MASK
    assert sanitizer.sanitize_value("HOME", "/home/app") == "/home/app"


def test_hook_sees_nested_keys() -> None:
    seen: list[str] = []

    def hook(key: str, value: Any) -> Any:
        seen.append(key)
        return None

    Sanitizer(hook=hook).sanitize_mapping({"outer": {"inner": 1}})
    assert seen == ["outer", "inner"]


def test_failing_hook_masks_and_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    def hook(key: str, value: Any) -> Any:
        raise RuntimeError("boom")

    with caplog.at_level(logging.WARNING, logger="otel_actuator"):
        assert Sanitizer(hook=hook).sanitize_value("HOME", "/home/app") == MASK
    assert "sanitize hook failed" in caplog.text
