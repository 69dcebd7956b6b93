"""Server adapters (one ASGI app, one WSGI app), framework mount helpers and the management server."""
