from __future__ import annotations

import pytest

from otel_actuator.core.negotiation import (
    APPLICATION_JSON,
    JSON_AND_TEXT,
    JSON_TYPES,
    TEXT_PLAIN,
    V2_JSON,
    V3_JSON,
    ApiVersion,
    body_version,
    choose_media_type,
    parse_accept,
)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("", V3_JSON),
        ("*/*", V3_JSON),
        (V3_JSON, V3_JSON),
        (f"{V3_JSON}, {V2_JSON}, application/json", V3_JSON),
        (f"{V2_JSON},application/vnd.spring-boot.actuator.v1+json,application/json", V2_JSON),
        (f"application/json, {V2_JSON}", V2_JSON),
        ("application/json", APPLICATION_JSON),
        ("application/json;q=0.5, */*;q=0.1", APPLICATION_JSON),
        ("text/html", None),
        ("text/plain", None),
        (f"{V3_JSON};q=0", None),
        ("garbage", None),
        ("application/*", V3_JSON),
    ],
)
def test_json_operations(accept: str, expected: str | None) -> None:
    assert choose_media_type(accept, JSON_TYPES) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/plain", TEXT_PLAIN),
        ("text/plain, */*", TEXT_PLAIN),
        ("*/*", V3_JSON),
        (f"{V2_JSON}, text/plain;q=0.5", V2_JSON),
        ("text/*", TEXT_PLAIN),
    ],
)
def test_text_alternative(accept: str, expected: str) -> None:
    assert choose_media_type(accept, JSON_AND_TEXT) == expected


@pytest.mark.parametrize(
    ("accept", "version"),
    [
        ("", ApiVersion.V3),
        ("*/*", ApiVersion.V3),
        (V2_JSON, ApiVersion.V2),
        (f"{V3_JSON},{V2_JSON}", ApiVersion.V3),
        (f"{V2_JSON},application/json", ApiVersion.V2),
        ("application/json", ApiVersion.V3),
    ],
)
def test_body_version(accept: str, version: ApiVersion) -> None:
    assert body_version(accept) is version


def test_parse_accept_ignores_malformed_entries() -> None:
    ranges = parse_accept("text/plain;q=abc, /, application/json;q=2, a/b;q=0.3")
    assert [(r.type, r.subtype, r.quality) for r in ranges] == [("a", "b", 0.3)]
