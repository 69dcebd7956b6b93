"""The OTEL_ACTUATOR_* variable names, one module attribute per :class:`~otel_actuator.settings.Settings` field.

Registered in the ``opentelemetry_environment_variables`` entry-point group, so each becomes an
``opentelemetry-instrument`` flag (``--actuator_exposure_include '*'``). The names are made from the
settings' fields, so a new setting is a flag without a second list to keep in step.

The ``opentelemetry-instrument`` command imports this module before it starts the application; that
is the one moment a missing exporter (the distro's ``otlp`` default, typically) can still be named
with its fix, because the failure itself would leave the app silently uninstrumented.
"""

import os as _os
import sys as _sys

from otel_actuator.settings import Settings as _Settings

globals().update({_name: _name for _name in _Settings.env_names().values()})


if _os.path.basename(_sys.argv[0]) == "opentelemetry-instrument":
    from otel_actuator.auto.checks import warn_if_unconfigured

    warn_if_unconfigured()
