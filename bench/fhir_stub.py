"""A tiny FHIR R4 read/search server for the benchmark: one patient, a fixed delay.

Serves the patient built by ``make_hook.build_patient`` under ``/fhir``:
``GET Patient/<id>``, ``GET Medication/<id>`` and type searches (``?patient=...``) for
the types of the service's prefetch keys, as searchset Bundles paged by ``_count``
(``link[next]`` with ``_offset``). Every answer waits ``--delay-ms`` first (asyncio, so
concurrent requests overlap as on a real server). Plain asyncio streams with HTTP/1.1
keep-alive: no framework, so the delay is the only cost worth measuring.

``GET /_stats`` returns (and resets) what was asked since the last call: request
count, the deepest page fetched per search, Medication reads. ``run_bench.py`` derives
the critical path from it. ``GET /_delay/<ms>`` changes the delay (0 gives the
service's own overhead on this path).

Usage: ``python bench/fhir_stub.py --port 8790 --delay-ms 50 --today YYYY-MM-DD``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_hook import BenchPatient, build_patient  # (script directory import)

Json = dict[str, Any]
BASE_PATH = "/fhir"
DEFAULT_PAGE = 50  # page size when the search names no _count (servers choose their own)

#: Search resource type -> prefetch key holding its resources.
KEY_BY_TYPE: dict[str, str] = {
    "Condition": "conditions",
    "Observation": "observations",
    "MedicationRequest": "medicationRequests",
    "MedicationDispense": "medicationDispenses",
    "MedicationAdministration": "medicationAdministrations",
    "Procedure": "procedures",
}


class Stub:
    def __init__(self, data: BenchPatient, delay: float, origin: str) -> None:
        self.data = data
        self.delay = delay
        self.origin = origin
        self.medications = {m["id"]: m for m in data.medications}
        self.stats: Counter[str] = Counter()
        self.max_page = 0

    def answer(self, target: str) -> tuple[int, Json]:
        url = urlsplit(target)
        path = url.path.removeprefix(BASE_PATH).strip("/")
        rtype, _, rid = path.partition("/")
        self.stats["requests"] += 1
        if rid:
            self.stats[f"read:{rtype}"] += 1
            if rtype == "Patient" and rid == self.data.patient["id"]:
                return 200, self.data.patient
            if rtype == "Medication" and rid in self.medications:
                return 200, self.medications[rid]
            return 404, {"resourceType": "OperationOutcome", "issue": []}
        key = KEY_BY_TYPE.get(rtype)
        if key is None:
            return 404, {"resourceType": "OperationOutcome", "issue": []}
        self.stats[f"search:{rtype}"] += 1
        query = parse_qs(url.query)
        count = int(query.get("_count", [DEFAULT_PAGE])[0])
        offset = int(query.get("_offset", ["0"])[0])
        items = self.data.by_key[key]
        page = items[offset : offset + count]
        self.max_page = max(self.max_page, offset // max(count, 1) + 1)
        bundle: Json = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(items),
            "entry": [{"resource": r, "search": {"mode": "match"}} for r in page],
        }
        if offset + count < len(items):
            nxt = f"{self.origin}{BASE_PATH}/{rtype}?patient={self.data.patient['id']}"
            bundle["link"] = [
                {"relation": "next", "url": f"{nxt}&_count={count}&_offset={offset + count}"}
            ]
        return 200, bundle

    def take_stats(self) -> Json:
        out: Json = {**self.stats, "max_page": self.max_page}
        self.stats.clear()
        self.max_page = 0
        return out

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
                if target == "/_stats":
                    status, body = 200, self.take_stats()
                elif target.startswith("/_delay/"):
                    self.delay = float(target.removeprefix("/_delay/")) / 1000
                    status, body = 200, {"delay_ms": self.delay * 1000}
                else:
                    await asyncio.sleep(self.delay)
                    status, body = self.answer(target) if method == "GET" else (405, {})
                payload = orjson.dumps(body)
                writer.write(
                    f"HTTP/1.1 {status} X\r\ncontent-type: application/fhir+json\r\n"
                    f"content-length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def serve(port: int, delay_ms: float, today: date) -> None:
    stub = Stub(build_patient(today), delay_ms / 1000, f"http://127.0.0.1:{port}")
    server = await asyncio.start_server(stub.handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description="FHIR stub with a fixed delay")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--today", type=date.fromisoformat, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.delay_ms, args.today))


if __name__ == "__main__":
    main()
