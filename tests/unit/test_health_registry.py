from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import threading
from typing import Any

import pytest

from otel_actuator.health import AggregateHealth, CompositeHealth, Health, HealthRegistry, Status
from otel_actuator.settings import Settings, SettingsError


def registry(**settings: Any) -> HealthRegistry:
    settings.setdefault("health_timeout", 0.2)
    return HealthRegistry(Settings(**settings), defaults=False)


class Counter:
    def __init__(self, result: object = None) -> None:
        self.calls = 0
        self.result = result

    def __call__(self) -> object:
        self.calls += 1
        return self.result


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- registration ---------------------------------------------------------------------------------


async def test_an_empty_registry_is_up() -> None:
    result = await registry().evaluate()
    assert result == AggregateHealth(Status.UP, {})


async def test_ping_and_disk_space_are_registered_by_default() -> None:
    health = HealthRegistry(Settings(health_disk_threshold=0))
    assert health.names() == ["diskSpace", "ping"]
    result = await health.evaluate()
    assert result.status == Status.UP
    assert result.components["ping"] == Health.up()
    assert set(result.components["diskSpace"].details) == {"total", "free", "threshold", "path", "exists"}  # type: ignore[union-attr]


async def test_every_kind_of_contributor_is_accepted() -> None:
    class Indicator:
        def health(self) -> Health:
            return Health.up(kind="object")

    class AsyncIndicator:
        async def health(self) -> Health:
            return Health.up(kind="async object")

    class AsyncCallable:
        async def __call__(self) -> str:
            return "OUT_OF_SERVICE"

    async def async_function() -> dict[str, Any]:
        return {"kind": "async function"}

    async def coroutine() -> bool:
        return False

    health = registry()
    health.register("object", Indicator())
    health.register("asyncObject", AsyncIndicator())
    health.register("asyncCallable", AsyncCallable())
    health.register("function", lambda: {"kind": "function"})
    health.register("asyncFunction", async_function)
    health.register("returnsCoroutine", lambda: coroutine())
    health.register("composite", CompositeHealth({"child": lambda: True}))

    result = await health.evaluate()

    assert result.components == {
        "asyncCallable": Health.out_of_service(),
        "asyncFunction": Health.up(kind="async function"),
        "asyncObject": Health.up(kind="async object"),
        "composite": AggregateHealth(Status.UP, {"child": Health.up()}),
        "function": Health.up(kind="function"),
        "object": Health.up(kind="object"),
        "returnsCoroutine": Health.down(),
    }
    assert result.status == Status.DOWN


def test_registration_mistakes_fail_at_once() -> None:
    health = registry()
    health.register("db", lambda: True)
    with pytest.raises(ValueError, match="already registered"):
        health.register("db", lambda: True)
    for name in ("", "a/b"):
        with pytest.raises(ValueError, match="without '/'"):
            health.register(name, lambda: True)
    with pytest.raises(ValueError, match="without '/'"):
        health.register("broker", CompositeHealth({"us/1": lambda: True}))
    with pytest.raises(TypeError, match="got int"):
        health.register("number", 42)  # type: ignore[arg-type]
    for timeout in (0, -1, float("inf")):
        with pytest.raises(ValueError, match="timeout"):
            health.register("slow", lambda: True, timeout=timeout)
    with pytest.raises(TypeError, match="collection of group names"):
        health.register("cache", lambda: True, groups="readiness")


def test_a_timeout_setting_that_is_not_positive_is_refused() -> None:
    with pytest.raises(SettingsError, match="HEALTH_TIMEOUT"):
        HealthRegistry(Settings(health_timeout=0))


async def test_unregister_removes_the_component() -> None:
    health = registry()
    health.register("db", lambda: False)
    assert health.unregister("db") is True
    assert health.unregister("db") is False
    assert (await health.evaluate()).status == Status.UP


# -- aggregation and nesting ------------------------------------------------------------------------


async def test_composites_nest_and_aggregate_at_every_level() -> None:
    health = registry()
    health.register(
        "broker",
        CompositeHealth(
            {
                "us2": lambda: Health.up(version="1.0.4"),
                "us1": lambda: Health.up(version="1.0.2"),
                "eu": CompositeHealth({"eu1": lambda: "OUT_OF_SERVICE", "eu2": lambda: True}),
            }
        ),
    )
    health.register("db", lambda: True)

    result = await health.evaluate()

    broker = result.components["broker"]
    assert isinstance(broker, AggregateHealth)
    assert list(broker.components) == ["eu", "us1", "us2"]
    assert broker.components["eu"].status == Status.OUT_OF_SERVICE
    assert broker.status == Status.OUT_OF_SERVICE
    assert result.status == Status.OUT_OF_SERVICE
    assert await health.evaluate_path(["broker", "us1"]) == Health.up(version="1.0.2")
    assert await health.evaluate_path(["broker", "eu", "eu1"]) == Health.out_of_service()
    assert (await health.evaluate_path(["broker"])) == broker
    for missing in (["nope"], ["broker", "nope"], ["db", "child"], ["broker", "us1", "deeper"], []):
        assert await health.evaluate_path(missing) is None


