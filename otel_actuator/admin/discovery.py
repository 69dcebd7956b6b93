"""Where this process can be reached: from settings, else from the sockets it listens on."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Optional

_WILDCARDS = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


def listening_endpoints(pid: Optional[int] = None) -> list[Endpoint]:
    """TCP sockets this process listens on (inherited ones included, as gunicorn workers have)."""
    import psutil

    try:
        connections = psutil.Process(pid or os.getpid()).net_connections(kind="tcp")
    except (psutil.Error, OSError):
        return []
    found = {
        Endpoint(str(conn.laddr.ip), int(conn.laddr.port))
        for conn in connections
        if conn.status == psutil.CONN_LISTEN and conn.laddr
    }
    return sorted(found, key=lambda e: (e.port, e.host))


def advertised_host(bound: str, *, prefer_ip: bool) -> str:
    """A bound specific address is what clients can use; a wildcard means the host's name (or IP)."""
    if bound not in _WILDCARDS:
        return f"[{bound}]" if ":" in bound else bound
    name = socket.gethostname()
    if not prefer_ip:
        return name
    try:
        return socket.gethostbyname(name)
    except OSError:
        return "127.0.0.1"


def http_url(endpoint: Endpoint, *, prefer_ip: bool, path: str = "/") -> str:
    return f"http://{advertised_host(endpoint.host, prefer_ip=prefer_ip)}:{endpoint.port}{path}"


def worker_count() -> int:
    """How many sibling workers serve the same port, read from the parent's command line (gunicorn, uvicorn)."""
    import psutil

    try:
        parent = psutil.Process(os.getpid()).parent()
        cmdline = parent.cmdline() if parent is not None else []
    except (psutil.Error, OSError):
        return 1
    if not any(("gunicorn" in part or "uvicorn" in part) for part in cmdline[:3]):
        return 1
    for index, part in enumerate(cmdline):
        value: Optional[str] = None
        if part in ("-w", "--workers") and index + 1 < len(cmdline):
            value = cmdline[index + 1]
        elif part.startswith("--workers="):
            value = part.split("=", 1)[1]
        elif part.startswith("-w") and part[2:].isdigit():
            value = part[2:]
        if value is not None and value.isdigit():
            return int(value)
    concurrency = os.environ.get("WEB_CONCURRENCY", "")
    return int(concurrency) if concurrency.isdigit() else 1
