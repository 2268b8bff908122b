"""Every official R4 medication example goes through the mappers without an exception."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fhir_mappings.facts import LabResults
from fhir_mappings.read.adherence import estimate_adherence
from fhir_mappings.read.medications import identify_medication
from fhir_mappings.read.therapy import (
    build_courses,
    find_induction,
    map_administrations,
    map_orders,
)

PACKAGE = (
    Path(__file__).resolve().parents[1] / "fhir_examples" / "node_modules" / "hl7.fhir.r4.examples"
)
PREFIXES = (
    "MedicationRequest-",
    "MedicationDispense-",
    "MedicationAdministration-",
    "Medication-",
    "MedicationStatement-",
)
TODAY = date(2024, 12, 1)


def _example_files() -> list[Path]:
    if not PACKAGE.is_dir():
        return []
    roots = [PACKAGE, PACKAGE / "package"]
    return sorted(
        path
        for root in roots
        if root.is_dir()
        for path in root.glob("*.json")
        if path.name.startswith(PREFIXES)
    )


FILES = _example_files()
pytestmark = pytest.mark.skipif(
    not FILES,
    reason="hl7.fhir.r4.examples@4.0.1 not installed under tests/fhir_examples/node_modules "
    "(engineer A installs it: npm ci in tests/fhir_examples)",
)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _medications() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in FILES:
        if path.name.startswith("Medication-"):
            resource = _load(path)
            out[f"Medication/{resource.get('id')}"] = resource
    return out


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_example(path: Path) -> None:
    """The example maps (or is left out) without an exception, end to end."""
    resource = _load(path)
    by_ref = _medications()
    match = identify_medication(resource, by_ref)
    assert match is None or match.agent is not None
    orders = map_orders([resource], by_ref)
    doses = map_administrations([resource], by_ref)
    courses = build_courses(orders, doses, TODAY)
    induction = find_induction(courses, TODAY)
    estimate_adherence(courses, induction, [resource], LabResults({}), by_ref, TODAY)


def test_examples_found() -> None:
    """The package holds medication examples of every type this module reads."""
    names = {p.name.split("-", 1)[0] for p in FILES}
    assert names >= {
        "MedicationRequest",
        "MedicationDispense",
        "MedicationAdministration",
        "Medication",
    }
