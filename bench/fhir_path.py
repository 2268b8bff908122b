"""The FHIR path, for records of growing length: ``python bench/fhir_path.py``.

For each scenario, ``bench/fhir_stub.py`` (core 1) serves one patient with a fixed delay
per request and a fresh ``ln-cds serve`` (one worker, core 0) answers N sequential hooks:

* ``bench``: the patient of ``make_hook.build_patient`` (one year, weekly labs, an order
  by ``medicationReference``), no prefetch: the service's own searches;
* ``<N>y``: ``long_record.build_long_patient`` over N years (eight drugs and ten
  analytes monthly), ``fetch`` (no prefetch) and ``prefetch`` (each template's first
  page, as an EHR that pages its prefetch; the service continues through the stub
  until the look-back is covered).

Printed per scenario: the record's size, the hook body, FHIR requests per hook, the
critical path (from the stub's counters: the longest search's pages; Medication reads
add a round trip after the searches, none when they go out alongside the further pages
of a prefetch; times the delay), median and p90 hook latency, their
ratio to the critical path, the median with a zero-delay stub (the service's own time on
this path) and the server's peak RSS (``VmHWM``). Ratios are from one run on a shared
machine: compare rows of the same run, never across runs. Needs ``taskset``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from make_hook import PATIENT_ID, SERVICE_ID  # noqa: E402  (script directory import)
from run_bench import HOST, LOAD_CORE, PORTS, _start, running  # noqa: E402

from cds_service.bundle_search import resolve_tokens  # noqa: E402
from cds_service.service_definition import build_service  # noqa: E402

STUB = f"http://{HOST}:{PORTS['stub']}"


@dataclass(frozen=True)
class Scenario:
    name: str
    years: int | None  # None: the one-year bench patient of make_hook
    prefetch: bool


def _stub(years: int | None, delay_ms: float, today: str, log: Path) -> subprocess.Popen[bytes]:
    argv = [sys.executable, str(BENCH / "fhir_stub.py"), "--port", str(PORTS["stub"])]
    argv += ["--delay-ms", str(delay_ms), "--today", today]
    if years is not None:
        argv += ["--years", str(years)]
    process = subprocess.Popen(
        ["taskset", "-c", LOAD_CORE, *argv], stdout=subprocess.DEVNULL, stderr=log.open("wb")
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{STUB}/_stats", timeout=1).raise_for_status()
            return process
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the FHIR stub did not start")


def _body(prefetch: bool, client: httpx.Client) -> bytes:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "5f0c7b4e-2f1a-4a8e-9a57-2c1f1a0b9e01",
        "fhirServer": f"{STUB}/fhir",
        "context": {"userId": "Practitioner/bench-neph", "patientId": PATIENT_ID},
    }
    if prefetch:
        context = {"patientId": PATIENT_ID, "userId": "Practitioner/bench-neph"}
        body["prefetch"] = {
            key: client.get(f"{STUB}/fhir/{resolve_tokens(template, context, context['userId'])}")
            .raise_for_status()
            .json()
            for key, template in build_service().prefetch.items()
        }
    return orjson.dumps(body)


def _hooks(client: httpx.Client, url: str, body: bytes, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.post(url, content=body, headers={"Content-Type": "application/json"})
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return times


def run(scenario: Scenario, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    today = datetime.now(UTC).date().isoformat()
    env = {
        **os.environ,
        "LNCDS_REQUIRE_JWT": "false",
        "LNCDS_DATABASE_URL": f"sqlite:///{work / f'{scenario.name}.sqlite3'}",
        "LNCDS_FHIR_SERVER_ALLOWLIST": f"{STUB}/fhir",
    }
    argv = [str(Path(sys.executable).parent / "ln-cds"), "serve", "--host", HOST]
    argv += ["--port", str(PORTS["ln-cds"])]
    stub = _stub(scenario.years, args.delay_ms, today, work / "stub.log")
    try:
        service = _start("ln-cds", argv, "/readyz", env, work / f"{scenario.name}.log")
        with running([service]), httpx.Client(timeout=30) as client:
            body = _body(scenario.prefetch, client)
            url = f"{service.url}/cds-services/{SERVICE_ID}"
            _hooks(client, url, body, 3)  # warm-up: pools, the CapabilityStatement
            client.get(f"{STUB}/_stats")
            latencies = _hooks(client, url, body, args.hooks)
            stats: dict[str, Any] = client.get(f"{STUB}/_stats").json()
            client.get(f"{STUB}/_delay/0")
            own = _hooks(client, url, body, args.hooks)
            rss = service.peak_rss_mb()
    finally:
        stub.terminate()
        stub.wait(timeout=10)
    pages = round(
        max((n for k, n in stats.items() if k.startswith("search:")), default=0) / args.hooks
    )
    reads = stats.get("read:Medication", 0)
    # with prefetch, the Medications named by the prefetched pages are read alongside the
    # further pages; without it, a Medication read would follow the searches
    if scenario.prefetch:
        round_trips = max(pages, 1 if reads else 0)
    else:
        round_trips = pages + (1 if reads else 0)
    critical = round_trips * args.delay_ms
    median = statistics.median(latencies)
    return {
        "body_kb": len(body) / 1000,
        "requests": stats.get("requests", 0) / args.hooks,
        "round_trips": round_trips,
        "critical_ms": critical,
        "median_ms": median,
        "p90_ms": statistics.quantiles(latencies, n=10)[-1],
        "ratio": median / critical if critical else float("nan"),
        "own_ms": statistics.median(own),
        "rss_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--hooks", type=int, default=40)
    parser.add_argument("--years", type=int, nargs="*", default=[1, 5, 15])
    args = parser.parse_args()
    scenarios = [Scenario("bench", None, False)]
    for years in args.years:
        scenarios += [Scenario(f"{years}y-fetch", years, False)]
        scenarios += [Scenario(f"{years}y-prefetch", years, True)]
    work = Path(tempfile.mkdtemp(prefix="ln-cds-fhir-path-"))
    print(f"{args.hooks} sequential hooks per scenario, {args.delay_ms:.0f} ms per FHIR request")
    print(
        "| scenario | body kB | FHIR requests/hook | critical path | median ms | p90 ms "
        "| median / critical | zero-delay median ms | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for scenario in scenarios:
        found = run(scenario, args, work)
        print(
            f"| {scenario.name} | {found['body_kb']:.0f} | {found['requests']:.0f} | "
            f"{found['round_trips']} x {args.delay_ms:.0f} ms | {found['median_ms']:.1f} | "
            f"{found['p90_ms']:.1f} | {found['ratio']:.2f} | {found['own_ms']:.1f} | "
            f"{found['rss_mb']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
