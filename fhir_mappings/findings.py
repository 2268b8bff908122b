"""Findings: what the assessment concluded, as data.

A ``Finding`` is rendering-neutral: ``cds_service.cards`` turns it into a CDS
card (Markdown detail, FHIR suggestion resources, links) and the terminal demo
turns the same finding into text. Nothing here knows CDS Hooks JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from fhir_mappings.facts import Analyte, LabPoint, PatientFacts


class Topic(StrEnum):
    """Card topics, in the order the review orders the work (this is also card order).

    Critical first (renal function worsening in the first 3 months), then the
    diagnosis (refractory) followed by the review's steps in order: assess adherence,
    review the dose, repeat the biopsy, then switch; information cards last.
    """

    RENAL_WORSENING = "renal-worsening"
    REFRACTORY = "refractory"
    ADHERENCE = "adherence"
    DOSE_REVIEW = "dose-review"
    REPEAT_BIOPSY = "repeat-biopsy"
    THERAPY_SWITCH = "therapy-switch"
    CNI_CAVEAT = "cni-caveat"
    DATA_GAP = "data-gap"
    RESPONSE_STATUS = "response-status"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class ResponseClass(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    NONE = "none"
    TOO_EARLY = "too-early"
    INSUFFICIENT_DATA = "insufficient-data"


@dataclass(frozen=True, slots=True)
class Citation:
    """A guideline or paper a rule comes from (``url`` absolute, for card links)."""

    label: str  # e.g. "KDIGO 2024 Lupus Nephritis Guideline, Practice Point 10.2.3.1.1"
    url: str


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One dated value shown in a card's evidence table."""

    when: date
    analyte: Analyte | None  # None for non-lab rows (a fill, a dose)
    label: str  # e.g. "UPCR", "Dispense", "Mycophenolate mofetil"
    value: str  # already formatted, comparator included ("<0.10")
    unit: str
    marker: str | None = None  # "baseline" | "latest" | "threshold" | None
    source_id: str | None = None


class ActionKind(StrEnum):
    """Suggestions a finding can offer; ``cds_service.suggestions`` builds the FHIR resource."""

    ORDER_KIDNEY_BIOPSY = "order-kidney-biopsy"  # draft ServiceRequest
    ORDER_LAB = "order-lab"  # draft ServiceRequest for a LOINC-coded test (drug level, UPCR)
    DOSE_STEP = "dose-step"  # draft MedicationRequest with a new daily dose
    START_THERAPY = "start-therapy"  # draft MedicationRequest for a new agent (switch/add-on)


@dataclass(frozen=True, slots=True)
class RecommendedAction:
    """A concrete, orderable suggestion.

    ``parameters`` by kind:
      * ORDER_KIDNEY_BIOPSY: {"reason": str}
      * ORDER_LAB: {"loinc": str, "display": str, "reason": str}
      * DOSE_STEP: {"agent": Agent value, "daily_dose_mg": float, "dose_mg": float,
        "frequency_per_day": int, "route": Route value, "replaces": source_id | None}
      * START_THERAPY: {"agent": Agent value, "dosage_text": str, "route": Route value}
    """

    kind: ActionKind
    label: str  # button label, e.g. "Order kidney biopsy"
    parameters: Mapping[str, str | float | int | None]
    recommended: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    """One conclusion worth a card."""

    topic: Topic
    severity: Severity
    summary: str  # < 140 characters, readable in two seconds
    rationale: str  # the rule applied, with its threshold (plain sentence)
    evidence: tuple[EvidenceRow, ...]
    series: tuple[LabPoint, ...] = ()  # the series behind a trend line (oldest first)
    next_steps: tuple[str, ...] = ()  # the review's next steps, in order
    actions: tuple[RecommendedAction, ...] = ()
    citations: tuple[Citation, ...] = ()
    notes: tuple[str, ...] = ()  # caveats (e.g. "adherence unknown: no dispense records")


@dataclass(frozen=True, slots=True)
class ResponseAssessment:
    """Response to the current induction regimen under one ruleset."""

    ruleset: str
    classification: ResponseClass
    induction_start: date | None
    months_on_therapy: float | None
    baseline_proteinuria: LabPoint | None
    latest_proteinuria: LabPoint | None
    baseline_creatinine: LabPoint | None
    latest_creatinine: LabPoint | None
    proteinuria_change: float | None  # fractional change from baseline (-0.6 = 60 % fall)
    renal_function_stable: bool | None
    early_worsening: bool  # renal function worse beyond the band within the first 3 months
    response_date: date | None  # first date the response criteria were met
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PatientAssessment:
    """The public result of ``fhir_mappings.assess``."""

    facts: PatientFacts
    response: ResponseAssessment | None  # None when no LN or no induction
    findings: tuple[Finding, ...] = field(default=())
