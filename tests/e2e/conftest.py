"""The user-service of a test module against a real SBA: which one, the module's ``deployment`` fixture says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.flows import Deployment, create_users, redis_database, registered_instance
from tests.support.sba import AdminServer, LaunchUserService, UserService
from tests.support.services import RedisServer


@pytest.fixture(scope="module")
def sba(deployment: Deployment, request: pytest.FixtureRequest) -> AdminServer:
    """The session's SBA server of the deployment's version (``sba2`` or ``sba3``)."""
    server = request.getfixturevalue(f"sba{deployment.sba_version}")
    assert isinstance(server, AdminServer)
    return server


@pytest.fixture(scope="module")
def app(
    deployment: Deployment, sba: AdminServer, launch_user_service: LaunchUserService, redis_server: RedisServer
) -> Iterator[UserService]:
    """One user-service for the module, registered with ``sba``; stopped (if a test has not) at its end."""
    app = launch_user_service(
        sba.url,
        redis_url=redis_database(redis_server, deployment.redis_db),
        log_name=deployment.log_name,
        OTEL_ACTUATOR_APP_VERSION=deployment.app_version,
    )
    yield app
    app.terminate()


@pytest.fixture(scope="module")
def instance_id(sba: AdminServer, app: UserService) -> str:
    return str(registered_instance(sba, app)["id"])


@pytest.fixture(scope="module")
def user_ids(deployment: Deployment, app: UserService) -> list[int]:
    return create_users(app, *deployment.users)
