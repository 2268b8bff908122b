"""Clinical facts drawn from FHIR resources: frozen, typed, unit-normalised.

The contract between the two stages: ``fhir_mappings.read`` produces these,
``fhir_mappings.rules`` judges them. Nothing here knows HTTP, CDS Hooks or the clock.
One module per kind of fact; every name is re-exported here.
"""

from fhir_mappings.facts.clinical import Biopsy, ConditionFact
from fhir_mappings.facts.exposure import AgentExposure, Fill, Refills, RefillStatus
from fhir_mappings.facts.labs import (
    CANONICAL_UNIT,
    Analyte,
    ExcludedResource,
    LabPoint,
    LabResults,
    LabSeries,
    UnreadableResult,
)
from fhir_mappings.facts.lines import (
    LineAgent,
    LineChange,
    LineRole,
    PulseDelivery,
    PulseScheme,
    RegimenKind,
    TherapyLine,
    TreatmentHistory,
)
from fhir_mappings.facts.medications import (
    ANTI_CD20,
    BACKBONE_AGENTS,
    CALCINEURIN_INHIBITORS,
    LINE_AGENTS,
    MYCOPHENOLATES,
    Agent,
    DoseGiven,
    MatchMethod,
    MedicationMatch,
    MedicationOrder,
    Route,
    TherapyCourse,
    UnidentifiedMedication,
)
from fhir_mappings.facts.patient import PatientFacts
from fhir_mappings.facts.safety import (
    Certainty,
    PatientRecord,
    PregnancyTest,
    SafetyEvent,
    SafetyKind,
    SafetyRecord,
    Sex,
    TestResult,
)

__all__ = [
    "ANTI_CD20",
    "BACKBONE_AGENTS",
    "CALCINEURIN_INHIBITORS",
    "CANONICAL_UNIT",
    "LINE_AGENTS",
    "MYCOPHENOLATES",
    "Agent",
    "AgentExposure",
    "Analyte",
    "Biopsy",
    "Certainty",
    "ConditionFact",
    "DoseGiven",
    "ExcludedResource",
    "Fill",
    "LabPoint",
    "LabResults",
    "LabSeries",
    "LineAgent",
    "LineChange",
    "LineRole",
    "MatchMethod",
    "MedicationMatch",
    "MedicationOrder",
    "PatientFacts",
    "PatientRecord",
    "PregnancyTest",
    "PulseDelivery",
    "PulseScheme",
    "RefillStatus",
    "Refills",
    "RegimenKind",
    "Route",
    "SafetyEvent",
    "SafetyKind",
    "SafetyRecord",
    "Sex",
    "TestResult",
    "TherapyCourse",
    "TherapyLine",
    "TreatmentHistory",
    "UnidentifiedMedication",
    "UnreadableResult",
]
