"""``db``: a SQLAlchemy engine runs a validation query (details ``database`` and ``validationQuery``).

``SqlAlchemyHealthIndicator`` takes a blocking ``Engine`` (run on a worker thread),
``AsyncSqlAlchemyHealthIndicator`` an ``AsyncEngine`` (run on the event loop; its driver's connections
belong to that loop); ``db_indicator(engine)`` picks the right one. ``database`` is the product name
Spring reports (``MySQL``, ``MariaDB``, ``PostgreSQL``, ``SQLite`` ...), told apart by the connected
server where the dialect can (a ``mysql://`` URL pointing at MariaDB says ``MariaDB``).
"""

from __future__ import annotations

from typing import Any, Union

from otel_actuator.health.result import Health

DEFAULT_QUERY = "SELECT 1"

_PRODUCTS = {
    "sqlite": "SQLite",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "postgresql": "PostgreSQL",
    "mssql": "Microsoft SQL Server",
    "oracle": "Oracle",
}


def db_indicator(
    engine: Any, query: str = DEFAULT_QUERY
) -> Union[SqlAlchemyHealthIndicator, AsyncSqlAlchemyHealthIndicator]:
    if _is_async(engine):
        return AsyncSqlAlchemyHealthIndicator(engine, query)
    return SqlAlchemyHealthIndicator(engine, query)


class SqlAlchemyHealthIndicator:
    """UP with the database product and validation query when the query runs on a blocking Engine."""

    def __init__(self, engine: Any, query: str = DEFAULT_QUERY) -> None:
        if _is_async(engine):
            raise TypeError("an AsyncEngine needs AsyncSqlAlchemyHealthIndicator (or db_indicator)")
        self.engine = engine
        self.query = query

    def health(self) -> Health:
        """Run the validation query on a pooled connection."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql(self.query).scalar()
        return Health.up(database=product_name(self.engine.dialect), validationQuery=self.query)


class AsyncSqlAlchemyHealthIndicator:
    """The same check for an ``AsyncEngine``, awaited on the event loop."""

    def __init__(self, engine: Any, query: str = DEFAULT_QUERY) -> None:
        if not _is_async(engine):
            raise TypeError("a blocking Engine needs SqlAlchemyHealthIndicator (or db_indicator)")
        self.engine = engine
        self.query = query

    async def health(self) -> Health:
        """Run the validation query on a pooled connection."""
        async with self.engine.connect() as connection:
            result = await connection.exec_driver_sql(self.query)
            result.scalar()
        return Health.up(database=product_name(self.engine.sync_engine.dialect), validationQuery=self.query)


def product_name(dialect: Any) -> str:
    """Spring's ``database`` detail for a SQLAlchemy dialect (MySQL dialects learn ``is_mariadb`` on connect)."""
    if getattr(dialect, "is_mariadb", False):
        return "MariaDB"
    name = str(dialect.name)
    return _PRODUCTS.get(name, name)


def _is_async(engine: Any) -> bool:
    # sqlalchemy.ext.asyncio.AsyncEngine wraps a blocking engine; plain Engines have no such attribute.
    return hasattr(engine, "sync_engine")
