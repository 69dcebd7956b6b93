"""The user service's routes: GET/POST /users and GET /users/<int:user_id>."""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger("user_service")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_users: dict[int, dict[str, Any]] = {}
_ids = itertools.count(1)
_lock = threading.Lock()


@csrf_exempt  # a JSON API: its clients send no CSRF token
def users(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return JsonResponse(list(_users.values()), safe=False)
    if request.method != "POST":
        return JsonResponse({"detail": "GET or POST"}, status=405)
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JsonResponse({"detail": "send a JSON object with name and email"}, status=422)
    name, email = body.get("name"), body.get("email")
    if not isinstance(name, str) or not 0 < len(name) <= 100:
        return JsonResponse({"detail": "name must be a string of 1 to 100 characters"}, status=422)
    if not isinstance(email, str) or not _EMAIL.match(email):
        return JsonResponse({"detail": "email must be an e-mail address"}, status=422)
    with _lock:
        user = {"id": next(_ids), "name": name, "email": email}
        _users[user["id"]] = user
    logger.info("created user %s", name)
    return JsonResponse(user, status=201)


def user(request: HttpRequest, user_id: int) -> HttpResponse:
    logger.debug("looking up user %s", user_id)
    found = _users.get(user_id)
    if found is None:
        return JsonResponse({"detail": f"user {user_id} not found"}, status=404)
    return JsonResponse(found)


urlpatterns = [
    path("users", users, name="users"),
    path("users/<int:user_id>", user, name="user"),
]