# -- failures -------------------------------------------------------------------------------------------


async def test_a_raising_check_makes_only_its_component_down() -> None:
    def broken() -> Health:
        raise ConnectionRefusedError("connection refused by 10.0.0.1:5432")

    async def broken_async() -> Health:
        raise RuntimeError("pool exhausted")

    health = registry()
    health.register("db", broken)
    health.register("cache", broken_async)
    health.register("queue", lambda: True)

    result = await health.evaluate()

    assert result.status == Status.DOWN
    assert result.components["db"] == Health.down("ConnectionRefusedError: connection refused by 10.0.0.1:5432")
    assert result.components["cache"] == Health.down("RuntimeError: pool exhausted")
    assert result.components["queue"] == Health.up()


async def test_a_check_returning_nonsense_is_down_with_a_type_error() -> None:
    health = registry()
    health.register("odd", lambda: 42)
    result = await health.evaluate_path(["odd"])
    assert result is not None and result.status == Status.DOWN
    assert result.details["error"].startswith("TypeError: a health check returned int")  # type: ignore[union-attr]


async def test_system_exit_in_a_sync_check_stays_inside_the_component() -> None:
    def exits() -> None:
        sys.exit(3)

    health = registry()
    health.register("exits", exits)
    assert await health.evaluate_path(["exits"]) == Health.down("SystemExit: 3")


async def test_a_hanging_sync_check_is_down_while_it_still_hangs(release: threading.Event) -> None:
    started = threading.Event()

    def hangs() -> bool:
        started.set()
        return release.wait()

    health = registry(health_timeout=0.1)
    health.register("hangs", hangs)
    health.register("fine", lambda: True)

    result = await health.evaluate()

    assert started.is_set() and not release.is_set()  # the answer came while the check was still stuck
    assert result.components["hangs"] == Health.down("TimeoutError: Health check timed out after 0.1s")
    assert result.components["fine"] == Health.up()
    assert result.status == Status.DOWN


async def test_a_hanging_async_check_is_down_and_cancelled() -> None:
    cancelled = asyncio.Event()

    async def hangs() -> bool:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()
        return True

    health = registry(health_timeout=0.1)
    health.register("hangs", hangs)
    health.register("fine", lambda: True)

    result = await health.evaluate()

    assert result.components["hangs"] == Health.down("TimeoutError: Health check timed out after 0.1s")
    assert result.components["fine"] == Health.up()
    await asyncio.wait_for(cancelled.wait(), timeout=10)


async def test_the_timeout_can_be_set_per_component(release: threading.Event) -> None:
    health = registry(health_timeout=60)
    health.register("hangs", release.wait, timeout=0.05)
    assert await health.evaluate_path(["hangs"]) == Health.down("TimeoutError: Health check timed out after 0.05s")


async def test_a_hung_sync_check_holds_at_most_one_thread_and_starves_no_other(release: threading.Event) -> None:
    hung = [Counter() for _ in range(3)]

    def hanging(counter: Counter) -> Any:
        def check() -> bool:
            counter()
            return release.wait()

        return check

    health = registry(health_timeout=0.05)
    for index, counter in enumerate(hung):
        health.register(f"hung{index}", hanging(counter))
    health.register("fine", lambda: True)

    for _ in range(4):
        result = await health.evaluate()
        assert result.components["fine"] == Health.up()
        assert {result.components[f"hung{i}"].status for i in range(3)} == {Status.DOWN}

    assert [counter.calls for counter in hung] == [1, 1, 1]  # later evaluations joined the stuck runs
    release.set()
    health.unregister("fine")
    for _ in range(100):  # the stuck runs finish on their own threads; the next evaluation starts afresh
        if (await health.evaluate()).status == Status.UP:
            break
        await asyncio.sleep(0.05)
    assert (await health.evaluate()).status == Status.UP
    assert min(counter.calls for counter in hung) >= 2


def test_evaluations_on_separate_event_loops_share_a_hung_run(release: threading.Event) -> None:
    calls = Counter()

    def hangs() -> bool:
        calls()
        return release.wait()

    health = registry(health_timeout=0.05)
    health.register("hangs", hangs)
    health.register("fine", lambda: True)  # a second thread is allowed, yet the hung check does not take it

    first = asyncio.run(health.evaluate())  # as a WSGI worker does: one short-lived loop per request
    second = asyncio.run(health.evaluate())

    for result in (first, second):
        assert result.components["hangs"].status == Status.DOWN
        assert result.components["fine"] == Health.up()
    assert calls.calls == 1


async def test_checks_run_concurrently() -> None:
    barrier = threading.Barrier(2, timeout=10)
    first_async, second_async = asyncio.Event(), asyncio.Event()

    async def meets(mine: asyncio.Event, other: asyncio.Event) -> bool:
        mine.set()
        await other.wait()
        return True

    health = registry(health_timeout=10)
    health.register("thread1", lambda: barrier.wait() >= 0)
    health.register("thread2", lambda: barrier.wait() >= 0)
    health.register("loop1", lambda: meets(first_async, second_async))
    health.register("loop2", lambda: meets(second_async, first_async))

    result = await health.evaluate()

    assert result.status == Status.UP, result  # each pair only completes if both ran at the same time


