"""Fair turns for the CPU-bound work of concurrent hooks (tail latency).

A hook costs a few milliseconds of pure CPU (parsing a ~100 kB body, the assessment).
Under load, asyncio runs every callback that became ready in one event-loop iteration
before it polls the sockets again: when ten hooks finish reading their bodies in the same
iteration, that iteration computes all ten (~50 ms) while the other connections' bodies
sit unread, and a request whose body needs several reads can wait through several such
iterations. Measured with ``bench/run_bench.py``'s load and a bare FastAPI app that burns
5 ms per request: p50 ~110 ms, p99 350-640 ms, max ~1 s at 16 connections.

``CpuTurns.turn()`` lets one hook compute per iteration, in arrival order
(``asyncio.Lock`` wakes its waiters first in, first out), and holds the turn across one
more iteration (``asyncio.sleep(0)``) so the sockets are read between two hooks. Same
throughput; the same bare app then measured p99 163-189 ms, max 170-240 ms.

A hook keeps its turn from parsing to its answer, so a parsed body never waits in a
queue (waiting bodies survive young collections and make the older ones expensive);
``Turn.released()`` gives the turn away while the hook waits for the network (FHIR
searches), so waits overlap and only the CPU work is serialised.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Turn:
    """A held turn; ``released()`` lends it out for the duration of a network wait."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock
        self._held = False

    async def _acquire(self) -> None:
        await self._lock.acquire()
        self._held = True

    def _release(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()

    @asynccontextmanager
    async def released(self) -> AsyncIterator[None]:
        """Give the turn away while the block waits on I/O; queue for it again after."""
        self._release()
        try:
            yield
        finally:
            await self._acquire()


class CpuTurns:
    """One hook computing at a time, first come first served, sockets read in between."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[Turn]:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:  # a lock serves one event loop
            self._lock, self._loop = asyncio.Lock(), loop
        turn = Turn(self._lock)
        await turn._acquire()
        try:
            yield turn
        finally:
            try:
                if turn._held:
                    await asyncio.sleep(0)  # keep the turn one iteration: sockets first
            finally:
                turn._release()
