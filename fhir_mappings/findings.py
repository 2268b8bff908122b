"""Findings: what the assessment concluded, as data.

A ``Finding`` is rendering-neutral: ``cds_service.cards`` turns it into a CDS
card (Markdown detail, FHIR suggestion resources, links); the terminal
(``cds_service.terminal``) reads those cards, so it shows what an EHR received.
Nothing here knows CDS Hooks JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from fhir_mappings.facts import Analyte, LabPoint, PatientFacts


class Topic(StrEnum):
    """Card topics, in the order a clinician should read them (this is also card order).

    Safety first (a pregnancy with teratogenic therapy; why the algorithm does not
    apply), then renal function worsening on therapy and a flare, then the diagnosis
    (refractory) followed by the review's steps in order: assess adherence, review the
    dose, repeat the biopsy, then switch or add; information cards last.
    """

    PREGNANCY = "pregnancy"
    NOT_APPLICABLE = "not-applicable"  # kidney failure: the refractory algorithm does not apply
    RENAL_WORSENING = "renal-worsening"
    FLARE = "flare"
    REFRACTORY = "refractory"
    ADHERENCE = "adherence"
    DOSE_REVIEW = "dose-review"
    REPEAT_BIOPSY = "repeat-biopsy"
    THERAPY_SWITCH = "therapy-switch"
    IMPROVING = "improving"  # not yet responding but improving: the switch waits
    MAINTENANCE_BIOPSY = "maintenance-biopsy"  # biopsy before stopping maintenance
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
    """A guideline, label or paper a rule comes from (``url`` absolute, for card links).

    ``label`` is the full reference with its section; ``short`` the few words a card
    link shows ("KDIGO 2024, Rec 10.2.3.1.1"). Every citation the code uses is a
    constant in ``fhir_mappings.sources``, listed in ``docs/clinical-sources.md``.
    """

    label: str
    url: str
    short: str = ""


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One dated value shown in a card's evidence table: a value, never formatted text.

    ``when`` is the row's own date (a result's, an order's, a fill's); a row about a
    period (a PDC) has ``until`` too. ``value`` is in ``unit`` (a canonical UCUM unit
    for labs; ``mg/day`` for doses, ``%`` for proportions, ``d`` for days' supply);
    ``text`` stands for a value that is not a number ("on hold", "completed").
    """

    when: date
    label: str  # e.g. "UPCR", "Dispense: mycophenolate mofetil", "PDC: mycophenolate mofetil"
    value: float | None
    unit: str
    comparator: str | None = None
    analyte: Analyte | None = None  # the lab analyte (its precision), None for other rows
    text: str | None = None
    until: date | None = None
    #: "baseline" | "latest" | "reference" | a dose row's "latest order" or its target
    #: ("target 3 g/day") | None
    marker: str | None = None
    source_id: str | None = None


class ActionKind(StrEnum):
    """Suggestions a finding can offer; ``cds_service.suggestions`` builds the FHIR resource."""

    ORDER_KIDNEY_BIOPSY = "order-kidney-biopsy"  # draft ServiceRequest
    ORDER_LAB = "order-lab"  # draft ServiceRequest for a LOINC-coded test (drug level, UPCR)
    DOSE_STEP = "dose-step"  # draft MedicationRequest with a new daily dose
    START_THERAPY = "start-therapy"  # draft MedicationRequest for a new agent (switch/add-on)


#: Action kinds that draft a medication order (what safety rules withhold).
MEDICATION_ACTIONS: frozenset[ActionKind] = frozenset(
    {ActionKind.DOSE_STEP, ActionKind.START_THERAPY}
)


