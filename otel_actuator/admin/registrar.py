"""Registers this process with Spring Boot Admin, again every interval, and deregisters on the way out.

Everything runs on one daemon thread with one reused httpx client: the application never waits for SBA,
and nothing here raises into it. Failures back off exponentially with jitter. The log shows changes only:
the first registration (or a new instance id), the first failure of a streak at WARN (the rest at DEBUG)
and the recovery; re-registrations log nothing, and httpx's own ``HTTP Request`` lines for these calls are
dropped (see ``_untraced``), so a log file served to SBA is not filled with its own polling.

A registration belongs to the process that made it. A child forked from it (``gunicorn --preload``,
``os.fork``) inherits the registrar without its thread; there it stays stopped and forgets the instances,
so the child neither registers a second time nor deregisters, at exit or on SIGTERM, the parent's
instance, and never writes to the parent's connections to SBA.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Optional, Union
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from otel_actuator.admin.background import BackgroundRegistrar
from otel_actuator.admin.payload import InstanceUrls, UrlResolver, registration
from otel_actuator.settings import Settings

_logger = logging.getLogger("otel_actuator.admin")

#: Longest wait for every deregistration together: each read has a timeout, but an SBA that trickles a
#: byte at a time would reset it forever and hold SIGTERM.
_DEREGISTER_DEADLINE = 3.0
#: SBA answers a registration with a small JSON object; anything larger is not read.
_MAX_ANSWER_BYTES = 65536


class Registrar(BackgroundRegistrar):
    """Keeps one instance registered with each configured SBA (or the first that answers).

    ``urls`` is a resolver called before each attempt; it returns None while the server is not yet
    listening, and the registrar waits.
    """

    def __init__(
        self,
        settings: Settings,
        urls: UrlResolver,
        *,
        resource_attributes: Optional[Mapping[str, Any]] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        verify: Union[bool, ssl.SSLContext] = True,
    ) -> None:
        """``verify`` checks SBA's certificate: True (system CAs), an SSL context, or False (no check)."""
        if not settings.admin_url:
            raise ValueError("OTEL_ACTUATOR_ADMIN_URL is not set: there is no Spring Boot Admin to register with")
        super().__init__(
            urls,
            interval=settings.admin_interval,
            timeout=settings.admin_timeout,
            thread_name="otel-actuator-registrar",
            logger=_logger,
            recovered="Spring Boot Admin answers again after %d failed attempt(s)",
        )
        self.settings = settings
        self._resource = dict(resource_attributes or {})
        self._metadata = dict(metadata or {})
        auth = None
        if settings.admin_username is not None:
            auth = httpx.BasicAuth(settings.admin_username, settings.admin_password or "")
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.admin_timeout),
            auth=auth,
            headers={"Accept": "application/json"},
            follow_redirects=False,
            verify=verify,
        )
        self._deregistering: Optional[threading.Thread] = None
        #: admin URL -> (the URL without credentials, the credentials it carried): calls and log lines
        #: use the former, so ``http://user:pw@sba`` never reaches a log (httpx logs each request's URL).
        self._targets = {url: _split_credentials(url) for url in settings.admin_url}
        #: admin base URL -> instance id SBA gave us
        self.registered: dict[str, str] = {}

    def _round(self, urls: InstanceUrls) -> bool:
        return self.register_once(urls)

    def _forget(self) -> None:
        self.registered = {}

    def _workers(self) -> Iterable[Optional[threading.Thread]]:
        return (self._thread, self._deregistering)

    def _close(self) -> None:
        self._client.close()

    def register_once(self, urls: InstanceUrls) -> bool:
        """One registration round; True when at least one SBA accepted (all of them, with register-all)."""
        document = registration(self.settings, urls, self._resource, self._metadata)
        successes = 0
        for admin_url in self.settings.admin_url:
            if self._stop.is_set() and self._stopped:
                break
            instance_id = self._post(admin_url, document)
            if instance_id is not None:
                successes += 1
                if self.settings.admin_register_once:
                    break
        ok = successes > 0 if self.settings.admin_register_once else successes == len(self.settings.admin_url)
        self._note(ok)
        return ok

    def _post(self, admin_url: str, document: Mapping[str, Any]) -> Optional[str]:
        base, auth = self._targets[admin_url]
        target = base.rstrip("/") + "/instances"
        try:
            with _untraced(), self._client.stream("POST", target, json=document, auth=auth) as response:
                answer = _read_bounded(response)
            if response.status_code not in (200, 201):
                raise RuntimeError(f"HTTP {response.status_code}: {answer[:200].decode('utf-8', 'replace')}")
            instance_id = str(json.loads(answer)["id"])
        except Exception as exc:
            self._log_failure(f"registration at {target} failed: {type(exc).__name__}: {exc}")
            return None
        if self.registered.get(admin_url) != instance_id:
            _logger.info("registered with Spring Boot Admin %s as instance %s", base, instance_id)
        self.registered[admin_url] = instance_id
        return instance_id

    def deregister(self) -> None:
        """DELETE every instance this registrar created, for at most a few seconds in all; failures are logged,
        never raised. The calls run on a daemon thread, left behind if SBA has not answered by then."""
        if not self.registered:
            return
        deadline = min(self.settings.admin_timeout, _DEREGISTER_DEADLINE)
        worker = threading.Thread(target=self._deregister_all, name="otel-actuator-deregister", daemon=True)
        self._deregistering = worker
        worker.start()
        worker.join(timeout=deadline)
        if worker.is_alive():
            _logger.warning("Spring Boot Admin did not answer the deregistration within %gs; giving up", deadline)

    def _deregister_all(self) -> None:
        for admin_url, instance_id in list(self.registered.items()):
            base, auth = self._targets.get(admin_url) or _split_credentials(admin_url)
            target = f"{base.rstrip('/')}/instances/{instance_id}"
            try:
                with (
                    _untraced(),
                    self._client.stream(
                        "DELETE", target, auth=auth, timeout=min(self.settings.admin_timeout, 2.0)
                    ) as response,
                ):
                    _read_bounded(response)
                if response.status_code in (200, 204, 404):
                    _logger.info("deregistered instance %s from %s", instance_id, base)
                    self.registered.pop(admin_url, None)
                else:
                    _logger.warning("deregistration at %s answered HTTP %d", target, response.status_code)
            except Exception as exc:
                _logger.warning("deregistration at %s failed: %s: %s", target, type(exc).__name__, exc)


