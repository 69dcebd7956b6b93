"""Absolute URLs of the actuator, built from what the request says about itself."""

from __future__ import annotations

from collections.abc import Mapping


def base_url(
    scheme: str,
    host: str,
    prefix: str,
    base_path: str,
    headers: Mapping[str, str],
    *,
    trust_forwarded: bool,
) -> str:
    """``scheme://host/prefix/base_path``; X-Forwarded-* replace the parts only when trusted."""
    if trust_forwarded:
        scheme = _first(headers.get("x-forwarded-proto")) or scheme
        forwarded_host = _first(headers.get("x-forwarded-host"))
        if forwarded_host:
            host = forwarded_host
        forwarded_port = _first(headers.get("x-forwarded-port"))
        if forwarded_port and forwarded_port.isdigit():
            host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            default = (scheme == "http" and forwarded_port == "80") or (scheme == "https" and forwarded_port == "443")
            host = host if default else f"{host}:{forwarded_port}"
        prefix = (_first(headers.get("x-forwarded-prefix")) or "").rstrip("/") + prefix
    return f"{scheme}://{host}{prefix.rstrip('/')}{base_path.rstrip('/')}"


def _first(value: str | None) -> str:
    return value.split(",")[0].strip() if value else ""
