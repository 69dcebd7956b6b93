"""200 routes that answer with the status code in their path: 1000 ``http.server.requests`` series.

``GET /r{n}/{status}`` for n in 0..199; the endpoints benchmark calls each with 5 status codes.
"""

from __future__ import annotations

from fastapi import FastAPI, Response

ROUTES = 200


def create_app() -> FastAPI:
    app = FastAPI(title="routes")

    def answer(status: int) -> Response:
        return Response(status_code=status)

    for n in range(ROUTES):
        app.add_api_route(f"/r{n}/{{status}}", answer, methods=["GET"], name=f"r{n}")
    return app


app = create_app()
