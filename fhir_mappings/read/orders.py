"""MedicationRequests, MedicationStatements and MedicationAdministrations -> orders and doses.

* Orders: MedicationRequest with status active/on-hold/completed/stopped (or unknown)
  and intent order/original-order/reflex-order/filler-order/instance-order; drafts,
  cancelled, entered-in-error, proposals, plans, options and ``doNotPerform`` are left
  out. MedicationStatement (active/completed/stopped/on-hold) is accepted too.
* Administrations: status completed, and in-progress (an infusion that has started
  counts as given); not-done, stopped, on-hold, entered-in-error, unknown are left out.
* A resource whose medication cannot be read at all (a ``medicationReference`` that
  is neither contained, nor among the Medications read, nor inside the FHIR server's
  base, and no name to go by) is not dropped: it is listed as an
  ``UnidentifiedMedication`` so the rules can say the regimen is unknown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fhir_mappings.facts import (
    DoseGiven,
    MedicationMatch,
    MedicationOrder,
    Route,
    UnidentifiedMedication,
)
from fhir_mappings.read._access import (
    as_dict,
    as_float,
    as_str,
    dicts,
    parse_date,
    quantity_unit,
    source_id,
)
from fhir_mappings.read.dosing import PERIOD_UNIT_DAYS, dose_from_dosage, dose_from_dosages
from fhir_mappings.read.medications import MedicationIdentifier, route_of_match, strength_is_per_ml

#: MedicationRequest statuses that count as therapy (R4 value set medicationrequest-status).
ORDER_STATUSES: frozenset[str] = frozenset({"active", "on-hold", "completed", "stopped", "unknown"})
#: Statuses of orders that are over (they count for history).
ENDED_STATUSES: frozenset[str] = frozenset({"completed", "stopped"})
#: MedicationRequest intents that are real orders (R4 value set medicationrequest-intent).
ORDER_INTENTS: frozenset[str] = frozenset(
    {"order", "original-order", "reflex-order", "filler-order", "instance-order"}
)
#: MedicationStatement statuses that say the drug is/was taken (R4 medication-statement-status).
STATEMENT_STATUSES: frozenset[str] = frozenset({"active", "completed", "stopped", "on-hold"})
#: MedicationAdministration statuses that count as a dose given.
ADMINISTRATION_STATUSES: frozenset[str] = frozenset({"completed", "in-progress"})


#: More refills than this on one order is corrupt data, not a prescription: its end is
#: then read from the validity period instead (a guard, not a clinical number).
MAX_READ_REPEATS = 1000


def _route(value: str | None, match: MedicationMatch) -> Route:
    if value is not None:
        return Route(value)
    return route_of_match(match)


def _days(quantity: object) -> float | None:
    data = as_dict(quantity)
    value = as_float(data.get("value"))
    unit = quantity_unit(data)
    if value is None or unit is None:
        return None
    unit = {
        "day": "d",
        "days": "d",
        "week": "wk",
        "weeks": "wk",
        "month": "mo",
        "months": "mo",
    }.get(unit, unit)
    factor = PERIOD_UNIT_DAYS.get(unit)
    return value * factor if factor is not None and value >= 0 else None


def _last_known_date(request: Mapping[str, Any], start: date | None) -> date | None:
    """End of a completed/stopped order: its expected supply, else validity end, else start."""
    dispense = as_dict(request.get("dispenseRequest"))
    supply = _days(dispense.get("expectedSupplyDuration"))
    repeats = as_float(dispense.get("numberOfRepeatsAllowed")) or 0.0
    if start is not None and supply is not None and 0 <= repeats < MAX_READ_REPEATS:
        return start + timedelta(days=math.ceil(supply * (1 + repeats)))
    validity_end = parse_date(as_dict(dispense.get("validityPeriod")).get("end"))
    return validity_end or start


@dataclass(frozen=True, slots=True)
class BodySize:
    """Weight and BSA used to turn mg/kg and mg/m2 doses into mg (``None``: unknown)."""

    weight_kg: float | None = None
    bsa_m2: float | None = None


def _order_from_request(
    request: Mapping[str, Any], identify: MedicationIdentifier, body: BodySize
) -> MedicationOrder | None:
    status = as_str(request.get("status")) or "unknown"
    intent = as_str(request.get("intent")) or "unknown"
    if status not in ORDER_STATUSES or (intent != "unknown" and intent not in ORDER_INTENTS):
        return None
    if request.get("doNotPerform") is True:
        return None
    return _build_order(request, identify, body, status, intent, "dosageInstruction")


def _order_from_statement(
    statement: Mapping[str, Any], identify: MedicationIdentifier, body: BodySize
) -> MedicationOrder | None:
    status = as_str(statement.get("status"))
    if status not in STATEMENT_STATUSES:
        return None
    return _build_order(statement, identify, body, status, "statement", "dosage")


def _build_order(
    resource: Mapping[str, Any],
    identify: MedicationIdentifier,
    body: BodySize,
    status: str,
    intent: str,
    dosage_key: str,
) -> MedicationOrder | None:
    match = identify(resource)
    if match is None:
        return None
    dosages = dicts(resource.get(dosage_key))
    info = dose_from_dosages(
        dosages,
        strength_mg=match.strength_mg,
        strength_per_ml=strength_is_per_ml(match),
        weight_kg=body.weight_kg,
        bsa_m2=body.bsa_m2,
    )
    authored = parse_date(resource.get("authoredOn")) or parse_date(resource.get("dateAsserted"))
    bounds: Mapping[str, Any] = {}
    for dosage in dosages:
        bounds = as_dict(as_dict(as_dict(dosage.get("timing")).get("repeat")).get("boundsPeriod"))
        if bounds:
            break
    effective = as_dict(resource.get("effectivePeriod"))
    start = (
        parse_date(bounds.get("start"))
        or parse_date(effective.get("start"))
        or parse_date(resource.get("effectiveDateTime"))
        or authored
    )
    end = parse_date(bounds.get("end")) or parse_date(effective.get("end"))
    if end is None and start is not None and info.schedule_days is not None:
        end = start + timedelta(days=math.ceil(info.schedule_days))
    if end is None and status in ENDED_STATUSES:
        end = _last_known_date(resource, start)
    texts = [as_str(d.get("text")) for d in dosages]
    text = "; ".join(t for t in texts if t) or None
    return MedicationOrder(
        source_id=source_id(resource),
        medication=match,
        status=status,
        intent=intent,
        authored_on=authored,
        start=start,
        end=end,
        route=_route(info.route, match),
        dose_mg=info.dose_mg,
        daily_dose_mg=info.daily_dose_mg,
        dose_per_m2_mg=info.per_m2,
        dose_per_kg_mg=info.per_kg,
        interval_days=info.interval_days,
        planned_doses=info.planned_doses,
        dosage_text=text,
    )


def map_orders(
    requests: Iterable[object],
    medications_by_ref: Mapping[str, Mapping[str, Any]],
    *,
    weight_kg: float | None = None,
    bsa_m2: float | None = None,
    identify: MedicationIdentifier | None = None,
) -> tuple[MedicationOrder, ...]:
    """MedicationRequests (and MedicationStatements) that count as therapy; never raises.

    ``identify``: an identifier over the same ``medications_by_ref`` (and FHIR base), to
    share its memo with the other readers of one patient.
    """
    body = BodySize(weight_kg, bsa_m2)
    if identify is None:
        identify = MedicationIdentifier(medications_by_ref)
    out: list[MedicationOrder] = []
    for resource in requests:
        if not isinstance(resource, Mapping):
            continue
        if resource.get("resourceType") == "MedicationStatement":
            order = _order_from_statement(resource, identify, body)
        else:
            order = _order_from_request(resource, identify, body)
        if order is not None:
            out.append(order)
    return tuple(out)


def map_administrations(
    administrations: Iterable[object],
    medications_by_ref: Mapping[str, Mapping[str, Any]],
    *,
    weight_kg: float | None = None,
    bsa_m2: float | None = None,
    identify: MedicationIdentifier | None = None,
) -> tuple[DoseGiven, ...]:
    """Doses actually given (completed or in-progress), oldest first; never raises.

    ``identify``: as for ``map_orders``.
    """
    out: list[DoseGiven] = []
    if identify is None:
        identify = MedicationIdentifier(medications_by_ref)
    for resource in administrations:
        if not isinstance(resource, Mapping):
            continue
        if as_str(resource.get("status")) not in ADMINISTRATION_STATUSES:
            continue
        when = (
            parse_date(resource.get("effectiveDateTime"))
            or parse_date(as_dict(resource.get("effectivePeriod")).get("start"))
            or parse_date(resource.get("occurenceDateTime"))
        )
        match = identify(resource)
        if when is None or match is None:
            continue
        info = dose_from_dosage(
            resource.get("dosage"),
            strength_mg=match.strength_mg,
            strength_per_ml=strength_is_per_ml(match),
            weight_kg=weight_kg,
            bsa_m2=bsa_m2,
        )
        out.append(
            DoseGiven(
                match.agent, when, info.dose_mg, _route(info.route, match), source_id(resource)
            )
        )
    return tuple(sorted(out, key=lambda d: d.when))


#: MedicationDispense statuses that put the drug in the patient's hands.
DISPENSE_STATUSES: frozenset[str] = frozenset({"completed"})


def _counts(resource: Mapping[str, Any]) -> tuple[str | None, date | None] | None:
    """(status, date) of a medication resource that counts as therapy, else ``None``."""
    rtype = resource.get("resourceType")
    status = as_str(resource.get("status"))
    if rtype == "MedicationRequest":
        intent = as_str(resource.get("intent")) or "unknown"
        if (status or "unknown") not in ORDER_STATUSES or resource.get("doNotPerform") is True:
            return None
        if intent != "unknown" and intent not in ORDER_INTENTS:
            return None
        return status, parse_date(resource.get("authoredOn"))
    if rtype == "MedicationStatement":
        if status not in STATEMENT_STATUSES:
            return None
        effective = as_dict(resource.get("effectivePeriod"))
        when = parse_date(resource.get("effectiveDateTime")) or parse_date(effective.get("start"))
        return status, when or parse_date(resource.get("dateAsserted"))
    if rtype == "MedicationAdministration":
        if status not in ADMINISTRATION_STATUSES:
            return None
        effective = as_dict(resource.get("effectivePeriod"))
        return status, parse_date(resource.get("effectiveDateTime")) or parse_date(
            effective.get("start")
        )
    if rtype == "MedicationDispense":
        if status not in DISPENSE_STATUSES:
            return None
        return status, parse_date(resource.get("whenHandedOver")) or parse_date(
            resource.get("whenPrepared")
        )
    return None


def unidentified_medications(
    resources: Iterable[object], identify: MedicationIdentifier
) -> tuple[UnidentifiedMedication, ...]:
    """Orders, statements, administrations and dispenses that count as therapy but whose
    medication cannot be read (``MedicationIdentifier.unreadable_reference``), oldest first."""
    out: list[UnidentifiedMedication] = []
    for resource in resources:
        if not isinstance(resource, Mapping):
            continue
        counted = _counts(resource)
        if counted is None:
            continue
        reference = identify.unreadable_reference(resource)
        if reference is None:
            continue
        status, when = counted
        out.append(UnidentifiedMedication(source_id(resource), reference, status, when))
    return tuple(sorted(out, key=lambda u: (u.when or date.min, u.source_id or "")))
