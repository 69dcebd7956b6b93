"""SBA black-holed, then gone, then back: the service keeps serving as fast as before and registers again.

The admin URL first points at a fault-injecting fake that accepts connections and never answers; the
fake is then closed (connection refused) and a real SBA 3 is started on the very same port.
"""

from __future__ import annotations

import statistics
import time

import pytest

from tests.support.fake_admin import FakeAdmin
from tests.support.sba import LaunchUserService, UserService, running_admin, wait_for

pytestmark = pytest.mark.e2e

SAMPLES = 50
#: Median latency may grow by this factor before the test calls the app slowed down. A registration that
#: blocked requests would cost the full SBA timeout (seconds) per request, far beyond it.
MAX_SLOWDOWN = 5.0


def median_latency(app: UserService, path: str) -> float:
    durations = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        response = app.client.get(path)
        durations.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
    return statistics.median(durations)


def test_unreachable_admin_never_slows_the_app_and_it_registers_once_sba_is_back(
    launch_user_service: LaunchUserService,
) -> None:
    fake = FakeAdmin(mode="ok")
    port = int(fake.url.rsplit(":", 1)[1])
    try:
        app = launch_user_service(fake.url, log_name="user-service-faults", OTEL_ACTUATOR_ADMIN_TIMEOUT="2")
        wait_for(lambda: fake.registrations(), 15, "a first registration with the fake SBA")
        user = app.client.post("/users", json={"name": "kay", "email": "kay@example.org"}).json()
        path = f"/users/{user['id']}"
        median_latency(app, path)  # warm-up
        baseline = median_latency(app, path)

        fake.mode = "blackhole"
        seen = len(fake.registrations())
        wait_for(lambda: len(fake.registrations()) > seen, 15, "a registration attempt hanging in the black hole")
        black_holed = median_latency(app, path)
        assert app.alive
    finally:
        fake.close()

    refused = median_latency(app, path)
    assert black_holed <= baseline * MAX_SLOWDOWN, f"black hole: {black_holed:.4f}s vs baseline {baseline:.4f}s"
    assert refused <= baseline * MAX_SLOWDOWN, f"refused: {refused:.4f}s vs baseline {baseline:.4f}s"

    with running_admin(3, port=port, name="sba3-back-on-the-same-port") as sba:

        def registered_and_up() -> bool:
            instance = sba.instance_with_health_url(app.health_url)
            assert instance is not None, "not registered yet"
            assert instance["statusInfo"]["status"] == "UP", instance["statusInfo"]
            return True

        sba.wait_for(registered_and_up, 45, "registration with the SBA that came back")
        assert app.client.get(path).status_code == 200
        assert app.terminate() == 0, app.tail()
