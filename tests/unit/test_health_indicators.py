from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from otel_actuator.health import (
    AsyncRedisHealthIndicator,
    AsyncSqlAlchemyHealthIndicator,
    DiskSpaceHealthIndicator,
    Health,
    PingHealthIndicator,
    RedisHealthIndicator,
    SqlAlchemyHealthIndicator,
    Status,
    db_indicator,
    redis_indicator,
)
from otel_actuator.health.db import product_name


async def test_ping_is_up_without_details() -> None:
    assert await PingHealthIndicator().health() == Health.up()


def test_disk_space_reports_spring_details(tmp_path: Path) -> None:
    health = DiskSpaceHealthIndicator(str(tmp_path), threshold=1).health()
    usage = shutil.disk_usage(tmp_path)
    assert health.status == Status.UP
    assert health.details["total"] == usage.total
    assert 0 < health.details["free"] <= usage.total
    assert health.details["threshold"] == 1
    assert health.details["path"] == str(tmp_path)
    assert health.details["exists"] is True


def test_disk_space_is_down_below_the_threshold(tmp_path: Path) -> None:
    total = shutil.disk_usage(tmp_path).total
    health = DiskSpaceHealthIndicator(str(tmp_path), threshold=total + 1).health()
    assert health.status == Status.DOWN
    assert "error" not in health.details


def test_a_missing_path_counts_as_no_space(tmp_path: Path) -> None:
    health = DiskSpaceHealthIndicator(str(tmp_path / "gone"), threshold=1).health()
    assert health == Health(
        Status.DOWN, {"total": 0, "free": 0, "threshold": 1, "path": str(tmp_path / "gone"), "exists": False}
    )


def test_a_relative_path_is_shown_as_spring_shows_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert DiskSpaceHealthIndicator(".", threshold=0).health().details["path"] == os.path.join(str(tmp_path), ".")


class BlockingClient:
    def execute_command(self) -> None:
        raise AssertionError("not called")


class AsyncClient:
    async def execute_command(self) -> None:
        raise AssertionError("not called")


def test_redis_indicator_picks_by_client_kind() -> None:
    assert isinstance(redis_indicator(BlockingClient()), RedisHealthIndicator)
    assert isinstance(redis_indicator(AsyncClient()), AsyncRedisHealthIndicator)
    with pytest.raises(TypeError, match="AsyncRedisHealthIndicator"):
        RedisHealthIndicator(AsyncClient())
    with pytest.raises(TypeError, match="RedisHealthIndicator"):
        AsyncRedisHealthIndicator(BlockingClient())


def test_db_indicator_picks_by_engine_kind() -> None:
    engine = sqlalchemy.create_engine("sqlite://")
    async_engine = create_async_engine("sqlite+aiosqlite://")
    assert isinstance(db_indicator(engine), SqlAlchemyHealthIndicator)
    assert isinstance(db_indicator(async_engine), AsyncSqlAlchemyHealthIndicator)
    with pytest.raises(TypeError, match="AsyncSqlAlchemyHealthIndicator"):
        SqlAlchemyHealthIndicator(async_engine)
    with pytest.raises(TypeError, match="SqlAlchemyHealthIndicator"):
        AsyncSqlAlchemyHealthIndicator(engine)


@pytest.mark.parametrize(
    ("url", "product"),
    [
        ("sqlite://", "SQLite"),
        ("mysql+pymysql://", "MySQL"),
        ("mariadb+pymysql://", "MariaDB"),
        ("postgresql+psycopg2://", "PostgreSQL"),
        ("mssql+pyodbc://", "Microsoft SQL Server"),
        ("oracle+oracledb://", "Oracle"),
    ],
)
def test_database_product_names_follow_spring(url: str, product: str) -> None:
    dialect = make_url(url).get_dialect()()  # the dialect alone: no driver, no connection
    assert product_name(dialect) == product
