"""fhir_mappings.lookback: each search's window from the ruleset; PatientResources.gap."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from fhir_mappings.lookback import look_back
from fhir_mappings.resources import DataGap, PatientResources
from fhir_mappings.rulesets import RULESETS, RecordWindows

TODAY = date(2026, 6, 30)


class TestLookBack:
    @pytest.mark.parametrize("name", sorted(RULESETS))
    def test_windows_come_from_the_ruleset(self, name: str) -> None:
        """Each searched type reads back as far as the ruleset's window for it."""
        ruleset = RULESETS[name]
        windows = ruleset.windows
        days = look_back(ruleset).days
        assert days["Observation"] == windows.observation_days
        assert days["MedicationDispense"] == windows.adherence_days + windows.fill_carry_days
        for rtype in ("MedicationRequest", "MedicationStatement", "MedicationAdministration"):
            assert days[rtype] == windows.treatment_days

    def test_since_counts_back_from_the_evaluation_date(self) -> None:
        """since() is the evaluation date minus the type's window."""
        ruleset = replace(RULESETS["kdigo-2024"], windows=RecordWindows(observation_days=30))
        assert look_back(ruleset).since("Observation", TODAY) == date(2026, 5, 31)

    @pytest.mark.parametrize("rtype", ["Condition", "Procedure", "Patient"])
    def test_whole_record_types_have_no_start(self, rtype: str) -> None:
        """Conditions, Procedures and the Patient are read whole (no first day)."""
        assert look_back(RULESETS["kdigo-2024"]).since(rtype, TODAY) is None


class TestGap:
    def test_gap_by_resource_type(self) -> None:
        """gap() returns the recorded gap of a type, and None for a type read completely."""
        dispenses = DataGap("MedicationDispense", "this FHIR server does not provide it")
        resources = PatientResources.from_resources([], gaps=[dispenses])
        assert resources.gap("MedicationDispense") == dispenses
        assert resources.gap("Observation") is None
