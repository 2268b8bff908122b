"""In-process timing of the hook path: steadier than ``run_bench.py`` on a shared box.

``python bench/inproc.py [--hooks 400] [--concurrency 16] [--no-tune] [--gen0 N]`` builds the
real app (``create_app``: JWT off, SQLite feedback store in a temporary directory),
runs its lifespan (``server_process=True`` unless ``--no-tune``: start-up tuning as in
``ln-cds serve``; ``--gen0 N`` tries another young-generation threshold),
sends the bench body (``make_hook.hook_bytes``) through ``httpx.ASGITransport`` with
``--concurrency`` hooks in flight, and prints CPU ms per hook (process time, all
threads: the card-log writer included), the share of wall time spent in garbage
collection (``gc.callbacks``) and collections per hook. Per-stage minimums (parse,
gather, assess, render) are ``bench/stages.py``'s job.
No HTTP server and no sockets: the figures are the service's own CPU, not uvicorn's.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from make_hook import SERVICE_ID, hook_bytes  # noqa: E402  (script directory import)

import cds_service.app  # noqa: E402
from cds_service.app import create_app  # noqa: E402
from cds_service.config import Settings  # noqa: E402


class GcTimer:
    """Wall time spent inside garbage collections (``gc.callbacks`` start/stop pairs)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._started = 0.0

    def __call__(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections += 1


async def drive(hooks: int, concurrency: int, work: Path, tune: bool) -> None:
    settings = Settings(
        require_jwt=False,
        database_url=f"sqlite:///{work / 'feedback.sqlite3'}",
        log_level="WARNING",
    )
    app = create_app(settings, server_process=tune)
    body = hook_bytes(datetime.now(UTC).date())
    timer = GcTimer()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            url = f"/cds-services/{SERVICE_ID}"
            headers = {"content-type": "application/json"}

            async def one() -> None:
                response = await client.post(url, content=body, headers=headers)
                assert response.status_code == 200, response.text

            for _ in range(20):  # warm-up outside the measurement
                await one()
            gc.callbacks.append(timer)
            semaphore = asyncio.Semaphore(concurrency)

            async def limited() -> None:
                async with semaphore:
                    await one()

            cpu, wall = time.process_time(), time.perf_counter()
            await asyncio.gather(*(limited() for _ in range(hooks)))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            gc.callbacks.remove(timer)
    print(
        f"{hooks} hooks, {concurrency} in flight: {cpu / hooks * 1000:.2f} ms CPU/hook, "
        f"{hooks / wall:.0f} hooks/s, GC {timer.seconds / wall * 100:.1f} % of wall "
        f"({timer.collections / hooks:.2f} collections/hook)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hooks", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--gen0", type=int, help="override GC_GEN0_THRESHOLD")
    parser.add_argument("--no-tune", action="store_true", help="server_process=False")
    args = parser.parse_args()
    if args.gen0 is not None:
        cds_service.app.GC_GEN0_THRESHOLD = args.gen0
        cds_service.app.tune_gc.__defaults__ = (args.gen0,)
    with tempfile.TemporaryDirectory(prefix="ln-cds-inproc-") as work:
        asyncio.run(drive(args.hooks, args.concurrency, Path(work), not args.no_tune))


if __name__ == "__main__":
    main()
