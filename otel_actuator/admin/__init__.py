"""The Spring Boot Admin client: registration payload, URL discovery, registrar and its lifecycle."""

from otel_actuator.admin.registrar import Registrar

__all__ = ["Registrar"]
