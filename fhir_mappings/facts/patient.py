"""``PatientFacts``: everything the rules need about one patient, as of one day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fhir_mappings.facts.clinical import Biopsy, ConditionFact
from fhir_mappings.facts.exposure import AgentExposure
from fhir_mappings.facts.labs import ExcludedResource, LabResults
from fhir_mappings.facts.lines import TreatmentHistory
from fhir_mappings.facts.safety import SafetyRecord
from fhir_mappings.resources import DataGap


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """Everything the rules need about one patient, at ``today``.

    ``exposure`` covers the agents of the current line (empty when there is none).
    ``gaps`` are the parts of the record the gathering step could not read completely.
    """

    today: date
    patient_id: str | None
    lupus_nephritis: tuple[ConditionFact, ...]
    labs: LabResults
    treatment: TreatmentHistory
    exposure: tuple[AgentExposure, ...]
    biopsies: tuple[Biopsy, ...]
    safety: SafetyRecord
    weight_kg: float | None = None
    height_cm: float | None = None
    body_surface_area_m2: float | None = None
    excluded: tuple[ExcludedResource, ...] = ()
    gaps: tuple[DataGap, ...] = ()

    @property
    def has_lupus_nephritis(self) -> bool:
        return bool(self.lupus_nephritis)

    def gap(self, resource_type: str) -> DataGap | None:
        """The gap recorded for ``resource_type``, if any."""
        return next((g for g in self.gaps if g.resource_type == resource_type), None)
