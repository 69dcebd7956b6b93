"""``diskSpace``: DOWN when the file system holding a path has less free space than a threshold."""

from __future__ import annotations

import os
import shutil

from otel_actuator.health.result import Health
from otel_actuator.health.status import Status


class DiskSpaceHealthIndicator:
    """Details ``total``, ``free``, ``threshold``, ``path``, ``exists`` as Spring Boot reports them.

    ``free`` is the space available to this (unprivileged) process. A missing path counts as no space,
    as in Spring, rather than failing with an error.
    """

    def __init__(self, path: str, threshold: int) -> None:
        # Spring shows File.getAbsolutePath(): the path joined to the working directory, not normalised.
        self.path = path if os.path.isabs(path) else os.path.join(os.getcwd(), path)
        self.threshold = threshold

    def health(self) -> Health:
        """DOWN when the path is missing or its file system has less free space than the threshold."""
        exists = os.path.exists(self.path)
        total = free = 0
        if exists:
            usage = shutil.disk_usage(self.path)
            total, free = usage.total, usage.free
        details = {"total": total, "free": free, "threshold": self.threshold, "path": self.path, "exists": exists}
        return Health(Status.UP if free >= self.threshold else Status.DOWN, details)
