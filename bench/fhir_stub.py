"""A tiny FHIR R4 read/search server for the benchmark: one patient, a fixed delay.

Serves a ``make_hook.BenchPatient`` (the one-year patient of ``make_hook.build_patient``,
or a long record of ``long_record.build_long_patient`` with ``--years``) under ``/fhir``:
``GET metadata`` (a CapabilityStatement naming the types, their date parameters and
``_include``), ``GET Patient/<id>``, ``GET Medication/<id>`` and type searches
(``?patient=...``) for the types of the service's prefetch keys, as searchset Bundles:

* newest first on the type's date parameter (``cds_service.search_params``: the stub
  keeps each type sorted, so ``_sort`` costs nothing), from ``<date parameter>=ge<day>``
  on when the search names one;
* paged by ``_count`` (``link[next]`` with ``_offset``);
* with the page's referenced Medications when ``_include=<Type>:medication`` is asked.

Other parameters (``code``) are not applied: the patient holds only the codes the
service asks for. Every answer waits ``--delay-ms`` first (asyncio, so concurrent
requests overlap as on a real server). Plain asyncio streams with HTTP/1.1 keep-alive:
no framework, and the searches are precomputed lists, so the delay is the only cost
worth measuring.

``GET /_stats`` returns (and resets) what was asked since the last call: request
count, reads and searches per resource type (a continued search counts once per page).
``run_bench.py`` derives the critical path from it. ``GET /_delay/<ms>`` changes the
delay (0 gives the service's own overhead on this path).

Usage: ``python bench/fhir_stub.py --port 8790 --delay-ms 50 --today YYYY-MM-DD
[--years N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_hook import BenchPatient, build_patient  # (script directory import)

from cds_service.search_params import DATE_PARAMS, date_span

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
    "MedicationStatement": "medicationStatements",
    "Procedure": "procedures",
}


def _newest_first(rtype: str, resources: list[Json]) -> list[tuple[str, Json]]:
    """(last day, resource) pairs, newest first; undated last (as servers sort them)."""
    param = DATE_PARAMS.get(rtype)
    dated: list[tuple[str, Json]] = []
    undated: list[tuple[str, Json]] = []
    for resource in resources:
        span = date_span(resource, param) if param is not None else None
        if span is None:
            undated.append(("", resource))
        else:
            dated.append((span[1], resource))
    dated.sort(key=lambda item: item[0], reverse=True)
    return dated + undated


def capability_statement() -> Json:
    resources = [{"type": "Patient", "interaction": [{"code": "read"}]}]
    resources.append({"type": "Medication", "interaction": [{"code": "read"}]})
    for rtype in KEY_BY_TYPE:
        entry: Json = {
            "type": rtype,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [{"name": "patient", "type": "reference"}],
        }
        param = DATE_PARAMS.get(rtype)
        if param is not None:
            entry["searchParam"].append({"name": param.name, "type": "date"})
        if rtype.startswith("Medication"):
            entry["searchInclude"] = [f"{rtype}:medication"]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [{"mode": "server", "resource": resources}],
    }


class Stub:
    def __init__(self, data: BenchPatient, delay: float, origin: str) -> None:
        self.data = data
        self.delay = delay
        self.origin = origin
        self.medications = {m["id"]: m for m in data.medications}
        self.sorted = {
            rtype: _newest_first(rtype, data.by_key.get(key, []))
            for rtype, key in KEY_BY_TYPE.items()
        }
        self.stats: Counter[str] = Counter()

    def answer(self, target: str) -> tuple[int, Json]:
        url = urlsplit(target)
        path = url.path.removeprefix(BASE_PATH).strip("/")
        rtype, _, rid = path.partition("/")
        self.stats["requests"] += 1
        if path == "metadata":
            return 200, capability_statement()
        if rid:
            self.stats[f"read:{rtype}"] += 1
            if rtype == "Patient" and rid == self.data.patient["id"]:
                return 200, self.data.patient
            if rtype == "Medication" and rid in self.medications:
                return 200, self.medications[rid]
            return 404, {"resourceType": "OperationOutcome", "issue": []}
        items = self.sorted.get(rtype)
        if items is None:
            return 404, {"resourceType": "OperationOutcome", "issue": []}
        self.stats[f"search:{rtype}"] += 1
        params = parse_qsl(url.query)
        query = dict(params)
        count = int(query.get("_count", DEFAULT_PAGE))
        offset = int(query.get("_offset", "0"))
        param = DATE_PARAMS.get(rtype)
        bound = query.get(param.name, "") if param is not None else ""
        if bound.startswith("ge"):
            first = bound[2:12]
            items = [item for item in items if item[0] >= first]
        page = [resource for _, resource in items[offset : offset + count]]
        entries = [{"resource": r, "search": {"mode": "match"}} for r in page]
        if query.get("_include") == f"{rtype}:medication":
            entries += [
                {"resource": medication, "search": {"mode": "include"}}
                for medication in self._medications_of(page)
            ]
        bundle: Json = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(items),
            "entry": entries,
        }
        if offset + count < len(items):
            rest = [(k, v) for k, v in params if k != "_offset"] + [
                ("_offset", str(offset + count))
            ]
            bundle["link"] = [
                {"relation": "next", "url": f"{self.origin}{BASE_PATH}/{rtype}?{urlencode(rest)}"}
            ]
        return 200, bundle

    def _medications_of(self, page: list[Json]) -> list[Json]:
        wanted: dict[str, Json] = {}
        for resource in page:
            reference = resource.get("medicationReference", {}).get("reference", "")
            mid = reference.removeprefix("Medication/")
            if mid in self.medications:
                wanted[mid] = self.medications[mid]
        return list(wanted.values())

    def take_stats(self) -> Json:
        out: Json = dict(self.stats)
        self.stats.clear()
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


def load_patient(today: date, years: int | None) -> BenchPatient:
    if years is None:
        return build_patient(today)
    from long_record import build_long_patient  # (script directory import)

    return build_long_patient(today, years)


async def serve(port: int, delay_ms: float, today: date, years: int | None) -> None:
    stub = Stub(load_patient(today, years), delay_ms / 1000, f"http://127.0.0.1:{port}")
    server = await asyncio.start_server(stub.handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description="FHIR stub with a fixed delay")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--today", type=date.fromisoformat, required=True)
    parser.add_argument("--years", type=int, help="serve a long record of this many years")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.delay_ms, args.today, args.years))


if __name__ == "__main__":
    main()
