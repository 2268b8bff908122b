"""fhir_mappings.lookback: how far back each search reads, from the ruleset's windows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from fhir_mappings.lookback import look_back
from fhir_mappings.rulesets import Ruleset

TODAY = date(2026, 11, 1)


def test_each_search_reads_back_as_far_as_the_rules_look(ruleset: Ruleset) -> None:
    """Labs 3 years, dispenses 180 + 180 days, treatment 5 years; Conditions, Procedures
    and anything unnamed are read whole."""
    lb = look_back(ruleset)
    assert lb.since("Observation", TODAY) == TODAY - timedelta(days=3 * 365)
    assert lb.since("MedicationDispense", TODAY) == TODAY - timedelta(days=360)
    for kind in ("MedicationRequest", "MedicationStatement", "MedicationAdministration"):
        assert lb.since(kind, TODAY) == TODAY - timedelta(days=5 * 365)
    for kind in ("Condition", "Procedure", "Patient"):
        assert lb.since(kind, TODAY) is None


def test_the_windows_come_from_the_ruleset(ruleset: Ruleset) -> None:
    """A longer observation window in the ruleset reads labs further back: one home."""
    longer = replace(ruleset, windows=replace(ruleset.windows, observation_days=4000))
    assert look_back(longer).since("Observation", TODAY) == TODAY - timedelta(days=4000)
