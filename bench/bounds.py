"""Upper bounds: what ln-cds would serve if a stage of the hook cost nothing, in one run.

``python bench/bounds.py`` serves ln-cds four ways, each as ``ln-cds serve`` (one worker,
pinned to core 0 like ``run_bench.py``'s servers), beside the ceiling app:

* ``as is``;
* ``reading replayed``: ``build_facts`` (the reading stage) runs for the first hook of a
  patient and evaluation day; later hooks get those same facts back;
* ``gathering and reading replayed``: the same for ``gather`` as well;
* ``gathering and assessment replayed``: gathering, reading and the rules all replayed.

A replayed stage costs one dictionary lookup. What each variant still spends per hook is
everything else: parsing and validating the body, the route, rendering the cards, the
log line, the metrics and the card log. Its throughput is therefore the most that any
speed-up of the replayed stages (a faster reader, a typed decoder, compilation) could
reach. wrk (``run_bench.wrk``: 16 connections, core 1) drives the ceiling and the four
variants in alternating rounds; the table gives requests/s, p50 and p99 and the ratio to
the ceiling of the same run. Before the load, each variant must answer the bench body
with the cards ``as is`` gives (UUIDs aside): a replay that changed an answer would
measure something else.

``python bench/bounds.py --check`` checks the replays without load (no wrk needed): in
process, three hooks with gathering, reading and rules replayed must compute each stage
once and answer what three unreplayed hooks answer.

``python bench/bounds.py --serve VARIANT serve --port N ...`` is how the variants are
started: the replay is installed, then ``ln-cds``'s own command line runs. Never part of
the product: nothing outside ``bench/`` knows about replays.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import run_bench  # noqa: E402  (script directory import)
from make_hook import SERVICE_ID, hook_bytes  # noqa: E402

#: The variants, in the order they are driven, and the stages each replays.
VARIANTS: dict[str, tuple[str, ...]] = {
    "as is": (),
    "reading replayed": ("reading",),
    "gathering and reading replayed": ("gathering", "reading"),
    "gathering and assessment replayed": ("gathering", "reading", "rules"),
}
FIRST_PORT = 8783


@dataclass
class Replay:
    """A stage's results by key: computed once per key, then handed back."""

    results: dict[object, object] = field(default_factory=dict)
    calls: int = 0
    computed: int = 0

    def missing(self, key: object) -> bool:
        """Count a call; whether ``key``'s result is still to be computed (counted so)."""
        self.calls += 1
        if key in self.results:
            return False
        self.computed += 1
        return True

    def get(self, key: object, compute: Callable[[], object]) -> object:
        if self.missing(key):
            self.results[key] = compute()
        return self.results[key]


@contextmanager
def replaying(stages: tuple[str, ...]) -> Iterator[dict[str, Replay]]:
    """Replace the named stages (``gathering``, ``reading``, ``rules``) with replays of
    their first result per patient and day; the originals are back on exit.

    ``rules`` is keyed by the facts object, so it replays only together with ``reading``
    (which hands the same facts object back).
    """
    import cds_service.routes.hooks as hooks
    import fhir_mappings.pipeline as pipeline

    unknown = set(stages) - {"gathering", "reading", "rules"}
    if unknown or ("rules" in stages and "reading" not in stages):
        raise ValueError(f"cannot replay {sorted(stages)}")
    replays = {stage: Replay() for stage in stages}
    read, rules, gather = pipeline._read, pipeline.findings_for, hooks.gather

    def replayed_read(resources: Any, *, today: Any, ruleset: Any) -> Any:
        patient = resources.patient.get("id") if resources.patient is not None else None
        key = (patient, len(resources.all()), today, ruleset.name)
        return replays["reading"].get(key, lambda: read(resources, today=today, ruleset=ruleset))

    def replayed_rules(facts: Any, ruleset: Any, *, show_status: bool) -> Any:
        key = (id(facts), ruleset.name, show_status)
        return replays["rules"].get(key, lambda: rules(facts, ruleset, show_status=show_status))

    async def replayed_gather(request: Any, *args: Any, today: Any, **kwargs: Any) -> Any:
        key = (request.context.patientId, today)
        replay = replays["gathering"]
        if replay.missing(key):
            replay.results[key] = await gather(request, *args, today=today, **kwargs)
        return replay.results[key]

    if "reading" in stages:
        pipeline._read = replayed_read
    if "rules" in stages:
        pipeline.findings_for = replayed_rules
    if "gathering" in stages:
        hooks.gather = replayed_gather
    try:
        yield replays
    finally:
        pipeline._read, pipeline.findings_for, hooks.gather = read, rules, gather


def without_uuids(value: Any) -> Any:
    """``value`` with every ``uuid`` member removed, at any depth (new on every answer)."""
    if isinstance(value, dict):
        return {key: without_uuids(item) for key, item in value.items() if key != "uuid"}
    if isinstance(value, list):
        return [without_uuids(item) for item in value]
    return value


def serve(variant: str, argv: list[str]) -> int:
    """Run ``ln-cds`` with ``argv`` and the variant's stages replayed."""
    from cds_service.cli import main as ln_cds

    with replaying(VARIANTS[variant]):
        return ln_cds(argv)


