"""Shared fixtures: real servers on loopback and real external services."""

pytest_plugins = ["tests.support.services", "tests.support.sba"]
