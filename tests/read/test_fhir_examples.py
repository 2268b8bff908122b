"""Every official FHIR R4 example of the medication types goes through the readers.

Needs the npm package ``hl7.fhir.r4.examples@4.0.1`` under ``tests/fhir_examples``
(``cd tests/fhir_examples && npm ci``); skipped with a reason when it is missing.
Examples are read from their own files and from the entries of the example Bundles.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fhir_mappings.facts import Agent, MatchMethod, Route
from fhir_mappings.read.dosing import dose_from_dosage, dose_from_dosages
from fhir_mappings.read.facts import build_facts, medications_by_reference
from fhir_mappings.read.medications import MedicationIdentifier
from fhir_mappings.read.orders import map_administrations, map_orders, unidentified_medications
from fhir_mappings.resources import PatientResources

from ._builders import RULESET

EXAMPLES = (
    Path(__file__).resolve().parents[1] / "fhir_examples" / "node_modules" / "hl7.fhir.r4.examples"
)
TYPES = (
    "MedicationRequest",
    "MedicationDispense",
    "MedicationAdministration",
    "Medication",
    "MedicationStatement",
)
TODAY = date(2016, 1, 1)  # the examples are dated 2015

pytestmark = [
    pytest.mark.skipif(
        not EXAMPLES.is_dir(),
        reason=f"hl7.fhir.r4.examples not installed at {EXAMPLES} (npm ci in tests/fhir_examples)",
    ),
    pytest.mark.slow,  # slow: reads every official example
]


def _resources_in(data: Any, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(data, dict):
        return
    if data.get("resourceType") in TYPES:
        yield f"{name}:{data.get('id')}", data
    if data.get("resourceType") == "Bundle":
        for entry in data.get("entry") or []:
            if isinstance(entry, dict):
                yield from _resources_in(entry.get("resource"), name)


def _examples() -> list[tuple[str, dict[str, Any]]]:
    if not EXAMPLES.is_dir():
        return []
    out: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(EXAMPLES.glob("*.json")):
        if path.name.split("-", 1)[0] not in (*TYPES, "Bundle"):
            continue
        out.extend(_resources_in(json.loads(path.read_text(encoding="utf-8")), path.name))
    return out


EXAMPLE_RESOURCES = _examples()
ALL = [resource for _, resource in EXAMPLE_RESOURCES]
PATIENT = PatientResources.from_resources(ALL, server_base="http://hl7.org/fhir")
BY_REF = medications_by_reference(PATIENT)


@pytest.mark.parametrize(
    "resource", ALL or [{}], ids=[name for name, _ in EXAMPLE_RESOURCES] or ["none"]
)
def test_each_example_reads(resource: dict[str, Any]) -> None:
    """Each example is identified, read as an order, a dose or an unreadable medication,
    or left out, without an exception."""
    identify = MedicationIdentifier(BY_REF, PATIENT.server_base)
    found = identify(resource)
    assert found is None or found.agent in Agent
    map_orders([resource], BY_REF, identify=identify, weight_kg=70, bsa_m2=1.8)
    map_administrations([resource], BY_REF, identify=identify, weight_kg=70, bsa_m2=1.8)
    unidentified_medications([resource], identify)
    dose_from_dosages(resource.get("dosageInstruction") or resource.get("dosage") or [])
    dose_from_dosage(resource.get("dosage"))


def test_every_example_together() -> None:
    """All examples as one record run through the reading stage: the only drug of this
    service among them is prednisone, which makes no line of therapy."""
    facts = build_facts(PATIENT, today=TODAY, ruleset=RULESET)
    treatment = facts.treatment
    assert {o.medication.agent for o in treatment.orders} == {Agent.PREDNISONE}
    assert (treatment.lines, treatment.current, facts.exposure) == ((), None, ())


def test_the_prednisone_taper() -> None:
    """medrx0303 (a contained Medication coded in SNOMED CT, a three-step taper in
    tablets) reads as prednisone 5 mg tablets, 20 mg/day: the first step only."""
    (request,) = [r for r in ALL if r.get("id") == "medrx0303"]
    (order,) = map_orders([request], BY_REF)
    assert (order.medication.agent, order.medication.method, order.medication.strength_mg) == (
        Agent.PREDNISONE,
        MatchMethod.REFERENCE,
        5.0,
    )
    assert (order.daily_dose_mg, order.route, order.start, order.end) == (
        20.0,
        Route.ORAL,
        date(2015, 1, 16),
        date(2015, 1, 20),
    )


def test_examples_found() -> None:
    """The package holds examples of every medication type the readers take."""
    counts = {t: sum(1 for r in ALL if r["resourceType"] == t) for t in TYPES}
    assert counts["MedicationRequest"] >= 40
    assert counts["MedicationDispense"] >= 30
    assert counts["MedicationAdministration"] >= 10
    assert counts["Medication"] >= 20
    assert counts["MedicationStatement"] >= 5
