"""CPU turns: one hook computing per event-loop iteration, in arrival order, I/O in between;
the turn is lent out during network waits."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from cds_service.cpu_turns import CpuTurns

pytestmark = pytest.mark.anyio

#: Only stops a deadlocked test; no correct run comes near it, however busy the machine.
HANG_GUARD_SECONDS = 300


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
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            async with turns.turn():
                pass

    async def test_released_turn_lets_another_hook_compute(self) -> None:
        """While one hook waits for the network in released(), another takes the turn."""
        turns = CpuTurns()
        other_ran = asyncio.Event()
        order: list[str] = []

        async def waiting_on_io() -> None:
            async with turns.turn() as turn:
                order.append("a: parse")
                async with turn.released():
                    await other_ran.wait()  # the "network": answered only if b gets a turn
                order.append("a: assess")

        async def computing() -> None:
            await asyncio.sleep(0)
            async with turns.turn():
                order.append("b")
                other_ran.set()

        async with asyncio.timeout(HANG_GUARD_SECONDS):
            await asyncio.gather(waiting_on_io(), computing())
        assert order == ["a: parse", "b", "a: assess"]

    async def test_error_during_io_gives_the_turn_back(self) -> None:
        """An error raised while the turn is lent out still ends with the turn free."""
        turns = CpuTurns()
        with pytest.raises(ConnectionError):
            async with turns.turn() as turn, turn.released():
                raise ConnectionError
        async with asyncio.timeout(HANG_GUARD_SECONDS), turns.turn():
            pass

    async def test_cancelled_while_queueing_again_leaves_the_turn_free(self) -> None:
        """A hook cancelled (deadline) while queueing for its turn after I/O frees nothing
        it does not hold, and the turn stays usable."""
        turns = CpuTurns()
        holder_in = asyncio.Event()
        holder_go = asyncio.Event()

        async def holder() -> None:
            async with turns.turn():
                holder_in.set()
                await holder_go.wait()

        async def late() -> None:
            async with turns.turn() as turn:
                async with turn.released():
                    await holder_in.wait()  # the holder takes the turn meanwhile
                raise AssertionError("not reached: cancelled while queueing")

        hold = asyncio.create_task(holder())
        queued = asyncio.create_task(late())
        await holder_in.wait()
        for _ in range(10):  # loop turns, not time: late leaves released() and queues
            await asyncio.sleep(0)
        assert not queued.done()
        queued.cancel()  # what the hook deadline does
        with pytest.raises(asyncio.CancelledError):
            await queued
        holder_go.set()
        await hold
        async with asyncio.timeout(HANG_GUARD_SECONDS), turns.turn():
            pass

    def test_usable_from_several_event_loops(self) -> None:
        """One CpuTurns serves successive event loops (each gets its own lock)."""
        turns = CpuTurns()
        for _ in range(2):
            events: list[str] = []
            asyncio.run(_steps(turns, ["a", "b"], events))
            assert _cpu_only(events) == ["a", "b"]
