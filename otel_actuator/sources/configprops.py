"""Settings models as configprops beans: pydantic-settings ``BaseSettings`` instances, and plain mappings.

Discovery, without user code: once ``pydantic_settings`` is imported, every module-level variable of a
loaded module that holds a ``BaseSettings`` instance (the usual ``settings = Settings()``) is a bean.
Only module globals are read, nothing is called or instantiated, so discovery has no side effects.
A model kept elsewhere (an ``lru_cache``'d ``get_settings()``, an app attribute) is registered with
``actuator.add_settings_model(model)``, which also takes a mapping such as Flask's ``app.config``.

Inputs say where each given value came from, asking the model's environment, dotenv and secrets
sources again (pydantic-settings' defaults, in its order of priority); a value set but found in none of
them was a constructor argument. Defaults have no input, as in Spring.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

from otel_actuator.sources.naming import qualified_name

_logger = logging.getLogger("otel_actuator")

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
#: Module prefixes whose globals are never searched (ours, and the library's own).
_SKIPPED_MODULES = ("otel_actuator", "pydantic", "pydantic_settings")


@dataclass(frozen=True)
class ConfigurationInput:
    """Where one configuration value came from: the value as given and its origin (an environment variable ...)."""

    value: Any
    origin: Optional[str] = None


@dataclass(frozen=True)
class ConfigurationBean:
    """One configuration properties bean for configprops: a settings model under its prefix.

    ``properties`` nests as the model does; ``inputs`` mirrors it, with a :class:`ConfigurationInput` for each
    value that was given and None for a default.
    """

    name: str
    prefix: str
    properties: Mapping[str, Any]
    inputs: Mapping[str, Any]


def discovered_settings() -> list[ConfigurationBean]:
    """Beans of the ``BaseSettings`` instances held by module globals (none before pydantic-settings loads)."""
    base = _base_settings_class()
    if base is None:
        return []
    found: dict[int, Any] = {}
    for name, module in list(sys.modules.items()):
        if module is None or name.startswith(_SKIPPED_MODULES):
            continue
        try:
            values = list(vars(module).values())
        except TypeError:  # a module object without a __dict__
            continue
        for value in values:
            if isinstance(value, base):
                found.setdefault(id(value), value)
    return [settings_bean(model) for model in found.values()]


def _base_settings_class() -> Optional[type]:
    module = sys.modules.get("pydantic_settings")
    base = getattr(module, "BaseSettings", None)
    return base if isinstance(base, type) else None


def model_provider(model: Any, prefix: Optional[str] = None) -> Callable[[], Sequence[ConfigurationBean]]:
    """A provider of one bean: a pydantic model (``BaseSettings`` or ``BaseModel``) or a mapping."""
    if isinstance(model, Mapping):
        if not prefix:
            raise ValueError("a mapping needs a prefix, e.g. add_settings_model(app.config, prefix='flask')")
        return lambda: [mapping_bean(model, prefix)]
    if not callable(getattr(model, "model_dump", None)):
        raise TypeError(f"expected a pydantic model or a mapping, got {type(model).__name__}")
    return lambda: [settings_bean(model, prefix)]


def mapping_bean(mapping: Mapping[Any, Any], prefix: str) -> ConfigurationBean:
    """A mapping's entries as properties, with no inputs: its values' origins are unknown."""
    properties = {str(key): value for key, value in dict(mapping).items()}
    name = f"{type(mapping).__module__}.{type(mapping).__qualname__}"
    return ConfigurationBean(name, prefix, properties, {key: None for key in properties})


def settings_bean(model: Any, prefix: Optional[str] = None) -> ConfigurationBean:
    """A pydantic model's bean; the prefix defaults to its ``env_prefix`` (``USER_SERVICE_`` -> ``user-service``),
    else to its class name without a Settings or Config suffix (``UserServiceSettings`` -> ``user-service``)."""
    cls = type(model)
    config = getattr(model, "model_config", {}) or {}
    properties = model.model_dump(mode="json")
    given = _given_values(cls, config)
    fields_set: set[str] = getattr(model, "model_fields_set", set())
    inputs: dict[str, Any] = {}
    for name, value in properties.items():
        origin = given.get(name)
        if name not in fields_set:
            inputs[name] = _mirror(value, None)
        elif origin is None:
            inputs[name] = _mirror(value, (None, "constructor argument"))
        else:
            inputs[name] = _mirror(value, origin)
    return ConfigurationBean(
        qualified_name(cls.__module__, cls.__qualname__), prefix or default_prefix(cls, config), properties, inputs
    )


def default_prefix(cls: type, config: Mapping[str, Any]) -> str:
    env_prefix = str(config.get("env_prefix") or "").strip("_-. ")
    if env_prefix:
        return env_prefix.lower().replace("_", "-")
    name = re.sub(r"(Settings|Config|Configuration)$", "", cls.__name__) or cls.__name__
    return _CAMEL_BOUNDARY.sub("-", name).lower()


#: A given value's raw form in its source (None when unknown) and the source's description.
_Given = tuple[Any, str]


def _given_values(cls: type, config: Mapping[str, Any]) -> dict[str, Any]:
    """Field name -> where its value is given (nested like the model), from the highest-priority source."""
    try:
        from pydantic_settings import DotEnvSettingsSource, EnvSettingsSource, SecretsSettingsSource
    except ImportError:
        return {}
    prefix = str(config.get("env_prefix") or "")
    upper = not config.get("case_sensitive", False)
    delimiter = str(config.get("env_nested_delimiter") or "__")
    env_file = config.get("env_file")
    secrets_dir = config.get("secrets_dir")
    described: list[tuple[Any, Callable[[str], str]]] = [
        (EnvSettingsSource, lambda name: f'System Environment Property "{name}"'),
        (DotEnvSettingsSource, lambda name: f'"{name}" from dotenv file "{env_file}"'),
        (SecretsSettingsSource, lambda name: f'secrets file "{secrets_dir}/{name}"'),
    ]
    given: dict[str, Any] = {}
    for source_class, describe in described:
        try:
            values = source_class(cls)()
        except Exception:  # a malformed variable: the model itself would not have loaded from it
            _logger.debug("reading %s of %s failed", source_class.__name__, cls.__name__, exc_info=True)
            continue
        for field, value in values.items():
            if field not in given:
                given[field] = _origins(value, prefix + field, delimiter, upper, describe)
    return given


def _origins(value: Any, name: str, delimiter: str, upper: bool, describe: Callable[[str], str]) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _origins(v, f"{name}{delimiter}{k}", delimiter, upper, describe) for k, v in value.items()}
    return (value, describe(name.upper() if upper else name))


def _mirror(value: Any, given: Any) -> Any:
    """The inputs matching one property: ``given`` is a (raw value, origin) pair, a nesting of them, or None."""
    if isinstance(value, Mapping):
        nested = given if isinstance(given, Mapping) else {}
        whole = given if isinstance(given, tuple) else None
        return {str(k): _mirror(v, nested.get(str(k), whole)) for k, v in value.items()}
    if isinstance(value, list):
        each = (None, given[1]) if isinstance(given, tuple) else None
        return [_mirror(item, each) for item in value]
    if isinstance(given, tuple):
        raw, origin = given
        return ConfigurationInput(value if raw is None or isinstance(raw, Mapping) else raw, origin)
    return None
