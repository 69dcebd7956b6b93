"""How the actuator answers over HTTP: base path, exposure, credentials, limits, CORS.

Built from :class:`otel_actuator.settings.Settings` by the composition root, so that ``core`` works
without knowing where configuration comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

#: Who may see health details and env values.
SHOW_NEVER = "never"
SHOW_WHEN_AUTHORIZED = "when-authorized"
SHOW_ALWAYS = "always"
SHOW_CHOICES = (SHOW_NEVER, SHOW_WHEN_AUTHORIZED, SHOW_ALWAYS)


@dataclass(frozen=True)
class HttpPolicy:
    """What the dispatcher and the web adapters need to know; every field has Spring Boot's default."""

    base_path: str = "/actuator"
    exposure_include: tuple[str, ...] = ("health",)
    exposure_exclude: tuple[str, ...] = ()
    username: Optional[str] = None
    password: Optional[str] = None
    max_body_bytes: int = 65536
    cors_allowed_origins: tuple[str, ...] = ()
    forwarded_headers: bool = False
    #: Spring counts a write without Content-Type as application/octet-stream and refuses it (415): a
    #: cross-site ``sendBeacon`` or no-cors ``fetch`` sends none and needs no preflight. A lenient facade
    #: (Pyctuator's clients) may accept a missing type; a present, wrong one is refused either way.
    accept_missing_content_type: bool = False

    @property
    def auth_enabled(self) -> bool:
        return self.username is not None and self.password is not None

    def owns(self, path: str) -> bool:
        """Whether ``path`` is the base path or below it."""
        base = self.base_path
        return path == base or path.startswith(base.rstrip("/") + "/")
