"""200 routes that answer with the status code in their path (see ``routes_fastapi``)."""

from __future__ import annotations

from flask import Flask

ROUTES = 200


def create_app() -> Flask:
    app = Flask("routes")

    def answer(status: int) -> tuple[str, int]:
        return "", status

    for n in range(ROUTES):
        app.add_url_rule(f"/r{n}/<int:status>", endpoint=f"r{n}", view_func=answer)
    return app


app = create_app()
