"""The composition root: what turns an :class:`Actuator` into a running one.

Everything that touches process-wide state lives here and nowhere else: the root logger's log tail,
the process's bridge, the management server's thread, the registrars, atexit, SIGTERM and fork hooks.
The mount helpers in :mod:`otel_actuator.web` call :func:`prepare` and :func:`start`; what ``start``
started is a :class:`Running` handle whose ``stop()`` undoes it.

With several workers behind one port, each worker serves its actuator on a port of its own and
registers as its own instance, so SBA never sees a different worker on each poll. A gunicorn master
that imports the application (``--preload``) serves nothing itself: each worker starts once forked.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import ssl
import threading
import weakref
from collections.abc import Mapping
from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from otel_actuator.actuator import Actuator
from otel_actuator.settings import PREFIX, Settings, SettingsError
from otel_actuator.sources.logs import LogTail, LogTailHandler

if TYPE_CHECKING:
    from otel_actuator.admin.eureka import EurekaRegistrar
    from otel_actuator.admin.payload import InstanceUrls, UrlResolver
    from otel_actuator.admin.protocol import InstanceRegistrar
    from otel_actuator.admin.registrar import Registrar
    from otel_actuator.sanitize import Sanitizer
    from otel_actuator.web.server import ManagementServer

_logger = logging.getLogger("otel_actuator")


class Running:
    """What :func:`start` started for one actuator: its management server and registrars."""

    def __init__(self, actuator: Actuator) -> None:
        self.actuator = actuator
        self.management_server: Optional[ManagementServer] = None
        #: Every registry client started (Spring Boot Admin, Eureka).
        self.registrars: list[InstanceRegistrar] = []

    @property
    def registrar(self) -> Optional[Registrar]:
        """The Spring Boot Admin registrar, if one was started."""
        from otel_actuator.admin.registrar import Registrar

        return next((r for r in self.registrars if isinstance(r, Registrar)), None)

    @property
    def eureka(self) -> Optional[EurekaRegistrar]:
        """The Eureka client, if one was started."""
        from otel_actuator.admin.eureka import EurekaRegistrar

        return next((r for r in self.registrars if isinstance(r, EurekaRegistrar)), None)

    def stop(self, *, deregister: bool = True) -> None:
        """Stop registering (deregistering unless told not to) and close the management server."""
        for registrar in self.registrars:
            registrar.stop(deregister=deregister)
        self.registrars.clear()
        if self.management_server is not None:
            self.management_server.stop()
            self.management_server = None


# -- preparing an actuator ---------------------------------------------------------------------


def prepare(
    actuator: Optional[Actuator] = None,
    settings: Optional[Settings] = None,
    *,
    instrument_app: Optional[Callable[[], None]] = None,
) -> Actuator:
    """Use the given actuator or build one; fill its sources from the process's bridge and a log tail.

    Without ``opentelemetry-instrument`` (no process bridge yet) and unless ``telemetry_setup`` is off, the
    OpenTelemetry providers are connected first (:func:`otel_actuator.bridge.setup.connect`) and
    ``instrument_app`` instruments the framework app, so one mount call gives every signal. An actuator
    whose sources are already filled (an existing setup) is left as it is.
    """
    actuator = actuator or Actuator(settings)
    sources = actuator.sources
    if actuator.settings.telemetry_setup and sources.meters is None and sources.exchanges is None:
        connect_telemetry(actuator.settings, instrument_app)
    fill_from_default_bridge(actuator)
    install_log_tail(actuator)
    return actuator


def connect_telemetry(settings: Settings, instrument_app: Optional[Callable[[], None]]) -> None:
    """Connect the providers once per process (zero code has done it already), then instrument the app."""
    from otel_actuator.bridge import current_bridge

    if current_bridge() is not None:
        return
    try:
        from otel_actuator.bridge.setup import connect

        connect(settings)
        if instrument_app is not None:
            instrument_app()
    except Exception:
        _logger.warning(
            "could not set up OpenTelemetry for the actuator; metrics and exchanges are missing", exc_info=True
        )


def serves_on_app_port(settings: Settings) -> bool:
    """Whether the mount helpers serve the actuator on the application's own port.

    Not when it has a port of its own (as Spring's ``management.server.port`` moves the endpoints off the
    main port), unless ``OTEL_ACTUATOR_SERVE_ON_APP_PORT`` keeps both. A base path of ``/`` is for a
    management port only: on the application's port it would answer every path of the application.
    """
    on_app_port = settings.port is None or settings.serve_on_app_port
    if on_app_port and settings.base_path == "/":
        raise SettingsError(
            f"{PREFIX}BASE_PATH=/ would serve the actuator in place of every route of the application; "
            f"use it with {PREFIX}PORT (a management port of its own) and without {PREFIX}SERVE_ON_APP_PORT"
        )
    return on_app_port


def fill_from_default_bridge(actuator: Actuator) -> None:
    """Zero-code exporters create a process-wide bridge; an app mounted later reads from it."""
    from otel_actuator.bridge import current_bridge

    bridge = current_bridge()
    if bridge is not None and actuator.sources.meters is None and actuator.sources.exchanges is None:
        bridge.fill(actuator.sources, actuator.settings)


_log_tail_lock = threading.Lock()


def install_log_tail(actuator: Actuator) -> Optional[LogTail]:
    """Give the actuator an in-memory log when it has no log source and no log file is configured.

    The tail is fed by a ``LogTailHandler`` on the root logger, so it holds what the root logger's
    configuration lets through. The handler is added once per process: later actuators share its
    tail. Returns the tail now serving ``actuator.sources.logs``, or None when another source serves it.
    """
    sources = actuator.sources
    if isinstance(sources.logs, LogTail):
        return sources.logs
    if sources.logs is not None or actuator.settings.logfile_path:
        return None
    root = logging.getLogger()
    with _log_tail_lock:
        tail = next((h.tail for h in root.handlers if isinstance(h, LogTailHandler)), None)
        if tail is None:
            tail = LogTail(actuator.settings.logfile_max_bytes, _sanitizer(actuator.settings))
            root.addHandler(LogTailHandler(tail, actuator.settings.logfile_pattern))
    sources.logs = tail
    return tail


def _sanitizer(settings: Settings) -> Sanitizer:
    from otel_actuator.sanitize import Sanitizer

    return Sanitizer(settings.sanitize_keys)


# -- starting what the settings ask for ---------------------------------------------------------

_lock = threading.Lock()
_running: weakref.WeakKeyDictionary[Actuator, Running] = weakref.WeakKeyDictionary()
#: Actuators a preforking master left for its workers to start.
_after_fork: list[Actuator] = []


def start(actuator: Actuator) -> Running:
    """Start, once per actuator, what its settings ask for: a management server and registration."""
    from otel_actuator.admin.discovery import preforking_master

    with _lock:
        running = _running.get(actuator)
        if running is None:
            running = _running[actuator] = Running(actuator)
    settings = actuator.settings
    if not settings.admin_url and not settings.eureka_url and settings.port is None:
        return running
    if preforking_master():
        with _lock:
            if not _after_fork:
                os.register_at_fork(after_in_child=_start_in_forked_worker)
            if actuator not in _after_fork:
                _after_fork.append(actuator)
        return running
    _start_services(running)
    return running


def running(actuator: Actuator) -> Optional[Running]:
    """What :func:`start` started for ``actuator``, if it was started."""
    with _lock:
        return _running.get(actuator)


def retire(actuator: Actuator) -> None:
    """Stop what :func:`start` started for an actuator that another one replaces (no deregistration)."""
    with _lock:
        if actuator in _after_fork:
            _after_fork.remove(actuator)
        handle = _running.pop(actuator, None)
    if handle is not None:
        handle.stop(deregister=False)


def _start_in_forked_worker() -> None:
    pending = list(_after_fork)
    _after_fork.clear()
    for actuator in pending:
        try:
            handle = running(actuator)
            if handle is not None:
                _start_services(handle)
        except Exception:
            _logger.exception("the actuator's management server or registration could not start in this worker")


def _start_services(handle: Running) -> None:
    from otel_actuator.admin.discovery import Endpoint, http_url, url_resolver, worker_count

    actuator = handle.actuator
    settings = actuator.settings
    workers = worker_count()
    registers = bool(settings.admin_url) or bool(settings.eureka_url)
    if handle.management_server is None and (settings.port is not None or (registers and workers > 1)):
        handle.management_server = _management_server(actuator, settings.port or 0, workers)
    management_url = None
    server = handle.management_server
    if server is not None:
        # A wildcard bind (0.0.0.0) is no address for a registry to call: advertise the host instead.
        endpoint = Endpoint(server.host, server.port)
        management_url = http_url(endpoint, prefer_ip=settings.admin_prefer_ip, path=settings.base_path)
    resource = actuator.sources.resource_attributes
    if settings.admin_url and handle.registrar is None:
        handle.registrars.append(
            start_registration(settings, url_resolver(settings, management_url), resource_attributes=resource)
        )
    if settings.eureka_url and handle.eureka is None:
        from otel_actuator.admin.eureka import start_eureka

        eureka = start_eureka(settings, url_resolver(settings, management_url), resource)
        stop_at_exit(eureka)
        handle.registrars.append(eureka)


def _management_server(actuator: Actuator, port: int, workers: int) -> ManagementServer:
    from otel_actuator.web.server import ManagementServer

    try:
        return ManagementServer(actuator.dispatcher, host=actuator.settings.host, port=port).start()
    except OSError as exc:
        if port == 0 or workers <= 1:
            raise
        # Sibling workers cannot all bind one port: the first one keeps it, the others take a free one.
        _logger.warning("management port %d is taken (%s); this worker serves its actuator on a free port", port, exc)
        return ManagementServer(actuator.dispatcher, host=actuator.settings.host, port=0).start()


def serve_management(
    actuator: Optional[Actuator] = None,
    settings: Optional[Settings] = None,
    *,
    host: Optional[str] = None,
    port: Optional[int] = None,
) -> ManagementServer:
    """Serve the actuator on its own port (port 0 picks a free one), for any Python process; returns the server.

    The settings' admin URL, if any, is registered with as by the mount helpers.
    """
    from otel_actuator.web.server import ManagementServer

    actuator = prepare(actuator, settings)
    settings = actuator.settings
    chosen = port if port is not None else (settings.port or 0)
    server = ManagementServer(actuator.dispatcher, host=host or settings.host, port=chosen).start()
    with _lock:
        handle = _running.get(actuator)
        if handle is None:
            handle = _running[actuator] = Running(actuator)
        if handle.management_server is None:
            handle.management_server = server
    start(actuator)
    return server


# -- registration --------------------------------------------------------------------------------


def start_registration(
    settings: Settings,
    urls: UrlResolver,
    *,
    resource_attributes: Mapping[str, Any],
    metadata: Optional[Mapping[str, Any]] = None,
    verify: Union[bool, ssl.SSLContext] = True,
    deregister_at_exit: bool = True,
) -> Registrar:
    """Register with Spring Boot Admin from now on; at exit, on SIGTERM and at tracer-provider shutdown, deregister."""
    from otel_actuator.admin.registrar import Registrar, without_credentials

    registrar = Registrar(settings, urls, resource_attributes=resource_attributes, metadata=metadata, verify=verify)
    registrar.start()
    if deregister_at_exit:
        stop_at_exit(registrar)
    _logger.info("registering with Spring Boot Admin at %s", ", ".join(map(without_credentials, settings.admin_url)))
    return registrar


def stop_at_exit(registrar: InstanceRegistrar) -> None:
    """Deregister at exit, on SIGTERM and when the global tracer provider shuts down, whichever comes first."""
    atexit.register(registrar.stop)
    deregister_on_sigterm(registrar)
    follow_tracer_provider(registrar)


def fixed_urls(urls: InstanceUrls) -> UrlResolver:
    """A resolver for URLs known up front (the Pyctuator constructor names them)."""
    return lambda: urls


def follow_tracer_provider(registrar: InstanceRegistrar) -> bool:
    """Deregister when the global SDK tracer provider shuts down (its atexit hook, or the user's call)."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    from otel_actuator.admin.span_processor import RegistrarSpanProcessor

    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        return False
    provider.add_span_processor(RegistrarSpanProcessor(registrar))
    return True


def deregister_on_sigterm(registrar: InstanceRegistrar) -> bool:
    """Chain a SIGTERM handler that deregisters, then hands over to the previous one (or exits cleanly).

    SIGTERM does not run atexit by default, and uvicorn re-raises it after its own graceful shutdown.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum: int, frame: Optional[FrameType]) -> None:
        registrar.stop()
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_IGN:
            return
        else:
            # SystemExit instead of the default kill, so atexit hooks and OTel provider shutdown run.
            raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    return True
