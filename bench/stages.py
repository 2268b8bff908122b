"""Per-stage CPU time of one hook on the bench patient, in process (no server, no sockets).

``python bench/stages.py [--repeat 200]`` prints, for the bench body
(``make_hook.hook_bytes``), the minimum over 5 x ``repeat`` calls of each stage of the
hook path: JSON parsing, request validation, gathering from prefetch, the assessment
(its reading stage, with the observation mapping inside it, and its rules stage) and
card rendering. Minimums are steady on a shared box where wall-clock throughput is not; use
this to see which stage a change moved, and ``run_bench.py`` for the figures the
performance targets are judged on.

``--years N`` times the long record of ``long_record.py`` instead (N years, the whole record
in prefetch, as an EHR that prefetches without a date bound sends it); ``--server-gc``
applies the server's garbage-collector tuning (``cds_service.app.tune_gc``) first, as
``ln-cds serve`` does: large bodies are parsed several times faster with it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson

# the checkout this script is in, even when the venv's editable install points elsewhere
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from long_record import build_long_patient
from make_hook import hook_bytes, hook_for

from cds_service.app import tune_gc
from cds_service.cards import render_cards
from cds_service.config import Settings
from cds_service.hook_models import parse_hook_request
from cds_service.prefetch import gather
from cds_service.service_definition import build_service
from fhir_mappings import assess
from fhir_mappings.pipeline import build_facts
from fhir_mappings.read.observations import map_observations
from fhir_mappings.rules.algorithm import findings_for
from fhir_mappings.rulesets import DEFAULT_RULESET, get_ruleset


def best_ms(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - started) / repeat)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--years", type=int, help="time the long record of N years instead")
    parser.add_argument("--server-gc", action="store_true", help="tune the GC as the server does")
    args = parser.parse_args()
    if args.server_gc:
        tune_gc()
    today = datetime.now(UTC).date()
    if args.years is None:
        raw = hook_bytes(today)
    else:  # the whole long record in prefetch, as an EHR that sends no date bound
        raw = orjson.dumps(hook_for(build_long_patient(today, args.years)))
    settings = Settings(require_jwt=False)
    service = build_service()
    hook = parse_hook_request(raw)
    loop = asyncio.new_event_loop()
    resources = loop.run_until_complete(
        gather(hook, service, None, settings, today=today)
    ).resources
    facts = build_facts(resources, today=today)
    rules = get_ruleset(DEFAULT_RULESET)
    assessment = assess(resources, today=today)
    stages: list[tuple[str, Callable[[], object]]] = [
        ("orjson.loads (the ceiling's parse)", lambda: orjson.loads(raw)),
        ("parse_hook_request", lambda: parse_hook_request(raw)),
        (
            "gather (prefetch only)",
            lambda: loop.run_until_complete(gather(hook, service, None, settings, today=today)),
        ),
        ("assess", lambda: assess(resources, today=today)),
        ("  build_facts (reading)", lambda: build_facts(resources, today=today)),
        ("    map_observations", lambda: map_observations(resources.observations)),
        ("  findings_for (rules)", lambda: findings_for(facts, rules, show_status=False)),
        (
            "render_cards",
            lambda: render_cards(
                assessment, uuid_factory=lambda: str(uuid.uuid4()), ruleset=DEFAULT_RULESET
            ),
        ),
    ]
    patient = "bench patient" if args.years is None else f"{args.years}-year record"
    print(f"{patient}: {len(raw) / 1000:.1f} kB, {len(resources.all())} resources after gather")
    for label, fn in stages:
        print(f"{label:36s} {best_ms(fn, args.repeat):7.3f} ms")


if __name__ == "__main__":
    main()
