"""GET /configprops and GET /configprops/{prefix}: settings models as Spring's configuration properties beans.

Each bean is keyed ``<prefix>-<module.Class>`` as Spring keys ``<prefix>-<fully.qualified.Class>``. Values,
in ``properties`` and in ``inputs``, follow env's rules: masked unless the caller may see them
(``OTEL_ACTUATOR_ENV_SHOW_VALUES``), and shown values still go through the sanitizer, keyed by their full
property name (``user-service.api_key``). ``/configprops/{prefix}`` keeps the beans whose prefix starts
with the one given, and is a 404 when none does (Spring Boot 3).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from otel_actuator.core.endpoint import Endpoint, Operation, OperationContext, Result
from otel_actuator.core.errors import not_found
from otel_actuator.sanitize import MASK, Sanitizer
from otel_actuator.sources.configprops import ConfigurationBean, ConfigurationInput

if TYPE_CHECKING:
    from otel_actuator.settings import Settings
    from otel_actuator.sources import Sources

_logger = logging.getLogger("otel_actuator")


def create(settings: Settings, sources: Sources, sanitizer: Sanitizer) -> list[Endpoint]:
    context_name = settings.service_name
    show_values = settings.env_show_values

    def render(ctx: OperationContext, beans: list[ConfigurationBean]) -> Result:
        shown = _Shown(ctx.may_see(show_values), sanitizer)
        rendered = {f"{bean.prefix}-{bean.name}": shown.bean(bean) for bean in beans}
        return Result({"contexts": {context_name: {"beans": rendered, "parentId": None}}})

    def read_all(ctx: OperationContext) -> Result:
        return render(ctx, _beans(sources))

    def read_prefix(ctx: OperationContext) -> Result:
        prefix = ctx.selector or ""
        beans = [bean for bean in _beans(sources) if bean.prefix.startswith(prefix)]
        if not beans:
            raise not_found(f"No configuration properties bean has a prefix starting with {prefix!r}")
        return render(ctx, beans)

    return [
        Endpoint(
            id="configprops",
            operations=(
                Operation("GET", read_all, blocking=True),
                Operation("GET", read_prefix, selector="prefix", blocking=True),
            ),
        )
    ]


def _beans(sources: Sources) -> list[ConfigurationBean]:
    """Every provider's beans; a bean found twice (discovered and registered) is listed once."""
    beans: dict[tuple[str, str], ConfigurationBean] = {}
    for provider in list(sources.configuration):
        try:
            for bean in provider():
                beans.setdefault((bean.prefix, bean.name), bean)
        except Exception:
            _logger.warning("a configuration properties provider failed; its beans are left out", exc_info=True)
    return list(beans.values())


class _Shown:
    """Renders a bean's values as the caller may see them."""

    def __init__(self, visible: bool, sanitizer: Sanitizer) -> None:
        self._visible = visible
        self._sanitizer = sanitizer

    def bean(self, bean: ConfigurationBean) -> dict[str, Any]:
        return {
            "prefix": bean.prefix,
            "properties": {k: self._property(f"{bean.prefix}.{k}", v) for k, v in bean.properties.items()},
            "inputs": {k: self._input(f"{bean.prefix}.{k}", bean.inputs.get(k)) for k in bean.properties},
        }

    def _property(self, key: str, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(k): self._property(f"{key}.{k}", v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._property(key, item) for item in value]
        return self._leaf(key, value)

    def _input(self, key: str, given: Any) -> Any:
        if isinstance(given, Mapping):
            return {str(k): self._input(f"{key}.{k}", v) for k, v in given.items()}
        if isinstance(given, (list, tuple)):
            return [self._input(key, item) for item in given]
        if isinstance(given, ConfigurationInput):
            rendered: dict[str, Any] = {"value": self._leaf(key, given.value)}
            if given.origin is not None:
                rendered["origin"] = given.origin
            return rendered
        return {}

    def _leaf(self, key: str, value: Any) -> Any:
        if value is None:
            return None
        if not self._visible:
            return MASK
        shown = self._sanitizer.sanitize_value(key, value)
        if shown is None or isinstance(shown, (str, bool, int, float)):
            return shown
        return str(shown)
