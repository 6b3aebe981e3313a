"""SkillRegistry validation and SkillExecutor state machines, on virtual time."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from vona.errors import ConfigError
from vona.events import ExternalContextEvent, ToolCallRequested
from vona.skills import (
    CallState,
    IllegalTransitionError,
    SkillArgumentError,
    SkillCall,
    SkillExecutor,
    SkillRegistry,
)
from vona.testing import VirtualClock, run_virtual

WEATHER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
    "required": ["city"],
    "additionalProperties": False,
}


class Order(BaseModel):
    item: str
    qty: int = 1


def make_registry() -> SkillRegistry:
    reg = SkillRegistry()

    @reg.skill(schema=WEATHER_SCHEMA, description="weather")
    async def weather(city: str, days: int = 1) -> dict[str, Any]:
        await asyncio.sleep(0.5)
        return {"city": city, "days": days, "temp_c": 21}

    @reg.skill(model=Order)
    def order(args: Order) -> Order:
        return Order(item=args.item.upper(), qty=args.qty)

    @reg.skill(timeout_s=1.0)
    async def slow(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "done"

    @reg.skill()
    async def boom() -> None:
        raise RuntimeError("kaput")

    return reg


def req(call_id: str, name: str, args: str | dict[str, Any], gen: int = 1) -> ToolCallRequested:
    return ToolCallRequested(call_id, name, args, generation_id=gen)


def test_registry_validation_messages() -> None:
    reg = make_registry()
    w = reg.get("weather")
    assert w.validate('{"city": "Oslo"}') == {"city": "Oslo"}
    with pytest.raises(SkillArgumentError, match="city"):
        w.validate("{}")
    with pytest.raises(SkillArgumentError, match="days"):
        w.validate({"city": "x", "days": 0})
    with pytest.raises(SkillArgumentError, match="not valid JSON"):
        w.validate("{city")
    with pytest.raises(SkillArgumentError, match="JSON object"):
        w.validate("[1]")
    slow = reg.get("slow")
    assert slow.parameters["required"] == ["seconds"]
    with pytest.raises(SkillArgumentError, match="seconds"):
        slow.validate({"seconds": "soon"})
    assert [s.name for s in reg.tool_specs()] == ["weather", "order", "slow", "boom"]


def test_registry_rejects_bad_definitions() -> None:
    reg = make_registry()
    with pytest.raises(ConfigError, match="already registered"):
        reg.register("weather", print, schema=WEATHER_SCHEMA)
    with pytest.raises(ConfigError, match="must match"):
        reg.register("bad name", print, schema=WEATHER_SCHEMA)
    with pytest.raises(ConfigError, match="invalid JSON schema"):
        reg.register("x", print, schema={"type": "nonsense"})
    with pytest.raises(ConfigError, match="not both"):
        reg.register("y", print, schema=WEATHER_SCHEMA, model=Order)


def test_call_state_machine_rejects_illegal_transitions() -> None:
    call = SkillCall("c1", "weather", "{}", 1, requested_ns=0)
    call.transition(CallState.RUNNING, 5)
    call.transition(CallState.SUCCEEDED, 9)
    assert call.duration_ns == 9
    assert call.run_ns == 4
    with pytest.raises(IllegalTransitionError, match="succeeded to running"):
        call.transition(CallState.RUNNING, 10)
    other = SkillCall("c2", "weather", "{}", 1, requested_ns=0)
    with pytest.raises(IllegalTransitionError):
        other.transition(CallState.SUCCEEDED, 1)


def test_round_trip_results_audit_and_errors() -> None:
    clock = VirtualClock()
    results: list[ExternalContextEvent] = []

    async def sink(ev: ExternalContextEvent) -> None:
        results.append(ev)

    async def main() -> SkillExecutor:
        ex = SkillExecutor(make_registry(), clock=clock, on_result=sink)
        await ex.submit(req("a", "weather", '{"city": "Oslo", "days": 2}'))
        await ex.submit(req("b", "order", {"item": "tea"}))
        await ex.submit(req("c", "weather", '{"days": 2}'))  # invalid: no city
        await ex.submit(req("d", "nope", "{}"))
        await ex.submit(req("e", "slow", {"seconds": 5}))
        await ex.submit(req("f", "boom", {}))
        await ex.wait_idle()
        return ex

    t0 = clock.now_ns()
    ex = run_virtual(main(), clock=clock)
    by_id = {ev.call_id: ev.payload for ev in results}
    assert by_id["a"] == {
        "name": "weather",
        "ok": True,
        "result": {"city": "Oslo", "days": 2, "temp_c": 21},
    }
    assert by_id["b"]["result"] == {"item": "TEA", "qty": 1}
    assert not by_id["c"]["ok"]
    assert "city" in by_id["c"]["error"]
    assert "unknown skill 'nope'" in by_id["d"]["error"]
    assert by_id["e"]["error"] == "slow timed out after 1 s"
    assert by_id["f"]["error"] == "boom failed: RuntimeError: kaput"
    states = {c.call_id: c.state for c in ex.calls}
    assert states == {
        "a": CallState.SUCCEEDED,
        "b": CallState.SUCCEEDED,
        "c": CallState.REJECTED,
        "d": CallState.REJECTED,
        "e": CallState.TIMED_OUT,
        "f": CallState.FAILED,
    }
    kinds_a = [e.kind for e in ex.audit if e.call_id == "a"]
    assert kinds_a == ["requested", "validated", "started", "succeeded"]
    done_a = next(e for e in ex.audit if e.call_id == "a" and e.kind == "succeeded")
    assert done_a.duration_ns == 500_000_000
    assert done_a.run_ns == 500_000_000
    # Virtual time: the 1 s timeout took 1 s of virtual time, not of wall time.
    assert clock.now_ns() - t0 == 1_000_000_000


def test_cancel_generation_never_starts_queued_or_late_calls() -> None:
    ran: list[str] = []
    reg = SkillRegistry()

    @reg.skill()
    async def work(tag: str) -> str:
        ran.append(tag)
        await asyncio.sleep(1.0)
        return tag

    async def main() -> SkillExecutor:
        ex = SkillExecutor(reg, max_concurrency=1)
        await ex.submit(req("g1a", "work", {"tag": "g1a"}, gen=1))
        await ex.submit(req("g2a", "work", {"tag": "g2a"}, gen=2))  # queued behind g1a
        await ex.submit(req("g2b", "work", {"tag": "g2b"}, gen=2))
        await asyncio.sleep(0.1)
        cancelled = ex.cancel_generation(2)
        assert {c.call_id for c in cancelled} == {"g2a", "g2b"}
        await ex.submit(req("g2c", "work", {"tag": "g2c"}, gen=2))  # arrives late
        await ex.submit(req("g3a", "work", {"tag": "g3a"}, gen=3))
        await ex.wait_idle()
        return ex

    ex = run_virtual(main())
    assert ran == ["g1a", "g3a"]
    states = {c.call_id: c.state for c in ex.calls}
    assert states["g2a"] is states["g2b"] is states["g2c"] is CallState.CANCELLED
    assert [r.call_id for r in ex.results] == ["g1a", "g3a"]


def test_cancel_running_and_scheduled_but_not_started() -> None:
    ran: list[str] = []
    reg = SkillRegistry()

    @reg.skill()
    async def work(tag: str) -> str:
        ran.append(tag)
        await asyncio.sleep(1.0)
        return tag

    async def main() -> SkillExecutor:
        ex = SkillExecutor(reg)
        await ex.submit(req("run", "work", {"tag": "run"}, gen=1))
        await asyncio.sleep(0.2)
        await ex.submit(req("sched", "work", {"tag": "sched"}, gen=1))
        ex.cancel_generation(1)  # same tick: "sched" has a task that has not started
        await ex.wait_idle()
        return ex

    ex = run_virtual(main())
    assert ran == ["run"]
    assert all(c.state is CallState.CANCELLED for c in ex.calls)
    assert ex.results == []
    run_call = ex.calls[0]
    assert run_call.history == [CallState.REQUESTED, CallState.RUNNING, CallState.CANCELLED]


def test_sync_skill_runs_in_thread_and_times_out_on_wall_time() -> None:
    reg = SkillRegistry()

    @reg.skill(timeout_s=0.05)
    def blocking(seconds: float) -> str:
        time.sleep(seconds)
        return "ok"

    @reg.skill()
    def add(a: int, b: int) -> int:
        return a + b

    async def main() -> SkillExecutor:
        ex = SkillExecutor(reg)
        await ex.submit(req("s", "blocking", {"seconds": 0.3}))
        await ex.submit(req("t", "add", {"a": 2, "b": 3}))
        await ex.wait_idle()
        return ex

    ex = run_virtual(main())
    by_id = {c.call_id: c for c in ex.calls}
    assert by_id["s"].state is CallState.TIMED_OUT
    assert by_id["t"].state is CallState.SUCCEEDED
    assert by_id["t"].result == 5


def test_literal_arguments_from_signature() -> None:
    reg = SkillRegistry()

    @reg.skill()
    def unit(u: Literal["c", "f"] = "c") -> str:
        return u

    assert reg.get("unit").validate({}).u == "c"
    with pytest.raises(SkillArgumentError, match="u"):
        reg.get("unit").validate({"u": "k"})
