"""CPU turns: one CPU step per event-loop iteration, in arrival order, I/O in between."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from cds_service.cpu_turns import CpuTurns

pytestmark = pytest.mark.anyio


async def _steps(turns: CpuTurns | None, names: list[str], events: list[str]) -> None:
    """Each name takes a CPU step (with turns when given); an I/O-like task ticks meanwhile."""
    stop = asyncio.Event()

    async def io_ticks() -> None:
        while not stop.is_set():
            events.append("io")
            await asyncio.sleep(0)

    async def step(name: str) -> None:
        if turns is None:
            events.append(name)
            return
        async with turns.turn():
            events.append(name)

    ticker = asyncio.create_task(io_ticks())
    await asyncio.sleep(0)
    await asyncio.gather(*(step(name) for name in names))
    stop.set()
    await ticker


def _cpu_only(events: list[str]) -> list[str]:
    return [event for event in events if event != "io"]


class TestCpuTurns:
    async def test_without_turns_steps_run_back_to_back(self) -> None:
        """Control: steps that became ready together run in one iteration, no I/O between."""
        events: list[str] = []
        await _steps(None, ["a", "b", "c"], events)
        start = events.index("a")
        assert events[start : start + 3] == ["a", "b", "c"]

    async def test_io_runs_between_two_steps(self) -> None:
        """With turns, the I/O task runs between any two CPU steps."""
        events: list[str] = []
        await _steps(CpuTurns(), ["a", "b", "c"], events)
        positions = [events.index(name) for name in ("a", "b", "c")]
        for first, second in itertools.pairwise(positions):
            assert "io" in events[first + 1 : second]

    async def test_steps_keep_arrival_order(self) -> None:
        """Turns are granted first come, first served."""
        events: list[str] = []
        names = [f"s{i}" for i in range(8)]
        await _steps(CpuTurns(), names, events)
        assert _cpu_only(events) == names

    async def test_an_error_in_a_step_releases_the_turn(self) -> None:
        """A step that raises gives the turn to the next one (no deadlock)."""
        turns = CpuTurns()
        with pytest.raises(ValueError, match="boom"):
            async with turns.turn():
                raise ValueError("boom")
        async with asyncio.timeout(1):
            async with turns.turn():
                pass

    def test_usable_from_several_event_loops(self) -> None:
        """One CpuTurns serves successive event loops (each gets its own lock)."""
        turns = CpuTurns()
        for _ in range(2):
            events: list[str] = []
            asyncio.run(_steps(turns, ["a", "b"], events))
            assert _cpu_only(events) == ["a", "b"]
