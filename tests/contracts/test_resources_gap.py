"""PatientResources.gap: the recorded gap of a resource type."""

from __future__ import annotations

from fhir_mappings.resources import DataGap, PatientResources


def test_gap_by_resource_type() -> None:
    """gap() returns the recorded gap of a type, and None for a type read completely."""
    dispenses = DataGap("MedicationDispense", "this FHIR server does not provide it")
    resources = PatientResources.from_resources([], gaps=[dispenses])
    assert resources.gap("MedicationDispense") == dispenses
    assert resources.gap("Observation") is None
