"""How far back each search must reach so that the rules see all they read.

The gathering step bounds its searches with these dates (``date``, ``authoredon``,
``whenhandedover`` from the look-back's start, newest first) and may stop paging once
the next page would be older: everything the rules read has then been seen. The
windows come from the ruleset (``Ruleset.windows``), so one number has one home.

Resource types with no window (``None``) are read whole: Conditions and Procedures
(a kidney transplant or a biopsy years ago still matters, and a record holds few),
and the Patient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from fhir_mappings.rulesets import Ruleset


@dataclass(frozen=True, slots=True)
class LookBack:
    """Days before the evaluation date each resource type is read back to (``None``: all)."""

    days: Mapping[str, int | None]

    def since(self, resource_type: str, today: date) -> date | None:
        """The first day to read for ``resource_type`` (``None``: the whole record)."""
        days = self.days.get(resource_type)
        return None if days is None else today - timedelta(days=days)


def look_back(ruleset: Ruleset) -> LookBack:
    """The look-back of every search, derived from ``ruleset``'s windows."""
    windows = ruleset.windows
    treatment = windows.treatment_days
    return LookBack(
        MappingProxyType(
            {
                "Observation": windows.observation_days,
                "MedicationDispense": windows.adherence_days + windows.fill_carry_days,
                "MedicationRequest": treatment,
                "MedicationStatement": treatment,
                "MedicationAdministration": treatment,
                "Condition": None,
                "Procedure": None,
            }
        )
    )
