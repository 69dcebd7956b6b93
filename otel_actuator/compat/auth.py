"""Credentials for Spring Boot Admin, under the names Pyctuator users import (``pyctuator.auth``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass
class Auth:
    """Base of the registration credentials ``Pyctuator(registration_auth=...)`` accepts."""


@dataclass
class BasicAuth(Auth):
    """HTTP Basic credentials sent with every registration and deregistration (no password: empty)."""

    username: str
    password: Optional[str] = None