def without_credentials(url: str) -> str:
    """``url`` without the ``user:password@`` it may carry, fit for a log line."""
    return _split_credentials(url)[0]


def _split_credentials(url: str) -> tuple[str, Any]:
    """The URL without user-info, and Basic credentials for it (the client's own when it carries none)."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, httpx.USE_CLIENT_DEFAULT
    host = parts.netloc.rpartition("@")[2]
    auth = httpx.BasicAuth(unquote(parts.username), unquote(parts.password or ""))
    return urlunsplit(parts._replace(netloc=host)), auth


def _read_bounded(response: httpx.Response) -> bytes:
    """The answer's body, refused past :data:`_MAX_ANSWER_BYTES` without reading the rest."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > _MAX_ANSWER_BYTES:
            raise ValueError(f"the answer is larger than {_MAX_ANSWER_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@contextmanager
def _untraced() -> Iterator[None]:
    """Keep our calls to SBA out of the application's traces and log.

    Instrumentations skip their work under ``suppress_instrumentation()``; it ships with
    ``opentelemetry-instrumentation``, which every instrumentation depends on, so without that package
    there is nothing to suppress. httpx logs every request at INFO on the ``httpx`` logger; a filter
    there drops the records made on this thread meanwhile, and no one else's.
    """
    _quiet.depth = getattr(_quiet, "depth", 0) + 1
    try:
        try:
            from opentelemetry.instrumentation.utils import suppress_instrumentation
        except ImportError:
            yield
        else:
            with suppress_instrumentation():
                yield
    finally:
        _quiet.depth -= 1


#: Per thread: how many ``_untraced`` blocks are open (the filter below drops httpx records while any is).
_quiet = threading.local()


class _DropOwnRequestLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_quiet, "depth", 0)


logging.getLogger("httpx").addFilter(_DropOwnRequestLines())
