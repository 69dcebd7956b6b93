"""SBA black-holed, then gone, then back: the service keeps serving as fast as before and registers again.

The admin URL first points at a fault-injecting fake that accepts connections and never answers; the
fake is then closed (connection refused) and a real SBA 3 is started on the very same port.
"""

from __future__ import annotations

import pytest

from tests.support.fake_admin import FakeAdmin
from tests.support.latency import assert_unaffected, median_latency
from tests.support.polling import eventually
from tests.support.sba import NOT_YET, LaunchUserService, running_admin

pytestmark = pytest.mark.e2e

SAMPLES = 50
#: Median latency may grow by this factor before the test calls the app slowed down. A registration that
#: blocked requests would cost the full SBA timeout (seconds) per request, far beyond it.
MAX_SLOWDOWN = 5.0


def test_unreachable_admin_never_slows_the_app_and_it_registers_once_sba_is_back(
    launch_user_service: LaunchUserService,
) -> None:
    fake = FakeAdmin(mode="ok")
    try:
        app = launch_user_service(fake.url, log_name="user-service-faults", OTEL_ACTUATOR_ADMIN_TIMEOUT="2")
        eventually(lambda: fake.registrations(), timeout=15, what="a first registration with the fake SBA")
        user = app.client.post("/users", json={"name": "kay", "email": "kay@example.org"}).json()
        path = f"/users/{user['id']}"
        median_latency(app.client, path, SAMPLES)  # warm-up
        baseline = median_latency(app.client, path, SAMPLES)

        fake.mode = "blackhole"
        seen = len(fake.registrations())
        eventually(
            lambda: len(fake.registrations()) > seen,
            timeout=15,
            what="a registration attempt hanging in the black hole",
        )
        black_holed = median_latency(app.client, path, SAMPLES)
        assert app.alive
    finally:
        fake.close()

    refused = median_latency(app.client, path, SAMPLES)
    assert_unaffected("SBA black-holed (user-service)", baseline, black_holed, MAX_SLOWDOWN)
    assert_unaffected("SBA refusing (user-service)", baseline, refused, MAX_SLOWDOWN)

    with running_admin(3, port=fake.port, name="sba3-back-on-the-same-port") as sba:

        def registered_and_up() -> bool:
            instance = sba.instance_with_health_url(app.health_url)
            assert instance is not None, "not registered yet"
            assert instance["statusInfo"]["status"] == "UP", instance["statusInfo"]
            return True

        eventually(registered_and_up, timeout=45, what="registration with the SBA that came back", retrying=NOT_YET)
        assert app.client.get(path).status_code == 200
        assert app.terminate() == 0, app.tail()
