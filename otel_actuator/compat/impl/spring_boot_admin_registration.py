"""``BootAdminRegistrationHandler``, as in ``pyctuator.impl.spring_boot_admin_registration``.

Registration the way Pyctuator did it: the document is POSTed to the registration URL exactly as given
(SBA's ``/instances``, or a gateway's or proxy's path in front of it) every interval, and the instance
is removed with ``DELETE <registration URL>/<id>``. The metadata holds ``startup`` and the constructor's
``metadata``, nothing else. Unlike Pyctuator's, the calls are bounded by a timeout and never traced.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Optional, Union

import httpx

from otel_actuator.admin.payload import STARTUP, InstanceUrls
from otel_actuator.admin.registrar import without_credentials
from otel_actuator.compat.auth import Auth, BasicAuth

_logger = logging.getLogger("otel_actuator")

#: Bytes of SBA's answer read at most: the id is all that is needed.
_MAX_ANSWER = 64 * 1024


class BootAdminRegistrationHandler:
    """Registers on a daemon thread of its own until stopped; no call raises into the application."""

    def __init__(
        self,
        registration_url: str,
        registration_auth: Optional[Auth],
        application_name: str,
        urls: InstanceUrls,
        registration_interval_sec: float,
        *,
        metadata: Optional[Mapping[str, Any]] = None,
        verify: Union[bool, ssl.SSLContext] = True,
        timeout: float = 10.0,
    ) -> None:
        self.registration_url = registration_url.rstrip("/")
        self.registration_interval_sec = registration_interval_sec
        self.instance_id: Optional[str] = None
        self.document = {
            "name": application_name,
            "managementUrl": urls.management_url,
            "healthUrl": urls.health_url,
            "serviceUrl": urls.service_url,
            "metadata": {
                "startup": STARTUP,
                **{str(k): "" if v is None else str(v) for k, v in (metadata or {}).items()},
            },
        }
        auth = None
        if isinstance(registration_auth, BasicAuth):
            auth = httpx.BasicAuth(registration_auth.username, registration_auth.password or "")
        self._client = httpx.Client(auth=auth, timeout=timeout, verify=verify, follow_redirects=False)
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._failures = 0

    @property
    def should_continue_registration_schedule(self) -> bool:
        return self._thread is not None and not self._stop.is_set()

    def start(self) -> BootAdminRegistrationHandler:
        if self._thread is None and not self._stop.is_set():
            _logger.info("registering with Spring Boot Admin at %s", without_credentials(self.registration_url))
            self._thread = threading.Thread(target=self._run, name="otel-actuator-registrar", daemon=True)
            self._thread.start()
        return self

    def stop(self, *, deregister: bool = False) -> None:
        """Stop re-registering (Pyctuator's ``stop``); ``deregister`` also removes the instance."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self._client.timeout.read or 10.0)
        if deregister:
            self.deregister_from_admin_server()

    def deregister_from_admin_server(self) -> None:
        """``DELETE <registration URL>/<id>`` once registered; failures are logged, never raised."""
        instance_id = self.instance_id
        if instance_id is None:
            return
        target = f"{self.registration_url}/{instance_id}"
        try:
            with _untraced():
                response = self._client.delete(target, timeout=min(self._client.timeout.read or 2.0, 2.0))
            if response.is_success or response.status_code == 404:
                self.instance_id = None
                _logger.info("deregistered instance %s from %s", instance_id, without_credentials(target))
            else:
                _logger.warning(
                    "deregistration at %s answered HTTP %d", without_credentials(target), response.status_code
                )
        except Exception as exc:
            _logger.warning("deregistration at %s failed: %s: %s", without_credentials(target), type(exc).__name__, exc)

    def register_once(self) -> bool:
        try:
            with _untraced(), self._client.stream("POST", self.registration_url, json=self.document) as response:
                answer = b""
                for chunk in response.iter_bytes():
                    answer += chunk
                    if len(answer) > _MAX_ANSWER:
                        raise ValueError(f"the answer is larger than {_MAX_ANSWER} bytes")
            if not response.is_success:
                raise RuntimeError(f"HTTP {response.status_code}: {answer[:200].decode('utf-8', 'replace')}")
            self.instance_id = str(json.loads(answer)["id"])
        except Exception as exc:
            level = logging.WARNING if self._failures == 0 else logging.DEBUG
            self._failures += 1
            url = without_credentials(self.registration_url)
            _logger.log(level, "registration at %s failed: %s: %s (retrying)", url, type(exc).__name__, exc)
            return False
        self._failures = 0
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            self.register_once()
            self._stop.wait(self.registration_interval_sec)


class StopAtExit:
    """What the exit, SIGTERM and provider-shutdown hooks call: stop, and deregister with ``auto_deregister``."""

    def __init__(self, handler: BootAdminRegistrationHandler, auto_deregister: bool) -> None:
        self.handler = handler
        self.auto_deregister = auto_deregister

    def start(self) -> object:
        return self.handler.start()

    def stop(self, *, deregister: bool = True) -> None:
        self.handler.stop(deregister=deregister and self.auto_deregister)


@contextmanager
def _untraced() -> Iterator[None]:
    """Registration calls stay out of the application's traces (an instrumented httpx would record them)."""
    try:
        from opentelemetry.instrumentation.utils import suppress_instrumentation
    except ImportError:
        yield
        return
    with suppress_instrumentation():
        yield