@dataclass(frozen=True, slots=True)
class RecommendedAction:
    """A concrete, orderable suggestion.

    ``parameters`` by kind:
      * ORDER_KIDNEY_BIOPSY: {"reason": str}
      * ORDER_LAB: {"loinc": str, "display": str, "reason": str}
      * DOSE_STEP: {"agent": Agent value, "daily_dose_mg": float, "dose_mg": float,
        "frequency_per_day": int, "route": Route value, "replaces": source_id | None}
      * START_THERAPY: {"agent": Agent value, "dosage_text": str, "route": Route value}

    ``notes`` go on the draft order itself (e.g. the pregnancy-prevention requirement
    of mycophenolate). ``also`` holds the orders accepted together with this one, as one
    decision (multitarget therapy: tacrolimus added *and* mycophenolate reduced); a
    suggestion carries them all or none.
    """

    kind: ActionKind
    label: str  # button label, e.g. "Order kidney biopsy"
    parameters: Mapping[str, str | float | int | None]
    recommended: bool = False
    notes: tuple[str, ...] = ()
    also: tuple[RecommendedAction, ...] = ()

    @property
    def agent(self) -> str | None:
        """The agent a medication action is about (an ``Agent`` value), else ``None``."""
        value = self.parameters.get("agent")
        return value if isinstance(value, str) else None

    @property
    def decision_label(self) -> str:
        """The label of the whole decision: "Add tacrolimus (multitarget); reduce
        mycophenolate mofetil to 1 g/day" (the label alone without companions)."""
        rest = [c.label[:1].lower() + c.label[1:] for c in self.also]
        return "; ".join((self.label, *rest))

    @property
    def agents(self) -> tuple[str, ...]:
        """Every agent this decision orders, its companions' included."""
        return tuple(a for a in (self.agent, *(c.agent for c in self.also)) if a is not None)


@dataclass(frozen=True, slots=True)
class SafetyTrace:
    """What a safety rule changed on a card, and why: the fact, the rule, its source."""

    rule: str  # e.g. "pregnancy: no teratogenic draft orders"
    fact: str  # e.g. "Pregnancy recorded 2026-09-01 (Condition/p1)"
    effect: str  # e.g. "draft order for cyclophosphamide withheld"
    citation: Citation
    source_id: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One conclusion worth a card.

    ``citations`` name where this card's rule comes from (the first is linked on the
    card); ``traces`` record what a safety rule changed on it.
    """

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
    traces: tuple[SafetyTrace, ...] = ()


@dataclass(frozen=True, slots=True)
class ResponseAssessment:
    """Response of one line of therapy under one ruleset, judged at one date.

    ``clock_start`` is where the line's response is judged from (an induction's start;
    for maintenance, the induction it follows). ``response_date`` is the first date of
    the run of values that meets the current classification; ``first_response_date`` the
    first date a complete or partial response was ever met since the clock started (a
    later rise is then a flare or a lost response, never refractory disease).
    """

    ruleset: str
    classification: ResponseClass
    line_number: int
    clock_start: date
    months_on_line: float
    baseline_proteinuria: LabPoint | None
    latest_proteinuria: LabPoint | None
    baseline_renal: LabPoint | None  # creatinine or eGFR, the ruleset's preferred measure
    latest_renal: LabPoint | None
    proteinuria_change: float | None  # fractional change from baseline (-0.6 = 60 % fall)
    renal_function_stable: bool | None
    response_date: date | None
    first_response_date: date | None
    follow_up: tuple[LabPoint, ...] = ()  # proteinuria after the baseline, oldest first
    reasons: tuple[str, ...] = ()

    @property
    def responded(self) -> bool:
        """A complete or partial response was met at some point on this clock."""
        return self.first_response_date is not None


@dataclass(frozen=True, slots=True)
class PatientAssessment:
    """The public result of ``fhir_mappings.assess``.

    ``traces`` records every card a safety rule suppressed or changed, with its reason
    (also when no card is left to carry it, e.g. a patient who has died).
    """

    facts: PatientFacts
    response: ResponseAssessment | None  # None when no LN or no current line
    findings: tuple[Finding, ...] = field(default=())
    traces: tuple[SafetyTrace, ...] = ()