async def _three_hooks(body: bytes, work: Path) -> list[list[dict[str, Any]]]:
    """The cards of three hooks with ``body``, through the real app in process."""
    from cds_service.app import create_app
    from cds_service.config import Settings

    settings = Settings(require_jwt=False, database_url=f"sqlite:///{work / 'log.sqlite3'}")
    app = create_app(settings)
    answers = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for _ in range(3):
                response = await client.post(
                    f"/cds-services/{SERVICE_ID}",
                    content=body,
                    headers={"content-type": "application/json"},
                )
                response.raise_for_status()
                answers.append(without_uuids(response.json()["cards"]))
    return answers


def check() -> int:
    """0 when the replays are wired to the stages the route calls and change no card."""
    import cds_service.routes.hooks as hooks
    import fhir_mappings.pipeline as pipeline

    originals = (pipeline._read, pipeline.findings_for, hooks.gather)
    body = hook_bytes(datetime.now(UTC).date())
    with tempfile.TemporaryDirectory(prefix="ln-cds-bounds-") as work:
        plain = asyncio.run(_three_hooks(body, Path(work)))
        with replaying(("gathering", "reading", "rules")) as replays:
            replayed = asyncio.run(_three_hooks(body, Path(work)))
    counts = {stage: (replay.calls, replay.computed) for stage, replay in replays.items()}
    print("replayed stages (calls, computed):", counts)
    problems = []
    if any(count != (3, 1) for count in counts.values()):
        problems.append("a stage was not replayed on every hook")
    if (pipeline._read, pipeline.findings_for, hooks.gather) != originals:
        problems.append("the original stages were not put back")
    if not plain[0]:
        problems.append("the bench patient got no card")
    if replayed != plain:
        problems.append("the replays changed the answer")
    print("; ".join(problems) or "cards unchanged")
    return 1 if problems else 0


def answer(url: str, body: bytes) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{url}/cds-services/{SERVICE_ID}",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    response.raise_for_status()
    cards: list[dict[str, Any]] = response.json()["cards"]
    return without_uuids(cards)


def drive(args: argparse.Namespace) -> None:
    today = datetime.now(UTC).date()
    work = Path(tempfile.mkdtemp(prefix="ln-cds-bounds-"))
    body_file = work / "hook.json"
    body = hook_bytes(today)
    body_file.write_bytes(body)
    env = run_bench.service_env(work)
    ceiling_code = run_bench.CEILING_CODE.format(
        host=run_bench.HOST, port=run_bench.PORTS["ceiling"]
    )
    servers: list[run_bench.Server] = []
    with run_bench.running(servers):  # stops every server started, whatever happens
        servers.append(
            run_bench._start(
                "ceiling",
                [sys.executable, "-c", ceiling_code],
                "/healthz",
                env,
                work / "ceiling.log",
            )
        )
        for number, variant in enumerate(VARIANTS):
            port = FIRST_PORT + number
            argv = [sys.executable, str(Path(__file__).resolve()), "--serve", variant]
            argv += ["serve", "--host", run_bench.HOST, "--port", str(port)]
            log = work / f"variant-{number}.log"
            servers.append(run_bench._start(variant, argv, "/readyz", env, log, port=port))
        expected = answer(servers[1].url, body)
        for server in servers[1:]:
            for _ in range(2):  # the first answer fills the replays, the second is replayed
                if answer(server.url, body) != expected:
                    raise SystemExit(f"{server.name}: the replay changed the answer")
        for server in servers:  # warm-up
            run_bench.wrk(server.url, body_file, 2, args.connections)
        rounds: dict[str, list[dict[str, Any]]] = {server.name: [] for server in servers}
        for number in range(args.rounds):
            for server in servers:
                result = run_bench.wrk(server.url, body_file, args.seconds, args.connections)
                rounds[server.name].append(result)
                print(f"round {number + 1} {server.name}: {result['rps']:.0f} req/s", flush=True)
    print()
    print(
        f"{args.rounds} alternating rounds x {args.seconds} s, {args.connections} connections, "
        f"wrk on core {run_bench.LOAD_CORE}, servers on core {run_bench.SERVER_CORE}; "
        f"body {len(body) / 1000:.1f} kB, {len(expected)} cards"
    )
    print("| server | requests/s | p50 ms | p99 ms | / ceiling (median of rounds) |")
    print("|---|---|---|---|---|")
    ceiling = rounds["ceiling"]
    for server in servers:
        load = run_bench.summarise(rounds[server.name])
        pairs = zip(rounds[server.name], ceiling, strict=True)
        ratios = [mine["rps"] / base["rps"] for mine, base in pairs]
        print(
            f"| {server.name} | {load.rps:.0f} | {load.p50_ms:.1f} | {load.p99_ms:.1f} | "
            f"{statistics.median(ratios):.2f} |"
        )


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["--serve"]:
        return serve(arguments[1], arguments[2:])
    if arguments == ["--check"]:
        return check()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    drive(parser.parse_args(arguments))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
