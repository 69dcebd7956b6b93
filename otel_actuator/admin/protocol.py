"""What the composition root needs of a registry client (Spring Boot Admin, Eureka): start it, stop it."""

from __future__ import annotations

from typing import Protocol


class InstanceRegistrar(Protocol):
    """Keeps this process registered in the background until stopped; neither call raises or blocks for long."""

    def start(self) -> object:
        """Begin registering on a thread of its own (what it returns, if anything, is not needed)."""

    def stop(self, *, deregister: bool = True) -> None:
        """Stop for good and, by default, remove the registration within a bounded time."""
