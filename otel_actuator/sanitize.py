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
(a password with an unencoded ``/`` included; a user-only user-info, as in a Sentry DSN or
``https://TOKEN@github.com``, becomes ``******@host``), the token path of webhook URLs (Slack, Discord,
Microsoft Teams, Telegram bots), and secret query or fragment parameters (``token``, ``access_token``,
``sig``, ``X-Amz-Signature``, OAuth's ``code``, ``session``, ``sid``, ``ticket`` ...) become
``name=******``. Text values (and log lines) also lose the values of secret ``name=value`` pairs in
comma, semicolon or space separated lists, the form of ``OTEL_RESOURCE_ATTRIBUTES``,
``OTEL_EXPORTER_OTLP_*_HEADERS`` and connection strings (``Server=db;User Id=app;Password=******``, ODBC's
``PWD=******``); of secret members of JSON text (``{"private_key": "******"}``); the password of Oracle's
``scott/******@db``; and ``Authorization: Bearer ******`` credentials.
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
    # Identity assertions proxies add to each request (Cloudflare Access, Google IAP, AWS ALB OIDC).
    "jwt",
    "oidc",
)
SUFFIX_FRAGMENTS: tuple[str, ...] = ("key", "auth", "_pwd", "_pass", "headers")

#: Query parameter names masked besides sensitive keys: signatures of pre-signed URLs, short password
#: names, OAuth authorization codes and session or ticket ids that stand for a login.
_SECRET_PARAM_SUFFIXES = ("sig", "signature")
_SECRET_PARAMS = frozenset({"pwd", "pass", "code", "session", "sid", "ticket"})
#: Short password names of connection strings (ODBC's ``PWD=``); as keys of their own they are too common
#: (``PWD`` is the shell's working directory).
_SECRET_PAIRS = frozenset({"pwd", "pass"})

#: Called as ``hook(key, raw_value)`` before the built-in rules: ``None`` means "no opinion", anything else
#: is the final value (return the raw value to show it, :data:`MASK` to hide it).
SanitizeHook = Callable[[str, Any], Any]

_logger = logging.getLogger("otel_actuator")

# RFC 3986 user-info never holds '/', '?', '#' or spaces; the greedy run keeps an unencoded '@' of a password.
# The bounded scheme keeps the scan linear on long dotted text.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]{0,31}://)(?P<userinfo>[^/\s?#]*)@")
#: ``user:pass/word@host``: a password with an unencoded '/', which RFC 3986 forbids and people write anyway.
_SLASHED_USERINFO = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]{0,31}://)(?P<user>[^/\s?#:@]*):(?P<password>[^\s?#@]*/[^\s?#@]*)@"
)
_WEBHOOK = re.compile(
    r"(?P<keep>hooks\.slack\.com/(?:services|workflows|triggers)/|discord(?:app)?\.com/api/webhooks/[0-9]+/"
    r"|\.webhook\.office\.com/|api\.telegram\.org/bot)(?P<token>[^\s?#\"']+)",
    re.IGNORECASE,
)
_PARAM = re.compile(r"(?P<lead>[?&#])(?P<name>[^=&#?\s]+)=(?P<value>[^&#\s]*)")
_PAIR = re.compile(r"(?P<lead>^|[,;\s])(?P<name>[A-Za-z0-9_.\-]+)=(?P<value>[^,;\s]*)")
_JSON_MEMBER = re.compile(r'"(?P<name>[^"\\]{1,128})"(?P<colon>\s*:\s*)"(?P<value>(?:[^"\\]|\\.)*)"')
#: Oracle's ``user/password@host`` connect strings.
_SLASHED_LOGIN = re.compile(
    r"(?P<lead>^|[\s=,;:(\"'])(?P<user>[A-Za-z][A-Za-z0-9_$#]{0,63})/(?P<password>[^\s/@\"']+)@"
)
_AUTHORIZATION = re.compile(
    r"(?P<lead>\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic|digest|token|negotiate)\s+)?)"
    r"(?P<value>[^\s\"',;]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<lead>\bbearer\s+)(?P<value>[A-Za-z0-9\-._~+/]+=*)", re.IGNORECASE)
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
        """Whether values under ``key`` are always masked (password, secret, token, key ... and the extra keys)."""
        normalized = _normalize(key)
        return any(f in normalized for f in self._contained) or normalized.endswith(SUFFIX_FRAGMENTS)

    def sanitize_url(self, url: str) -> str:
        """Mask user-info passwords and secret parameters of every URL found in ``url`` (any text works)."""
        # The substring tests skip the regular expressions for the common text without URLs or parameters.
        masked = url
        if "://" in masked:
            if "@" in masked:
                masked = _SLASHED_USERINFO.sub(_mask_slashed_userinfo, masked)
                masked = _USERINFO.sub(_mask_userinfo, masked)
            masked = _WEBHOOK.sub(_mask_webhook, masked)
        return _PARAM.sub(self._mask_param, masked) if "=" in masked else masked

    def sanitize_text(self, text: str) -> str:
        """:meth:`sanitize_url`, then secret ``name=value`` pairs, JSON members, logins and credentials masked."""
        masked = self.sanitize_url(text)
        lowered = masked.lower()
        # Credentials first: ``Authorization=Basic abc`` is a pair whose value ends at the space.
        if "authorization" in lowered:
            masked = _AUTHORIZATION.sub(_mask_credential, masked)
        if "bearer" in lowered:
            masked = _BEARER.sub(_mask_credential, masked)
        if "=" in masked:
            masked = _PAIR.sub(self._mask_pair, masked)
        if '"' in masked:
            masked = _JSON_MEMBER.sub(self._mask_json_member, masked)
        if "/" in masked and "@" in masked:
            masked = _SLASHED_LOGIN.sub(_mask_slashed_login, masked)
        return masked

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
        """A copy of ``data`` with every value sanitized under its key, nested mappings included."""
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
        name = match.group("name")
        if not match.group("value") or not (self.is_sensitive_key(name) or _normalize(name) in _SECRET_PAIRS):
            return match.group(0)
        return f"{match.group('lead')}{name}={MASK}"

    def _mask_json_member(self, match: re.Match[str]) -> str:
        if not match.group("value") or not self.is_sensitive_key(match.group("name")):
            return match.group(0)
        return f'"{match.group("name")}"{match.group("colon")}"{MASK}"'


def _run_hook(hook: SanitizeHook, key: str, value: Any) -> Any:
    try:
        return hook(key, value)
    except Exception:
        # Failing closed: a broken hook must not reveal what it was meant to judge.
        _logger.warning("sanitize hook failed for key %r; the value is masked", key, exc_info=True)
        return MASK


def _mask_slashed_userinfo(match: re.Match[str]) -> str:
    if match.group("password").split("/", 1)[0].isdigit():
        return match.group(0)  # ``host:8080/path@...``: a port and a path, not a password
    return f"{match.group('scheme')}{match.group('user')}:{MASK}@"


def _mask_webhook(match: re.Match[str]) -> str:
    return f"{match.group('keep')}{MASK}"


def _mask_slashed_login(match: re.Match[str]) -> str:
    return f"{match.group('lead')}{match.group('user')}/{MASK}@"


def _mask_credential(match: re.Match[str]) -> str:
    return f"{match.group('lead')}{MASK}" if match.group("value") != MASK else match.group(0)


def _mask_userinfo(match: re.Match[str]) -> str:
    userinfo = match.group("userinfo")
    if not userinfo:
        return match.group(0)
    user, colon, _ = userinfo.partition(":")
    masked = f"{user}:{MASK}" if colon else MASK
    return f"{match.group('scheme')}{masked}@"
