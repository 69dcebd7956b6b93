"""Settings of the user service in Django; the actuator is the first line of ``MIDDLEWARE``.

Run it with ``python examples/django/manage.py runserver``, under gunicorn
(``gunicorn --chdir examples/django user_service.wsgi``) or uvicorn
(``uvicorn --app-dir examples/django user_service.asgi:application``). Every ``OTEL_ACTUATOR_*`` variable
is read from the environment.
"""

from __future__ import annotations

import logging
import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")

INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "otel_actuator.django.ActuatorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "user_service.urls"
WSGI_APPLICATION = "user_service.wsgi.application"
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True

# INFO for the whole app, as Spring Boot's default: the log file and SBA's Loggers view show it. Set on the
# root logger itself: a LOGGING setting with a "root" entry would drop the handlers already on it.
logging.getLogger().setLevel(logging.INFO)
