"""Condition -> lupus nephritis facts (``ConditionFact``).

Decisions (documented here because the assessment relies on them):

* **clinicalStatus.** ``active``, ``recurrence`` and ``relapse`` count. ``inactive``,
  ``remission`` and ``resolved`` are excluded: a resolved lupus nephritis is history,
  not current disease, and the service must not call a remitted patient refractory.
  A missing clinicalStatus counts as current (problem lists often omit it) unless an
  ``abatement[x]`` is present, which means the condition has ended.
* **verificationStatus.** ``refuted`` and ``entered-in-error`` are excluded.
  ``unconfirmed``, ``provisional`` and ``differential`` are excluded too: a suspected
  diagnosis is not a basis for calling lupus nephritis refractory (no card is safer
  than a wrong one). ``confirmed`` and a missing verificationStatus count.
* **Recognition.** A coding in the value sets of ``fhir_mappings.codes.conditions``;
  as a last resort the concept text / coding displays naming "lupus nephritis" (not
  negated or doubted), recorded with ``system = "text"`` and the text as ``code``.
* **ISN/RPS class.** From a SNOMED CT class concept, else from text ("class IV",
  "class III + V") in the code text, coding displays or notes.
* **Dates.** onset from ``onsetDateTime`` or ``onsetPeriod.start``; ``recordedDate``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fhir_mappings.codes.conditions import (
    TEXT_SYSTEM,
    is_lupus_nephritis_coding,
    isn_rps_class_for,
    isn_rps_class_from_text,
    lupus_nephritis_display,
    mentions_lupus_nephritis,
)
from fhir_mappings.facts import ConditionFact, ExcludedResource
from fhir_mappings.read._access import as_dict, as_str, codings, dicts, parse_date, unique_resources

CLINICAL_STATUS_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION_STATUS_SYSTEM = "http://terminology.hl7.org/CodeSystem/condition-ver-status"

#: clinicalStatus codes that mean current disease (FHIR R4 condition-clinical).
CURRENT_CLINICAL: frozenset[str] = frozenset({"active", "recurrence", "relapse"})
#: verificationStatus codes that are not trusted as a diagnosis (FHIR R4 condition-ver-status).
UNTRUSTED_VERIFICATION: frozenset[str] = frozenset(
    {"refuted", "entered-in-error", "unconfirmed", "provisional", "differential"}
)

_ABATEMENT_KEYS = (
    "abatementDateTime",
    "abatementAge",
    "abatementPeriod",
    "abatementRange",
    "abatementString",
)


def _status_code(concept: object) -> str | None:
    for coding in codings(concept):
        code = as_str(coding.get("code"))
        if code is not None:
            return code.strip()
    return None


def _status_reason(resource: Mapping[str, Any]) -> str | None:
    verification = _status_code(resource.get("verificationStatus"))
    if verification in UNTRUSTED_VERIFICATION:
        return f"verificationStatus {verification!r}"
    clinical = _status_code(resource.get("clinicalStatus"))
    if clinical is None:
        if any(key in resource for key in _ABATEMENT_KEYS):
            return "no clinicalStatus and an abatement (ended)"
        return None
    if clinical not in CURRENT_CLINICAL:
        return f"clinicalStatus {clinical!r} (not current disease)"
    return None


def _texts(resource: Mapping[str, Any]) -> list[str]:
    concept = as_dict(resource.get("code"))
    texts = [as_str(concept.get("text"))]
    texts.extend(as_str(coding.get("display")) for coding in codings(concept))
    return [text for text in texts if text is not None]


def _fact(resource: Mapping[str, Any], sid: str | None) -> ConditionFact | None:
    texts = _texts(resource)
    notes = [as_str(note.get("text")) for note in dicts(resource.get("note"))]
    class_text = next(
        (c for c in map(isn_rps_class_from_text, [*texts, *notes]) if c is not None), None
    )
    onset = parse_date(resource.get("onsetDateTime")) or parse_date(
        as_dict(resource.get("onsetPeriod")).get("start")
    )
    recorded = parse_date(resource.get("recordedDate"))
    for coding in codings(resource.get("code")):
        system, code = coding.get("system"), coding.get("code")
        if is_lupus_nephritis_coding(system, code):
            return ConditionFact(
                code=str(code).strip(),
                system=str(system).strip(),
                display=as_str(coding.get("display")) or lupus_nephritis_display(system, code),
                onset=onset,
                recorded=recorded,
                isn_rps_class=isn_rps_class_for(system, code) or class_text,
                source_id=sid,
            )
    text = next((t for t in texts if mentions_lupus_nephritis(t)), None)
    if text is None:
        return None
    return ConditionFact(
        code=text,
        system=TEXT_SYSTEM,
        display=text,
        onset=onset,
        recorded=recorded,
        isn_rps_class=class_text,
        source_id=sid,
    )


def lupus_nephritis_conditions_with_exclusions(
    conditions: Iterable[object],
) -> tuple[tuple[ConditionFact, ...], tuple[ExcludedResource, ...]]:
    """Lupus nephritis facts, and the lupus nephritis Conditions left out (with reasons).

    Conditions that are not lupus nephritis at all are neither returned nor listed.
    """
    facts: list[ConditionFact] = []
    excluded: list[ExcludedResource] = []
    for resource, sid in unique_resources(conditions, "Condition"):
        fact = _fact(resource, sid)
        if fact is None:
            continue
        reason = _status_reason(resource)
        if reason is not None:
            excluded.append(ExcludedResource(sid, f"lupus nephritis Condition: {reason}"))
            continue
        facts.append(fact)
    return tuple(facts), tuple(excluded)


def lupus_nephritis_conditions(conditions: Iterable[object]) -> tuple[ConditionFact, ...]:
    """Current, trusted lupus nephritis diagnoses among the Conditions."""
    return lupus_nephritis_conditions_with_exclusions(conditions)[0]
