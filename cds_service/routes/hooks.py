"""``POST /cds-services/{id}``: the hook call.

Order of checks: client JWT (401, when required), unknown id (404), body size (413),
JSON (400), fields and hook (400); then data gathering (412 when data cannot be
obtained), assessment, cards. ``assess`` is pure CPU work. Measured here (demo
patients, 1 core): ~0.4-1.0 ms for 11-26 resources, ~28 ms for ~1,000. Small inputs
are assessed inline (a thread hop would cost more than it saves); above
``INLINE_ASSESS_MAX_RESOURCES`` the work moves to a worker thread so the event loop
keeps serving other requests' I/O. From parsing to the answer a hook holds a CPU turn
(``cds_service.cpu_turns``: one hook at a time, in arrival order, sockets read in
between), lent out while it waits for the FHIR server.

One structured ``hook answered`` line per hook: ``hookInstance``, the pseudonymised
patient, card count, prefetch sources and timings (``gather_ms``, ``assess_ms``,
``render_ms``, ``total_ms``; ``total_ms`` counts from the start of the body read and
includes waiting for CPU turns). ``hookInstance`` and ``patient`` are bound for every
log line of the request. Never the access token, the JWT or the raw patient id.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
import orjson
import structlog
from fastapi import APIRouter, Request, Response

from cds_service.cards import card_set_settings, prune_empty, with_settings
from cds_service.cpu_turns import Turn
from cds_service.deps import ClientJwtDep, Runtime, RuntimeDep, read_body
from cds_service.errors import FhirError, WrongHook
from cds_service.feedback_store import issued_cards
from cds_service.hook_models import parse_hook_request
from cds_service.metrics import record_cards, record_fhir_failure, record_prefetch
from cds_service.prefetch import Gathered, gather
from cds_service.pseudonym import pseudonym
from cds_service.service_definition import ServiceDefinition
from fhir_mappings.findings import PatientAssessment

# stdlib logger: the ``extra`` fields become structured fields once
# ``configure_logging`` has run; unconfigured (tests, the in-process demo) INFO is dropped
log = logging.getLogger(__name__)
router = APIRouter()

#: Above this many resources, assess + render run in a worker thread (see docstring).
INLINE_ASSESS_MAX_RESOURCES = 300


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


@dataclass(slots=True)
class _Timings:
    assess: float = 0.0
    render: float = 0.0


def with_patient(assessment: PatientAssessment, patient_id: str) -> PatientAssessment:
    """The assessment with the hook's ``context.patientId`` as the patient when the data
    named none (an EHR that prefetches ``"patient": null``): the draft orders of the
    suggestions need their subject, and the hook names the patient in any case."""
    facts = assessment.facts
    if facts is None or facts.patient_id:  # a fake evaluator's assessment has no facts
        return assessment
    return replace(assessment, facts=replace(facts, patient_id=patient_id))


def _evaluate(
    runtime: Runtime, gathered: Gathered, timings: _Timings, patient_id: str
) -> list[dict[str, Any]]:
    settings = runtime.settings
    started = time.perf_counter()
    assessment = runtime.evaluator(
        gathered.resources,
        today=runtime.clock(),
        ruleset=settings.ruleset,
        show_status=settings.show_status_card,
    )
    assessment = with_patient(assessment, patient_id)
    assessed = time.perf_counter()
    rendered = with_settings(
        runtime.renderer(assessment, uuid_factory=runtime.uuid_factory, ruleset=settings.ruleset),
        card_set_settings(settings),
    )
    timings.assess, timings.render = assessed - started, time.perf_counter() - assessed
    return rendered


@router.post("/cds-services/{service_id}")
async def call_hook(
    service_id: str, request: Request, runtime: RuntimeDep, _client: ClientJwtDep
) -> Response:
    started = time.perf_counter()
    settings = runtime.settings
    service = runtime.service(service_id)
    raw = await read_body(request, settings.max_body_bytes)
    # hooks compute one at a time, lending the turn out during FHIR waits (cpu_turns)
    async with runtime.cpu_turns.turn() as turn:
        return await _answer(runtime, service, raw, turn, started)


async def _answer(
    runtime: Runtime, service: ServiceDefinition, raw: bytes, turn: Turn, started: float
) -> Response:
    settings = runtime.settings
    hook = parse_hook_request(raw)
    if hook.hook != service.hook:
        raise WrongHook()
    patient = pseudonym(settings.pseudonym_key.get_secret_value(), hook.context.patientId)
    with structlog.contextvars.bound_contextvars(hookInstance=hook.hookInstance, patient=patient):
        gather_started = time.perf_counter()
        try:
            gathered = await gather(
                hook, service, runtime.fhir, settings, turn.released, today=runtime.clock()
            )
        except FhirError as exc:
            record_fhir_failure(exc)
            raise
        gathered_at = time.perf_counter()
        record_prefetch(gathered.report.sources)
        timings = _Timings()
        patient_id = hook.context.patientId
        if len(gathered.resources.all()) > INLINE_ASSESS_MAX_RESOURCES:
            rendered = await anyio.to_thread.run_sync(
                _evaluate, runtime, gathered, timings, patient_id
            )
        else:
            rendered = _evaluate(runtime, gathered, timings, patient_id)
        cards = prune_empty(rendered)
        body = orjson.dumps({"cards": cards})
        record_cards(cards)
        if runtime.card_log is not None:
            runtime.card_log.offer(issued_cards(cards, datetime.now(UTC)))
        log.info(
            "hook answered",
            extra={
                "hookInstance": hook.hookInstance,
                "patient": patient,
                "cards": len(cards),
                "sources": {key: str(src) for key, src in gathered.report.sources.items()},
                "gather_ms": _ms(gathered_at - gather_started),
                "assess_ms": _ms(timings.assess),
                "render_ms": _ms(timings.render),
                "total_ms": _ms(time.perf_counter() - started),
            },
        )
    return Response(body, media_type="application/json")
