"""The ln-cds benchmark, in one command: ``python bench/run_bench.py``.

Scenario 1 (prefetch path): ``ln-cds serve`` (one worker) and the ceiling app
(``bench/ceiling_app.py``, same uvicorn settings) both run pinned to core 0; ``wrk``
(16 connections, one thread, ``bench/hook.lua``) pinned to core 1 drives them in
alternating rounds with the same ~120 KB ``patient-view`` body (``bench/make_hook.py``).
Printed per server: requests/s (mean of rounds), p50 and p99 (median of rounds, and the
worst p99), peak RSS (``VmHWM`` of the server process), and the ratios ln-cds/ceiling.

Scenario 2 (FHIR path): the same patient with no prefetch, served by
``bench/fhir_stub.py`` with a fixed delay per request (core 1); N sequential hooks.
Printed: median and p90 hook latency, the critical path (longest chain of sequential
FHIR round trips the service needed, from the stub's counters, times the delay) and
their ratio.

Also: start-up to ready (``GET /readyz`` answering 200) of ``ln-cds serve``.
``--profile FILE`` adds one py-spy round on the service and prints its top frames.
Needs ``wrk`` and ``taskset`` (Debian: ``apt-get install -y wrk util-linux``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from make_hook import SERVICE_ID, hook_bytes  # noqa: E402  (script directory import)

SERVER_CORE, LOAD_CORE = "0", "1"
HOST = "127.0.0.1"
PORTS = {"ceiling": 8781, "ln-cds": 8782, "stub": 8790}
READY_TIMEOUT_S = 20.0

#: Performance targets (docs/performance.md).
TARGET_THROUGHPUT_RATIO = 0.5
TARGET_P99_MS = 100.0
TARGET_FHIR_RATIO = 1.3
TARGET_RSS_MB = 150.0
TARGET_STARTUP_S = 2.0

CEILING_CODE = (
    "import uvicorn; uvicorn.run('ceiling_app:app', host={host!r}, port={port}, workers=1,"
    " log_config=None, proxy_headers=True)"
)


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    startup_s: float

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmHWM not found")


def service_env(work: Path) -> dict[str, str]:
    """The environment ln-cds is served with: no client JWT, the card log in ``work``, the
    FHIR stub allow-listed."""
    return {
        **os.environ,
        "LNCDS_REQUIRE_JWT": "false",
        "LNCDS_DATABASE_URL": f"sqlite:///{work / 'feedback.sqlite3'}",
        "LNCDS_FHIR_SERVER_ALLOWLIST": f"http://{HOST}:{PORTS['stub']}/fhir",
    }


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=0.5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{url} not ready in {READY_TIMEOUT_S} s")


def _start(
    name: str,
    argv: Sequence[str],
    ready_path: str,
    env: dict[str, str],
    log: Path,
    port: int | None = None,
) -> Server:
    """``argv`` started on the server core, once ``ready_path`` answers 200 on ``port``
    (``PORTS[name]`` unless given)."""
    port = PORTS[name] if port is None else port
    started = time.monotonic()
    process = subprocess.Popen(
        ["taskset", "-c", SERVER_CORE, *argv],
        env=env,
        cwd=BENCH,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    _wait_ready(f"http://{HOST}:{port}{ready_path}", process)
    return Server(name, process, f"http://{HOST}:{port}", time.monotonic() - started)


@contextmanager
def running(servers: list[Server]) -> Iterator[None]:
    try:
        yield
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()


def wrk(url: str, body_file: Path, seconds: int, connections: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            "taskset",
            "-c",
            LOAD_CORE,
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "-s",
            str(BENCH / "hook.lua"),
            f"{url}/cds-services/{SERVICE_ID}",
            "--",
            str(body_file),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


@dataclass
class LoadSummary:
    rps: float
    p50_ms: float
    p99_ms: float
    worst_p99_ms: float
    requests: int
    errors: int


def summarise(rounds: list[dict[str, Any]]) -> LoadSummary:
    return LoadSummary(
        rps=statistics.mean(r["rps"] for r in rounds),
        p50_ms=statistics.median(r["p50_ms"] for r in rounds),
        p99_ms=statistics.median(r["p99_ms"] for r in rounds),
        worst_p99_ms=max(r["p99_ms"] for r in rounds),
        requests=sum(r["requests"] for r in rounds),
        errors=sum(r["errors"] for r in rounds),
    )


def fhir_scenario(service: Server, body: bytes, hooks: int, delay_ms: float) -> dict[str, Any]:
    stub_url = f"http://{HOST}:{PORTS['stub']}"
    url = f"{service.url}/cds-services/{SERVICE_ID}"
    headers = {"Content-Type": "application/json"}
    with httpx.Client(timeout=10) as client:
        for _ in range(3):  # warm-up: connection pools on both sides
            client.post(url, content=body, headers=headers).raise_for_status()
        client.get(f"{stub_url}/_stats")
        latencies, cards = [], 0
        for _ in range(hooks):
            started = time.perf_counter()
            response = client.post(url, content=body, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            cards = len(response.json()["cards"])
        stats: dict[str, Any] = client.get(f"{stub_url}/_stats").json()
        # the same hooks against a zero-delay server: the service's own time on this path
        client.get(f"{stub_url}/_delay/0")
        own = []
        for _ in range(hooks):
            started = time.perf_counter()
            client.post(url, content=body, headers=headers).raise_for_status()
            own.append((time.perf_counter() - started) * 1000)
        client.get(f"{stub_url}/_delay/{delay_ms}")
    medication_reads = stats.get("read:Medication", 0)
    # searches (and the Patient read) run concurrently, each search's pages one after the
    # other: one round trip per page of the longest search; Medication reads need the
    # searches' answers: one more round trip (none when _include brought them).
    pages = max((n for name, n in stats.items() if name.startswith("search:")), default=0)
    round_trips = round(pages / hooks) + (1 if medication_reads else 0)
    critical_ms = round_trips * delay_ms
    median = statistics.median(latencies)
    return {
        "hooks": hooks,
        "cards": cards,
        "requests_per_hook": stats["requests"] / hooks,
        "round_trips": round_trips,
        "critical_ms": critical_ms,
        "median_ms": median,
        "p90_ms": statistics.quantiles(latencies, n=10)[-1],
        "ratio": median / critical_ms,
        "zero_delay_median_ms": statistics.median(own),
    }


def profile(
    service: Server, body_file: Path, seconds: int, out: Path
) -> list[tuple[str, float, float]]:
    """py-spy over one load round; (frame, self %, total %) of the top frames."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    recorder = subprocess.Popen(
        [
            spy,
            "record",
            "-p",
            str(service.process.pid),
            "-d",
            str(seconds),
            "-r",
            "200",
            "-f",
            "raw",
            "-o",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(0.5)
    wrk(service.url, body_file, seconds, 16)
    recorder.wait(timeout=seconds + 30)
    if not out.exists():
        raise RuntimeError("py-spy wrote no profile (ptrace not permitted?)")
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [_function_of(frame) for frame in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    return [
        (frame, 100 * own[frame] / total, 100 * inclusive[frame] / total)
        for frame, _ in own.most_common(20)
    ] + [
        ("(inclusive) " + frame, 100 * own[frame] / total, 100 * share / total)
        for frame, share in inclusive.most_common()
        if frame in _WATCHED
    ]


#: Functions whose inclusive share the profile summary always shows.
_WATCHED = frozenset(
    {
        "call_hook (cds_service/routes/hooks.py)",
        "_answer (cds_service/routes/hooks.py)",
        "parse_hook_request (cds_service/hook_models.py)",
        "gather (cds_service/prefetch.py)",
        "assess (fhir_mappings/pipeline.py)",
        "map_observations (fhir_mappings/read/observations.py)",
        "estimate_adherence (fhir_mappings/read/adherence.py)",
        "render_cards (cds_service/cards.py)",
        "validate_resource (cds_service/suggestions.py)",
        "remember_cards (cds_service/feedback_store.py)",
        "FeedbackStore.remember_cards (cds_service/feedback_store.py)",
    }
)


def _function_of(frame: str) -> str:
    """``name (path:line)`` -> ``name (path)``: samples summed per function."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def _row(label: str, value: str, target: str, met: bool | None) -> str:
    mark = "" if met is None else ("met" if met else "MISSED")
    return f"| {label} | {value} | {target} | {mark} |"


def main() -> None:
    parser = argparse.ArgumentParser(description="ln-cds benchmark")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--hooks", type=int, default=40)
    parser.add_argument("--startups", type=int, default=3, help="extra cold starts timed")
    parser.add_argument("--profile", type=Path, help="also record a py-spy profile here")
    args = parser.parse_args()

    today = datetime.now(UTC).date()
    work = Path(tempfile.mkdtemp(prefix="ln-cds-bench-"))
    body_file = work / "hook.json"
    body_file.write_bytes(hook_bytes(today))
    no_prefetch = hook_bytes(
        today, prefetch=False, fhir_server=f"http://{HOST}:{PORTS['stub']}/fhir"
    )
    python = sys.executable
    bin_dir = Path(python).parent
    env = service_env(work)
    print(
        f"body {body_file.stat().st_size / 1000:.1f} kB; work dir {work}",
        flush=True,
    )

    serve_argv = [
        str(bin_dir / "ln-cds"),
        *("serve", "--host", HOST, "--port", str(PORTS["ln-cds"])),
    ]
    startups = []
    for _ in range(args.startups):  # cold starts, stopped again at once
        probe = _start("ln-cds", serve_argv, "/readyz", env, work / "ln-cds-start.log")
        startups.append(probe.startup_s)
        with running([probe]):
            pass
    stub = subprocess.Popen(
        [
            "taskset",
            "-c",
            LOAD_CORE,
            python,
            str(BENCH / "fhir_stub.py"),
            "--port",
            str(PORTS["stub"]),
            "--delay-ms",
            str(args.delay_ms),
            "--today",
            today.isoformat(),
        ],
        stdout=subprocess.DEVNULL,
        stderr=(work / "stub.log").open("wb"),
    )
    ln_cds = _start("ln-cds", serve_argv, "/readyz", env, work / "ln-cds.log")
    startups.append(ln_cds.startup_s)
    startup = statistics.median(startups)
    ceiling = _start(
        "ceiling",
        [python, "-c", CEILING_CODE.format(host=HOST, port=PORTS["ceiling"])],
        "/healthz",
        env,
        work / "ceiling.log",
    )
    servers = [ln_cds, ceiling]
    try:
        with running(servers):
            check = httpx.post(
                f"{ln_cds.url}/cds-services/{SERVICE_ID}",
                content=body_file.read_bytes(),
                headers={"Content-Type": "application/json"},
                timeout=10,
            )
            check.raise_for_status()
            print(f"ln-cds answers {len(check.json()['cards'])} cards", flush=True)
            for server in servers:  # warm-up
                wrk(server.url, body_file, 2, args.connections)
            rounds: dict[str, list[dict[str, Any]]] = {"ceiling": [], "ln-cds": []}
            for number in range(args.rounds):
                for server in (ceiling, ln_cds):
                    result = wrk(server.url, body_file, args.seconds, args.connections)
                    rounds[server.name].append(result)
                    print(f"round {number + 1} {server.name}: {result}", flush=True)
            fhir = fhir_scenario(ln_cds, no_prefetch, args.hooks, args.delay_ms)
            top = (
                profile(ln_cds, body_file, args.seconds, args.profile)
                if args.profile is not None
                else []
            )
            rss = {server.name: server.peak_rss_mb() for server in servers}
    finally:
        stub.terminate()
        stub.wait(timeout=10)

    load = {name: summarise(items) for name, items in rounds.items()}
    svc, ceil = load["ln-cds"], load["ceiling"]
    ratio = svc.rps / ceil.rps
    print()
    print(
        f"Prefetch path: {args.rounds} alternating rounds x {args.seconds} s, "
        f"{args.connections} connections, wrk on core {LOAD_CORE}, servers on core {SERVER_CORE}"
    )
    print(
        "| server | requests/s | p50 ms | p99 ms (median of rounds) | worst p99 ms"
        " | peak RSS MB | errors |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in ("ceiling", "ln-cds"):
        item = load[name]
        print(
            f"| {name} | {item.rps:.0f} | {item.p50_ms:.1f} | {item.p99_ms:.1f} | "
            f"{item.worst_p99_ms:.1f} | {rss[name]:.1f} | {item.errors} |"
        )
    print(
        f"| ln-cds / ceiling | {ratio:.2f} | {svc.p50_ms / ceil.p50_ms:.2f} | "
        f"{svc.p99_ms / ceil.p99_ms:.2f} | | {rss['ln-cds'] / rss['ceiling']:.2f} | |"
    )
    print()
    print(
        f"FHIR path: no prefetch, {args.delay_ms:.0f} ms per FHIR request, "
        f"{fhir['hooks']} sequential hooks, "
        f"{fhir['requests_per_hook']:.0f} FHIR requests per hook, "
        f"{fhir['cards']} cards"
    )
    print(
        f"critical path {fhir['round_trips']} round trips = {fhir['critical_ms']:.0f} ms; "
        f"median {fhir['median_ms']:.1f} ms, p90 {fhir['p90_ms']:.1f} ms, "
        f"ratio {fhir['ratio']:.2f}; with a zero-delay server: median "
        f"{fhir['zero_delay_median_ms']:.1f} ms"
    )
    print()
    print("| target | figure | goal | |")
    print("|---|---|---|---|")
    print(
        _row(
            "throughput ln-cds/ceiling",
            f"{ratio:.2f}",
            f">= {TARGET_THROUGHPUT_RATIO}",
            ratio >= TARGET_THROUGHPUT_RATIO,
        )
    )
    print(
        _row(
            "p99 at 16 connections",
            f"{svc.p99_ms:.1f} ms (worst {svc.worst_p99_ms:.1f})",
            f"< {TARGET_P99_MS:.0f} ms",
            svc.worst_p99_ms < TARGET_P99_MS,
        )
    )
    print(
        _row(
            "FHIR path median / critical path",
            f"{fhir['ratio']:.2f}",
            f"<= {TARGET_FHIR_RATIO}",
            fhir["ratio"] <= TARGET_FHIR_RATIO,
        )
    )
    print(
        _row(
            "peak RSS per worker",
            f"{rss['ln-cds']:.1f} MB",
            f"< {TARGET_RSS_MB:.0f} MB",
            rss["ln-cds"] < TARGET_RSS_MB,
        )
    )
    print(
        _row(
            "start-up to ready (median)",
            f"{startup:.2f} s (of {', '.join(f'{t:.2f}' for t in startups)})",
            f"< {TARGET_STARTUP_S:.0f} s",
            startup < TARGET_STARTUP_S,
        )
    )
    if top:
        print()
        print(f"py-spy profile of ln-cds under load ({args.profile}): top frames by own time")
        print("| own % | total % | frame |")
        print("|---|---|---|")
        for frame, own_pct, total_pct in top:
            print(f"| {own_pct:.1f} | {total_pct:.1f} | `{frame}` |")


if __name__ == "__main__":
    main()
