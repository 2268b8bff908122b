"""Every official FHIR R4 Observation/Condition/Procedure example goes through the mappers.

Needs the npm package ``hl7.fhir.r4.examples@4.0.1`` under ``tests/fhir_examples``
(``cd tests/fhir_examples && npm ci``); skipped with a reason when it is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fhir_mappings.read.conditions import lupus_nephritis_conditions_with_exclusions
from fhir_mappings.read.observations import map_observations
from fhir_mappings.read.procedures import kidney_biopsies_with_exclusions

EXAMPLES = (
    Path(__file__).resolve().parent.parent
    / "fhir_examples"
    / "node_modules"
    / "hl7.fhir.r4.examples"
)
TYPES = ("Observation", "Condition", "Procedure")

pytestmark = [
    pytest.mark.skipif(
        not EXAMPLES.is_dir(),
        reason=f"hl7.fhir.r4.examples not installed at {EXAMPLES} (npm ci in tests/fhir_examples)",
    ),
    pytest.mark.slow,  # slow: reads every official example
]


def _resources_in(data: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(data, dict):
        return
    if data.get("resourceType") in TYPES:
        yield data
    if data.get("resourceType") == "Bundle":
        for entry in data.get("entry") or []:
            if isinstance(entry, dict):
                yield from _resources_in(entry.get("resource"))


def _load(rtype: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(EXAMPLES.glob("*.json")):
        if not (path.name.startswith(f"{rtype}-") or path.name.startswith("Bundle-")):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        out.extend(r for r in _resources_in(data) if r.get("resourceType") == rtype)
    return out


class TestOfficialExamples:
    def test_observations(self) -> None:
        """All Observation examples (files and Bundle entries) map without an exception."""
        resources = _load("Observation")
        assert len(resources) > 100
        for resource in resources:
            map_observations([resource])
        labs = map_observations(resources)
        assert labs.excluded

    def test_conditions(self) -> None:
        """All Condition examples map without an exception."""
        resources = _load("Condition")
        assert resources
        for resource in resources:
            lupus_nephritis_conditions_with_exclusions([resource])
        lupus_nephritis_conditions_with_exclusions(resources)

    def test_procedures(self) -> None:
        """All Procedure examples map without an exception."""
        resources = _load("Procedure")
        assert resources
        for resource in resources:
            kidney_biopsies_with_exclusions([resource])
        kidney_biopsies_with_exclusions(resources)