async def test_a_failure_is_logged_once_and_so_is_the_recovery(caplog: pytest.LogCaptureFixture) -> None:
    state = {"healthy": False}

    def flaky() -> bool:
        if not state["healthy"]:
            raise ConnectionError("gone")
        return True

    health = registry()
    health.register("flaky", flaky)
    with caplog.at_level(logging.INFO, logger="otel_actuator.health"):
        await health.evaluate()
        await health.evaluate()
        state["healthy"] = True
        await health.evaluate()
        await health.evaluate()
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "Health check 'flaky' failed: ConnectionError: gone",
        "Health check 'flaky' succeeded again",
    ]


def test_a_hung_check_does_not_keep_the_process_from_exiting() -> None:
    script = (
        "import asyncio, threading\n"
        "from otel_actuator.health import HealthRegistry\n"
        "from otel_actuator.settings import Settings\n"
        "health = HealthRegistry(Settings(health_timeout=0.05), defaults=False)\n"
        "health.register('hangs', threading.Event().wait)\n"
        "print(asyncio.run(health.evaluate()).status)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "DOWN"


# -- cache ------------------------------------------------------------------------------------------------


async def test_results_are_reused_for_the_cache_ttl() -> None:
    clock = FakeClock()
    counter = Counter(True)
    health = HealthRegistry(Settings(health_cache_ttl=10), defaults=False, clock=clock)
    health.register("db", counter, groups=["custom"])

    await health.evaluate()
    clock.now += 9
    await health.evaluate()
    await health.evaluate("custom")
    await health.evaluate_path(["db"])
    assert counter.calls == 1

    clock.now += 2
    await health.evaluate()
    assert counter.calls == 2


async def test_no_cache_when_the_ttl_is_zero() -> None:
    counter = Counter(True)
    health = registry(health_cache_ttl=0)
    health.register("db", counter)
    await health.evaluate()
    await health.evaluate()
    assert counter.calls == 2


async def test_a_replaced_component_is_not_answered_from_the_cache() -> None:
    health = registry(health_cache_ttl=60)
    health.register("db", lambda: True)
    await health.evaluate()
    health.unregister("db")
    health.register("db", lambda: False)
    assert (await health.evaluate()).components["db"] == Health.down()


# -- groups ---------------------------------------------------------------------------------------------


async def test_liveness_is_ping_alone_and_readiness_is_everything() -> None:
    health = HealthRegistry(Settings(health_disk_threshold=0))
    health.register("db", lambda: False)
    assert health.group_names() == ["liveness", "readiness"]
    assert health.group_members("liveness") == ["ping"]
    assert health.group_members("readiness") == ["db", "diskSpace", "ping"]
    assert (await health.evaluate("liveness")) == AggregateHealth(Status.UP, {"ping": Health.up()})
    assert (await health.evaluate("readiness")).status == Status.DOWN


async def test_groups_from_settings() -> None:
    health = registry(health_groups={"core": ("db", "cache"), "everything": ("*",), "empty": ()})
    for name in ("db", "cache", "queue"):
        health.register(name, lambda: True)
    assert health.group_names() == ["core", "empty", "everything", "liveness", "readiness"]
    assert health.group_members("core") == ["cache", "db"]
    assert health.group_members("everything") == ["cache", "db", "queue"]
    assert health.group_members("empty") == []
    assert (await health.evaluate("empty")) == AggregateHealth(Status.UP, {})


@pytest.mark.parametrize("item", ["nameless", "=db", "a/b=db", "core=db/x"])
def test_malformed_group_settings_are_refused(item: str) -> None:
    with pytest.raises(SettingsError, match="HEALTH_GROUPS"):
        Settings.from_env({"OTEL_ACTUATOR_HEALTH_GROUPS": item})


async def test_register_can_join_groups_and_unregister_leaves_them() -> None:
    health = registry()
    health.register("db", lambda: True, groups=["liveness", "critical"])
    assert health.has_group("critical")
    assert health.group_members("liveness") == ["db"]
    assert health.group_members("critical") == ["db"]
    health.unregister("db")
    assert not health.has_group("critical")
    assert health.group_members("liveness") == []


async def test_add_group_defines_or_redefines_a_group() -> None:
    health = registry()
    health.register("db", lambda: False)
    health.register("cache", lambda: True)
    health.add_group("readiness", ["cache"])
    health.add_group("storage", ["db", "missing"])
    assert (await health.evaluate("readiness")).status == Status.UP
    assert health.group_members("storage") == ["db"]
    with pytest.raises(ValueError):
        health.add_group("bad", ["a/b"])


async def test_group_paths_only_reach_members() -> None:
    health = registry(health_groups={"core": ("db",)})
    health.register("db", lambda: True)
    health.register("cache", lambda: True)
    assert await health.evaluate_path(["db"], group="core") == Health.up()
    assert await health.evaluate_path(["cache"], group="core") is None


async def test_an_unknown_group_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        await registry().evaluate("nope")
