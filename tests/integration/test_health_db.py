"""The db indicator through SQLAlchemy: SQLite files, a real MariaDB server, and a database that hangs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from otel_actuator.health import Health, HealthRegistry, Status, db_indicator
from otel_actuator.settings import Settings
from tests.support.services import MariaDbServer, silent_tcp_server


def registry(timeout: float = 5.0) -> HealthRegistry:
    return HealthRegistry(Settings(health_timeout=timeout), defaults=False)


async def db_health(engine: Any, query: str = "SELECT 1", timeout: float = 5.0) -> Health:
    health = registry(timeout)
    health.register("db", db_indicator(engine, query))
    result = await health.evaluate_path(["db"])
    assert isinstance(result, Health)
    return result


@pytest.fixture
def engines() -> Iterator[Callable[..., sqlalchemy.Engine]]:
    made: list[sqlalchemy.Engine] = []

    def make(url: str, **options: Any) -> sqlalchemy.Engine:
        made.append(sqlalchemy.create_engine(url, **options))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


@pytest.fixture
async def async_engines() -> AsyncIterator[Callable[..., AsyncEngine]]:
    made: list[AsyncEngine] = []

    def make(url: str, **options: Any) -> AsyncEngine:
        made.append(create_async_engine(url, **options))
        return made[-1]

    yield make
    for engine in made:
        await engine.dispose()


# -- SQLite ----------------------------------------------------------------------------------------------


async def test_sqlite_engine_is_up(tmp_path: Path, engines: Callable[..., sqlalchemy.Engine]) -> None:
    engine = engines(f"sqlite:///{tmp_path / 'app.db'}")
    assert await db_health(engine) == Health.up(database="SQLite", validationQuery="SELECT 1")


async def test_aiosqlite_engine_is_up(tmp_path: Path, async_engines: Callable[..., AsyncEngine]) -> None:
    engine = async_engines(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    assert await db_health(engine) == Health.up(database="SQLite", validationQuery="SELECT 1")


async def test_a_failing_validation_query_is_down_with_the_driver_error(
    tmp_path: Path,
    engines: Callable[..., sqlalchemy.Engine],
    async_engines: Callable[..., AsyncEngine],
) -> None:
    query = "SELECT count(*) FROM missing_table"
    sync_engine = engines(f"sqlite:///{tmp_path / 'a.db'}")
    for engine in (sync_engine, async_engines(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")):
        result = await db_health(engine, query)
        assert result.status == Status.DOWN
        assert result.details["error"].startswith("sqlalchemy.exc.OperationalError: ")
        assert "no such table: missing_table" in result.details["error"]


async def test_a_database_file_that_cannot_be_opened_is_down(
    tmp_path: Path, engines: Callable[..., sqlalchemy.Engine]
) -> None:
    engine = engines(f"sqlite:///{tmp_path / 'no-such-dir' / 'app.db'}")
    result = await db_health(engine)
    assert result.status == Status.DOWN
    assert "unable to open database file" in result.details["error"]


# -- MariaDB ---------------------------------------------------------------------------------------------


async def test_mariadb_through_pymysql_is_up(
    mariadb_server: MariaDbServer,
    engines: Callable[..., sqlalchemy.Engine],
) -> None:
    for driver in ("mysql+pymysql", "mariadb+pymysql"):
        engine = engines(mariadb_server.url(driver))
        # The server is identified as MariaDB even through a mysql:// URL.
        assert await db_health(engine) == Health.up(database="MariaDB", validationQuery="SELECT 1")


async def test_mariadb_through_aiomysql_is_up(
    mariadb_server: MariaDbServer,
    async_engines: Callable[..., AsyncEngine],
) -> None:
    engine = async_engines(mariadb_server.url("mysql+aiomysql"))
    assert await db_health(engine) == Health.up(database="MariaDB", validationQuery="SELECT 1")
    assert await db_health(engine, "SELECT VERSION()") == Health.up(
        database="MariaDB", validationQuery="SELECT VERSION()"
    )


async def test_mariadb_refusing_the_login_is_down(
    mariadb_server: MariaDbServer,
    engines: Callable[..., sqlalchemy.Engine],
    async_engines: Callable[..., AsyncEngine],
) -> None:
    wrong = "not-the-password"
    for engine in (
        engines(mariadb_server.url("mysql+pymysql", password=wrong)),
        async_engines(mariadb_server.url("mysql+aiomysql", password=wrong)),
    ):
        result = await db_health(engine)
        assert result.status == Status.DOWN
        assert result.details["error"].startswith("sqlalchemy.exc.OperationalError: ")
        assert "Access denied" in result.details["error"]


# -- a database that never answers ------------------------------------------------------------------------


async def test_a_hanging_database_is_down_within_the_timeout(
    engines: Callable[..., sqlalchemy.Engine],
    async_engines: Callable[..., AsyncEngine],
) -> None:
    with silent_tcp_server() as port:  # FAKE: accepts the connection, never sends the server greeting
        url = f"127.0.0.1:{port}/app"
        for engine in (
            engines(f"mysql+pymysql://user:secret@{url}"),
            async_engines(f"mysql+aiomysql://user:secret@{url}"),
        ):
            assert await db_health(engine, timeout=0.3) == Health.down(
                "TimeoutError: Health check timed out after 0.3s"
            )
