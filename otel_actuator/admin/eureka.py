"""Registers this process with Netflix Eureka, renews its lease every interval, reports its health status
and deregisters on the way out, so SBA servers that discover through Eureka list it.

The life cycle is the SBA registrar's (:mod:`otel_actuator.admin.background`): one daemon thread with
one reused httpx client, so the application never waits for Eureka; nothing raises into the application;
failures back off exponentially with jitter, the first of a streak logged at WARN; ``stop`` is bounded in
time; a child forked from the registering process neither renews nor deregisters its parent's instance.

Eureka servers replicate to each other, so one registration is enough: the URLs are tried in turn and
the first that answers is kept. A heartbeat answered 404 (Eureka restarted, or another server of the
list took over) registers again. A status change is a fresh registration with a newer
``lastDirtyTimestamp``, as Eureka's own clients do (``PUT .../status`` is the operator's override);
between UP and OUT_OF_SERVICE it passes through DOWN, the one status Eureka always takes from a client.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Mapping
from typing import Any, Callable, Optional, Union
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from otel_actuator.admin.background import BackgroundRegistrar
from otel_actuator.admin.eureka_payload import STATUSES, instance_info, ip_address_of
from otel_actuator.admin.payload import InstanceUrls, UrlResolver
from otel_actuator.admin.registrar import _untraced
from otel_actuator.settings import Settings

_logger = logging.getLogger("otel_actuator.admin.eureka")

#: The instance's health as Eureka statuses: UP, DOWN or OUT_OF_SERVICE (anything else counts as UNKNOWN).
HealthStatus = Callable[[], str]

#: The whole time the DELETE may take.
_MAX_DEREGISTER_WAIT = 2.0


class EurekaRegistrar(BackgroundRegistrar):
    """Keeps one instance registered with the first Eureka server of ``settings.eureka_url`` that answers.

    ``urls`` is called before each round and returns None while the application does not listen yet.
    The status is read every round, from ``health_status`` or else from the instance's own health URL
    (as SBA reads it, so async checks run in the application's event loop); a change re-registers.
    """

    def __init__(
        self,
        settings: Settings,
        urls: UrlResolver,
        *,
        resource_attributes: Optional[Mapping[str, Any]] = None,
        health_status: Optional[HealthStatus] = None,
        verify: Union[bool, ssl.SSLContext] = True,
    ) -> None:
        """``verify`` checks Eureka's certificate: True (system CAs), an SSL context, or False (no check)."""
        if not settings.eureka_url:
            raise ValueError("OTEL_ACTUATOR_EUREKA_URL is not set: there is no Eureka server to register with")
        super().__init__(
            urls,
            interval=settings.eureka_interval,
            timeout=settings.eureka_timeout,
            thread_name="otel-actuator-eureka",
            logger=_logger,
            recovered="Eureka answers again after %d failed round(s)",
        )
        self.settings = settings
        self._resource = dict(resource_attributes or {})
        self._health_status = health_status
        auth = None
        if settings.eureka_username is not None:
            auth = httpx.BasicAuth(settings.eureka_username, settings.eureka_password or "")
        # Without settings, credentials in a URL (http://user:pass@host:8761/eureka) are used by httpx.
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.eureka_timeout),
            auth=auth,
            headers={"Accept": "application/json"},
            follow_redirects=False,
            verify=verify,
        )
        # The instance's own health endpoint: no Eureka credentials, no proxy; its certificate is not
        # checked (only the status is read, and an advertised name need not match the certificate).
        self._health_client = httpx.Client(
            timeout=httpx.Timeout(settings.health_timeout + 1.0), trust_env=False, verify=False
        )
        self._servers = [url.rstrip("/") for url in settings.eureka_url]
        self._preferred = 0
        self._document: Optional[dict[str, Any]] = None
        self._listed_status: Optional[str] = None
        #: (app, instance id) while Eureka holds our registration.
        self.registered: Optional[tuple[str, str]] = None

    def _round(self, urls: InstanceUrls) -> bool:
        try:
            ok = self.renew(urls)
        except Exception:  # a bug here must not end the thread: the instance would silently expire
            _logger.exception("Eureka round failed")
            ok = False
        self._note(ok)
        return ok

    def _forget(self) -> None:
        self.registered = None

    def _close(self) -> None:
        self._client.close()
        self._health_client.close()

    def renew(self, urls: InstanceUrls) -> bool:
        """One round: a heartbeat, or a registration when there is none yet or the status or URLs changed."""
        document, changed = self._current_document(urls)
        if self.registered is not None and not changed:
            app, instance = self.registered
            response = self._call("PUT", f"/apps/{quote(app)}/{quote(instance)}")
            if response is not None and response.status_code == 200:
                return True
            if response is None or response.status_code != 404:
                return False
            _logger.info("Eureka does not know instance %s (restarted?): registering again", instance)
            self.registered = None
        return self._register(document)

    def _current_document(self, urls: InstanceUrls) -> tuple[dict[str, Any], bool]:
        """The last document when nothing changed (False), else a new one with a newer dirty timestamp (True)."""
        status = self._status(urls)
        previous = self._document
        if previous is not None:
            info = previous["instance"]
            same_urls = (info["homePageUrl"], info["healthCheckUrl"], info["statusPageUrl"]) == (
                urls.service_url,
                urls.health_url,
                urls.management_url.rstrip("/") + "/info",
            )
            if same_urls and info["status"] == status:
                return previous, False
        host = urlsplit(urls.service_url).hostname or "localhost"
        stamp = int(time.time() * 1000)
        if previous is not None:
            # Two newer: a change between UP and OUT_OF_SERVICE registers a DOWN in between.
            stamp = max(stamp, int(previous["instance"]["lastDirtyTimestamp"]) + 2)
        self._document = instance_info(
            self.settings,
            urls,
            self._resource,
            status=status,
            ip_address=ip_address_of(host),
            dirty_timestamp=stamp,
        )
        return self._document, True

    def _status(self, urls: InstanceUrls) -> str:
        try:
            if self._health_status is not None:
                status = str(self._health_status()).upper()
            else:
                with _untraced():
                    status = str(self._health_client.get(urls.health_url).json()["status"]).upper()
        except Exception:
            _logger.debug("the health status could not be read; reporting DOWN", exc_info=True)
            return "DOWN"
        return status if status in STATUSES else "UNKNOWN"

    def _register(self, document: dict[str, Any]) -> bool:
        info = document["instance"]
        if self.registered is not None and {self._listed_status, info["status"]} == {"UP", "OUT_OF_SERVICE"}:
            # Eureka keeps a listed UP or OUT_OF_SERVICE over the one a client registers (its LeaseExistsRule),
            # but always takes DOWN, and any status after DOWN: so the change goes through DOWN.
            stamp = str(int(info["lastDirtyTimestamp"]) - 1)
            if not self._post({"instance": {**info, "status": "DOWN", "lastDirtyTimestamp": stamp}}):
                return False
        if not self._post(document):
            return False
        if self.registered != (info["app"], info["instanceId"]):
            _logger.info("registered with Eureka as %s/%s (%s)", info["app"], info["instanceId"], info["status"])
        else:
            _logger.info("reported status %s to Eureka", info["status"])
        self.registered = (info["app"], info["instanceId"])
        return True

    def _post(self, document: dict[str, Any]) -> bool:
        if self._stop.is_set():
            return False
        info = document["instance"]
        response = self._call("POST", f"/apps/{quote(info['app'])}", json=document)
        if response is None or response.status_code not in (200, 204):
            if response is not None:
                self._log_failure(f"Eureka refused the registration: HTTP {response.status_code}")
            return False
        self._listed_status = info["status"]
        return True

    def _call(
        self, method: str, path: str, *, json: Optional[Mapping[str, Any]] = None, deadline: Optional[float] = None
    ) -> Optional[httpx.Response]:
        """Send to the preferred server, then to the others in turn; the first answer below 500 wins."""
        count = len(self._servers)
        for offset in range(count):
            index = (self._preferred + offset) % count
            target = self._servers[index] + path
            options: dict[str, Any] = {}
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                # httpx bounds each phase on its own: halves keep connect plus read within the deadline.
                options["timeout"] = httpx.Timeout(remaining / 2)
            try:
                with _untraced():
                    response = self._client.request(method, target, json=json, **options)
            except Exception as exc:
                self._log_failure(f"{method} {_redacted(target)} failed: {type(exc).__name__}: {exc}")
                continue
            if response.status_code >= 500:
                self._log_failure(f"{method} {_redacted(target)} answered HTTP {response.status_code}")
                continue
            self._preferred = index
            return response
        return None

    def deregister(self) -> None:
        """DELETE the registration, trying the servers in turn within one short deadline; never raises."""
        if self.registered is None:
            return
        app, instance = self.registered
        deadline = time.monotonic() + min(self.settings.eureka_timeout, _MAX_DEREGISTER_WAIT)
        try:
            response = self._call("DELETE", f"/apps/{quote(app)}/{quote(instance)}", deadline=deadline)
        except Exception as exc:  # e.g. the client closed under us at interpreter exit
            _logger.warning("deregistration from Eureka failed: %s: %s", type(exc).__name__, exc)
            return
        if response is not None and response.status_code in (200, 404):
            _logger.info("deregistered %s/%s from Eureka", app, instance)
            self.registered = None
        elif response is not None:
            _logger.warning("deregistration from Eureka answered HTTP %d", response.status_code)
        else:
            _logger.warning("deregistration from Eureka failed: no server answered in time")


def _redacted(url: str) -> str:
    """The URL without credentials, for logs."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def start_eureka(
    settings: Settings,
    url_resolver: UrlResolver,
    resource_attributes: Optional[Mapping[str, Any]],
    health_status: Optional[HealthStatus] = None,
) -> EurekaRegistrar:
    """Start registering this process with Eureka; the caller stops it (deregistering) at exit or SIGTERM.

    Without ``health_status`` the status comes from the instance's own health URL.
    """
    registrar = EurekaRegistrar(
        settings, url_resolver, resource_attributes=resource_attributes, health_status=health_status
    ).start()
    _logger.info("registering with Eureka at %s", ", ".join(_redacted(url) for url in settings.eureka_url))
    return registrar
