"""Masking of secrets before they leave the process: by key, and credentials inside URLs.

One :class:`Sanitizer` serves the env and info endpoints, recorded exchanges and the metadata sent
to Spring Boot Admin. The replacement is always :data:`MASK`, Spring Boot's exact string.

Key rules (case-insensitive; ``-``, ``.`` and spaces count as ``_``, so ``api-key``, ``api.key`` and
``API_KEY`` are one key):

* a key is sensitive when it *contains* a fragment of :data:`CONTAINED_FRAGMENTS` or of the extra keys
  (``OTEL_ACTUATOR_SANITIZE_KEYS``);
* or when it *ends with* a fragment of :data:`SUFFIX_FRAGMENTS`. ``key`` is a suffix rule, as in Spring
  Boot 2: ``GPG_KEY``, ``apiKey`` and ``signingKey`` are masked, ``KEYBOARD_LAYOUT`` is not. ``headers``
  is one too, because ``OTEL_EXPORTER_OTLP_HEADERS`` routinely carries vendor API keys.

Values of other keys still lose the credentials of every URL they contain: ``scheme://user:******@host``
(a user-only user-info, as in a Sentry DSN or ``https://TOKEN@github.com``, becomes ``******@host``), and
secret query or fragment parameters (``token``, ``access_token``, ``sig``, ``X-Amz-Signature`` ...) become
``name=******``. Text values also lose the values of secret ``name=value`` pairs in comma, semicolon or
space separated lists, the form of ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_EXPORTER_OTLP_*_HEADERS`` and
connection strings (``Server=db;User Id=app;Password=******``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any, Callable, Optional

MASK = "******"

CONTAINED_FRAGMENTS: tuple[str, ...] = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "authorization",
    "cookie",
    "api_key",
    "apikey",
    "private",
    "vcap_services",
    "connection_string",
    "connectionstring",
)
SUFFIX_FRAGMENTS: tuple[str, ...] = ("key", "auth", "_pwd", "headers")

#: Query parameter names masked besides sensitive keys: signatures of pre-signed URLs and short password names.
_SECRET_PARAM_SUFFIXES = ("sig", "signature")
_SECRET_PARAMS = frozenset({"pwd", "pass"})

#: Called as ``hook(key, raw_value)`` before the built-in rules: ``None`` means "no opinion", anything else
#: is the final value (return the raw value to show it, :data:`MASK` to hide it).
SanitizeHook = Callable[[str, Any], Any]

_logger = logging.getLogger("otel_actuator")

# RFC 3986 user-info never holds '/', '?', '#' or spaces; the greedy run keeps an unencoded '@' of a password.
# The bounded scheme keeps the scan linear on long dotted text.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]{0,31}://)(?P<userinfo>[^/\s?#]*)@")
_PARAM = re.compile(r"(?P<lead>[?&#])(?P<name>[^=&#?\s]+)=(?P<value>[^&#\s]*)")
_PAIR = re.compile(r"(?P<lead>^|[,;\s])(?P<name>[A-Za-z0-9_.\-]+)=(?P<value>[^,;\s]*)")
_SEPARATORS = re.compile(r"[-.\s]")


def _normalize(key: str) -> str:
    return _SEPARATORS.sub("_", key.lower())


class Sanitizer:
    """Decides which keys are secret and masks secrets inside values.

    ``extra_keys`` are more contained fragments; ``hook`` may override the decision for any key.
    """

    def __init__(self, extra_keys: Iterable[str] = (), hook: Optional[SanitizeHook] = None) -> None:
        extra = tuple(_normalize(k.strip()) for k in extra_keys if k.strip())
        self._contained = CONTAINED_FRAGMENTS + extra
        self._hook = hook

    def is_sensitive_key(self, key: str) -> bool:
        normalized = _normalize(key)
        return any(f in normalized for f in self._contained) or normalized.endswith(SUFFIX_FRAGMENTS)

    def sanitize_url(self, url: str) -> str:
        """Mask user-info passwords and secret parameters of every URL found in ``url`` (any text works)."""
        # The substring tests skip the regular expressions for the common text without URLs or parameters.
        masked = _USERINFO.sub(_mask_userinfo, url) if "://" in url else url
        return _PARAM.sub(self._mask_param, masked) if "=" in masked else masked

    def sanitize_text(self, text: str) -> str:
        """:meth:`sanitize_url`, then the values of secret ``name=value`` pairs masked."""
        return _PAIR.sub(self._mask_pair, self.sanitize_url(text))

    def sanitize_value(self, key: str, value: Any) -> Any:
        """The value safe to show under ``key``; mappings are sanitized entry by entry, lists item by item."""
        if self._hook is not None:
            decided = _run_hook(self._hook, key, value)
            if decided is not None:
                return decided
        if value is None:
            return None
        if self.is_sensitive_key(key):
            return MASK
        if isinstance(value, str):
            return self.sanitize_text(value)
        if isinstance(value, Mapping):
            return self.sanitize_mapping(value)
        if isinstance(value, (list, tuple)):
            return [self.sanitize_value(key, item) for item in value]
        return value

    def sanitize_mapping(self, data: Mapping[Any, Any]) -> dict[str, Any]:
        return {str(k): self.sanitize_value(str(k), v) for k, v in data.items()}

    def _mask_param(self, match: re.Match[str]) -> str:
        name = match.group("name")
        normalized = _normalize(name)
        secret = (
            self.is_sensitive_key(name) or normalized.endswith(_SECRET_PARAM_SUFFIXES) or normalized in _SECRET_PARAMS
        )
        if not secret or not match.group("value"):
            return match.group(0)
        return f"{match.group('lead')}{name}={MASK}"

    def _mask_pair(self, match: re.Match[str]) -> str:
        if not match.group("value") or not self.is_sensitive_key(match.group("name")):
            return match.group(0)
        return f"{match.group('lead')}{match.group('name')}={MASK}"


def _run_hook(hook: SanitizeHook, key: str, value: Any) -> Any:
    try:
        return hook(key, value)
    except Exception:
        # Failing closed: a broken hook must not reveal what it was meant to judge.
        _logger.warning("sanitize hook failed for key %r; the value is masked", key, exc_info=True)
        return MASK


def _mask_userinfo(match: re.Match[str]) -> str:
    userinfo = match.group("userinfo")
    if not userinfo:
        return match.group(0)
    user, colon, _ = userinfo.partition(":")
    masked = f"{user}:{MASK}" if colon else MASK
    return f"{match.group('scheme')}{masked}@"
