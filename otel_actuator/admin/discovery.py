"""Where this process can be reached: from settings, else from the sockets it listens on."""

from __future__ import annotations

import os
import shlex
import socket
import stat
from dataclasses import dataclass
from typing import Optional

from otel_actuator.admin.payload import InstanceUrls, UrlResolver
from otel_actuator.settings import Settings

_WILDCARDS = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int


def listening_endpoints(pid: Optional[int] = None) -> list[Endpoint]:
    """TCP sockets this process listens on (inherited ones included, as gunicorn workers have).

    For this process, server sockets it holds but does not listen on yet count too: a uvicorn
    supervisor hands its workers a bound socket that only listens once the application is imported.
    """
    import psutil

    # Looked at first: a sibling worker may start listening on the shared socket in the meantime.
    waiting = _bound_server_sockets() if pid is None or pid == os.getpid() else []
    try:
        connections = psutil.Process(pid or os.getpid()).net_connections(kind="tcp")
    except (psutil.Error, OSError):
        return []
    found = {
        Endpoint(str(conn.laddr.ip), int(conn.laddr.port))
        for conn in connections
        if conn.status == psutil.CONN_LISTEN and conn.laddr
    }
    # The kernel lists connecting and connected sockets; a merely bound one appears nowhere.
    known = {int(conn.laddr.port) for conn in connections if conn.laddr}
    found.update(e for e in waiting if e.port not in known)
    return sorted(found, key=lambda e: (e.port, e.host))


def _bound_server_sockets() -> list[Endpoint]:
    """TCP server sockets of this process (bound with SO_REUSEADDR) that neither listen nor have a peer yet."""
    directory = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    try:
        descriptors = [int(name) for name in os.listdir(directory) if name.isdigit()]
    except OSError:
        return []
    found: list[Endpoint] = []
    for fd in descriptors:
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        with sock:
            endpoint = _waiting_server_socket(sock)
        if endpoint is not None:
            found.append(endpoint)
    return found


def _waiting_server_socket(sock: socket.socket) -> Optional[Endpoint]:
    try:
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
            return None
        listening = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        server_like = sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
        host, port = sock.getsockname()[:2]
    except OSError:
        return None
    if listening or not server_like or not port:
        return None
    try:
        sock.getpeername()
    except OSError:
        return Endpoint(str(host), int(port))
    return None


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
    """How many sibling workers serve the same port, read from the parent's command line (gunicorn, uvicorn).

    A count the command line does not show comes from ``GUNICORN_CMD_ARGS`` (gunicorn) or
    ``WEB_CONCURRENCY`` (both servers read it).
    """
    cmdline = _cmdline(parent=True)
    if not _is_server(cmdline, ("gunicorn", "uvicorn")):
        return 1
    count = _workers_option(cmdline)
    if count is None and _is_server(cmdline, ("gunicorn",)):
        count = _workers_option(_split(os.environ.get("GUNICORN_CMD_ARGS", "")))
    if count is None:
        concurrency = os.environ.get("WEB_CONCURRENCY", "")
        count = int(concurrency) if concurrency.isdigit() else 1
    return count


def preforking_master() -> bool:
    """True in a gunicorn master that imports the application itself (``--preload``) before forking workers.

    Such a master serves no request: whatever identifies a serving process belongs in the workers.
    """
    return _is_server(_cmdline(parent=False), ("gunicorn",)) and not _is_server(
        _cmdline(parent=True), ("gunicorn", "uvicorn")
    )


def _cmdline(*, parent: bool) -> list[str]:
    import psutil

    try:
        own = psutil.Process(os.getpid())
        process = own.parent() if parent else own
        return process.cmdline() if process is not None else []
    except (psutil.Error, OSError):
        return []


def _is_server(cmdline: list[str], names: tuple[str, ...]) -> bool:
    """The program is one of ``names``: ``gunicorn ...``, ``python .../gunicorn ...``, ``python -m uvicorn ...``,
    or a title such as ``gunicorn: master [app:app]``."""
    return any(os.path.basename(part) == name or part.startswith(name + ":") for part in cmdline[:3] for name in names)


def _split(args: str) -> list[str]:
    try:
        return shlex.split(args)
    except ValueError:  # unbalanced quotes: gunicorn itself will say so
        return []


def _workers_option(args: list[str]) -> Optional[int]:
    for index, part in enumerate(args):
        value: Optional[str] = None
        if part in ("-w", "--workers") and index + 1 < len(args):
            value = args[index + 1]
        elif part.startswith("--workers="):
            value = part.split("=", 1)[1]
        elif part.startswith("-w") and part[2:].isdigit():
            value = part[2:]
        if value is not None and value.isdigit():
            return int(value)
    return None


def url_resolver(settings: Settings, management_url: Optional[str] = None) -> UrlResolver:
    """Settings first; otherwise the socket the application listens on, once it does.

    ``management_url`` is the standalone management server's actuator URL when one serves this process.
    """

    def resolve() -> Optional[InstanceUrls]:
        service_url = settings.admin_service_url
        if service_url is None:
            excluded = {management_port(management_url)} if management_url else set()
            candidates = [e for e in listening_endpoints() if e.port not in excluded]
            if candidates:
                service_url = http_url(candidates[0], prefer_ip=settings.admin_prefer_ip)
            elif management_url:
                # A process without a web server of its own: the management server is the service.
                service_url = management_url[: len(management_url) - len(settings.base_path)]
            else:
                return None
        if not service_url.endswith("/"):
            service_url += "/"
        manage = settings.admin_management_url or management_url or service_url.rstrip("/") + settings.base_path
        health = settings.admin_health_url or manage.rstrip("/") + "/health"
        return InstanceUrls(service_url=service_url, management_url=manage.rstrip("/"), health_url=health)

    return resolve


def management_port(url: str) -> int:
    authority = url.split("://", 1)[-1].split("/", 1)[0]
    return int(authority.rsplit(":", 1)[1])
