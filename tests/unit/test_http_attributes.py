"""Spring's ``error`` tag from OpenTelemetry's ``error.type`` under either semantic-convention mode."""

from __future__ import annotations

from typing import Optional

import pytest

from otel_actuator.bridge import http_attributes as http


@pytest.mark.parametrize(
    ("error_type", "tag"),
    [
        ("ValueError", "ValueError"),  # an exception escaped the handler
        ("500", None),  # stable conventions: a 5xx answered without an exception
        ("503", None),
        ("", None),
        (None, None),
    ],
)
def test_error_tag_is_the_exception_class_or_none(error_type: Optional[str], tag: Optional[str]) -> None:
    attributes = {} if error_type is None else {"error.type": error_type}
    assert http.error_type(attributes) == tag
