"""Fair turns for the CPU-bound steps of concurrent hooks (tail latency, issue 7).

A hook costs a few milliseconds of pure CPU (parsing a ~100 kB body, the assessment).
Under load, asyncio runs every callback that became ready in one event-loop iteration
before it polls the sockets again: when ten hooks finish reading their bodies in the same
iteration, that iteration computes all ten (~50 ms) while the other connections' bodies
sit unread, and a request whose body needs several reads can wait through several such
iterations. Measured with ``bench/run_bench.py`` and a bare FastAPI app that burns 5 ms per
request: p50 ~110 ms, p99 350-640 ms, max ~1 s at 16 connections.

``CpuTurns.turn()`` lets one CPU step run per iteration, in arrival order (``asyncio.Lock``
wakes its waiters first in, first out), and holds the turn across one more iteration
(``asyncio.sleep(0)``) so the sockets are read between two steps. Same throughput; the
same bare app then measured p99 163-189 ms, max 170-240 ms. Never hold a turn across
network I/O (a FHIR search): that would serialise the waits, not just the CPU work.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class CpuTurns:
    """One CPU-bound step at a time, first come first served, sockets read in between."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a lock serves one event loop (tests run several)
            self._lock, self._loop = asyncio.Lock(), loop
        assert self._lock is not None
        async with self._lock:
            try:
                yield
            finally:
                await asyncio.sleep(0)  # keep the turn for one iteration: I/O runs first
