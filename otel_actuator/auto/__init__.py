"""``opentelemetry-instrument`` integration: exporters named ``actuator``, an instrumentor that mounts
the actuator into every FastAPI and Flask app, and a post-instrument hook for clean shutdown."""
