"""Clinical facts drawn from FHIR resources: frozen, typed, unit-normalised.

These dataclasses are the contract between the mappers (``observations``,
``medications``, ``dosing``, ``therapy``, ``adherence``, ``conditions``,
``procedures``, ``body``) and the assessment (``response``, ``algorithm``).
Nothing here knows HTTP, CDS Hooks or the clock.

Conventions
-----------
* Every lab value is in the canonical unit of its analyte (``CANONICAL_UNIT``).
* Dates are ``datetime.date``; lab times are timezone-aware ``datetime`` when the
  source carried a time, else midnight UTC of the given day.
* ``source_id`` is ``"ResourceType/id"`` of the resource a fact came from
  (``None`` when the resource had no id), so a card can cite its evidence.
* Tuples, not lists: facts are immutable and hashable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Analyte(StrEnum):
    """Laboratory analytes the service understands (canonical unit in ``CANONICAL_UNIT``)."""

    UPCR = "upcr"  # urine protein/creatinine ratio (spot, 12 h or 24 h urine)
    PROTEIN_24H = "protein-24h"  # protein excretion in 24 h urine
    CREATININE = "creatinine"  # serum/plasma creatinine
    EGFR = "egfr"
    URINE_RBC = "urine-rbc"
    UACR = "uacr"  # urine albumin/creatinine ratio
    C3 = "c3"
    C4 = "c4"
    ANTI_DSDNA = "anti-dsdna"
    MPA_TROUGH = "mpa-trough"  # mycophenolic acid trough (C0/C12)
    MPA_AUC = "mpa-auc"  # mycophenolic acid 12 h AUC
    TACROLIMUS_TROUGH = "tacrolimus-trough"
    CYCLOSPORINE_TROUGH = "cyclosporine-trough"
    HYDROXYCHLOROQUINE = "hydroxychloroquine"  # whole-blood level
    WEIGHT = "weight"
    HEIGHT = "height"


#: Canonical UCUM unit of each analyte. Mappers convert into these or exclude.
CANONICAL_UNIT: Mapping[Analyte, str] = {
    Analyte.UPCR: "g/g",
    Analyte.PROTEIN_24H: "g/d",
    Analyte.CREATININE: "mg/dL",
    Analyte.EGFR: "mL/min/{1.73_m2}",
    Analyte.URINE_RBC: "/[HPF]",
    Analyte.UACR: "mg/g",
    Analyte.C3: "mg/dL",
    Analyte.C4: "mg/dL",
    Analyte.ANTI_DSDNA: "[IU]/mL",
    Analyte.MPA_TROUGH: "mg/L",
    Analyte.MPA_AUC: "mg.h/L",
    Analyte.TACROLIMUS_TROUGH: "ng/mL",
    Analyte.CYCLOSPORINE_TROUGH: "ng/mL",
    Analyte.HYDROXYCHLOROQUINE: "ng/mL",
    Analyte.WEIGHT: "kg",
    Analyte.HEIGHT: "cm",
}


@dataclass(frozen=True, slots=True)
class LabPoint:
    """One laboratory result in the canonical unit of its analyte.

    ``comparator`` keeps FHIR's ``<``, ``<=``, ``>=``, ``>``: ``<0.1`` is *below*
    0.1, not 0.1, and the assessment must treat it as such.
    """

    analyte: Analyte
    when: datetime
    value: float
    unit: str
    comparator: str | None
    original_value: float
    original_unit: str
    code: str  # the LOINC code (or other code) that identified the analyte
    source_id: str | None
    #: ``when.date()``, set once at construction (speed: the assessment reads it about a
    #: thousand times per hook); it follows ``when``, so it is left out of ==, hash and repr.
    day: date = field(init=False, repr=False, compare=False)

    def __init__(  # the dataclass fields, in order
        self,
        analyte: Analyte,
        when: datetime,
        value: float,
        unit: str,
        comparator: str | None,
        original_value: float,
        original_unit: str,
        code: str,
        source_id: str | None,
    ) -> None:
        # speed: the slots' own setters instead of the frozen object.__setattr__ route;
        # unpacking fails loudly if a field is added here but not to the setters.
        s_analyte, s_when, s_value, s_unit, s_cmp, s_ovalue, s_ounit, s_code, s_sid, s_day = (
            _LAB_POINT_SETTERS
        )
        s_analyte(self, analyte)
        s_when(self, when)
        s_value(self, value)
        s_unit(self, unit)
        s_cmp(self, comparator)
        s_ovalue(self, original_value)
        s_ounit(self, original_unit)
        s_code(self, code)
        s_sid(self, source_id)
        s_day(self, when.date())


#: The slot setters of ``LabPoint`` in field order (taken from the final, slotted class).
_LAB_POINT_SETTERS: tuple[Callable[[LabPoint, Any], None], ...] = tuple(
    LabPoint.__dict__[f.name].__set__ for f in fields(LabPoint)
)


@dataclass(frozen=True, slots=True)
class ExcludedResource:
    """A resource the mappers saw and deliberately left out, with the reason."""

    source_id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class UnreadableResult:
    """A dated result of a known analyte whose value could not be read (no unit, text).

    Kept so the assessment knows a newer result exists that it cannot use: an older
    value must not be taken as the latest one (a ``"<0.1"`` without a unit is likely a
    remission, not a reason to call the patient refractory).
    """

    analyte: Analyte
    when: datetime
    source_id: str | None
    reason: str

    @property
    def day(self) -> date:
        return self.when.date()


@dataclass(frozen=True, slots=True)
class LabSeries:
    """All usable results of one analyte, oldest first, de-duplicated."""

    analyte: Analyte
    points: tuple[LabPoint, ...]

    @property
    def latest(self) -> LabPoint | None:
        return self.points[-1] if self.points else None


@dataclass(frozen=True, slots=True)
class LabResults:
    """Output of ``observations.map_observations``."""

    series: Mapping[Analyte, LabSeries]
    excluded: tuple[ExcludedResource, ...] = ()
    unreadable: tuple[UnreadableResult, ...] = ()

    def get(self, analyte: Analyte) -> LabSeries:
        return self.series.get(analyte, LabSeries(analyte, ()))


class Agent(StrEnum):
    """Drugs relevant to lupus nephritis (one entry per active moiety/product family)."""

    MYCOPHENOLATE_MOFETIL = "mycophenolate-mofetil"
    MYCOPHENOLATE_SODIUM = "mycophenolate-sodium"  # mycophenolic acid, enteric-coated
    CYCLOPHOSPHAMIDE = "cyclophosphamide"
    TACROLIMUS = "tacrolimus"
    CYCLOSPORINE = "cyclosporine"
    VOCLOSPORIN = "voclosporin"
    RITUXIMAB = "rituximab"
    OBINUTUZUMAB = "obinutuzumab"
    BELIMUMAB = "belimumab"
    ANIFROLUMAB = "anifrolumab"
    AZATHIOPRINE = "azathioprine"
    HYDROXYCHLOROQUINE = "hydroxychloroquine"
    PREDNISONE = "prednisone"
    PREDNISOLONE = "prednisolone"
    METHYLPREDNISOLONE = "methylprednisolone"


#: Human-readable names used in cards.
AGENT_DISPLAY: Mapping[Agent, str] = {
    Agent.MYCOPHENOLATE_MOFETIL: "mycophenolate mofetil",
    Agent.MYCOPHENOLATE_SODIUM: "mycophenolate sodium",
    Agent.CYCLOPHOSPHAMIDE: "cyclophosphamide",
    Agent.TACROLIMUS: "tacrolimus",
    Agent.CYCLOSPORINE: "cyclosporine",
    Agent.VOCLOSPORIN: "voclosporin",
    Agent.RITUXIMAB: "rituximab",
    Agent.OBINUTUZUMAB: "obinutuzumab",
    Agent.BELIMUMAB: "belimumab",
    Agent.ANIFROLUMAB: "anifrolumab",
    Agent.AZATHIOPRINE: "azathioprine",
    Agent.HYDROXYCHLOROQUINE: "hydroxychloroquine",
    Agent.PREDNISONE: "prednisone",
    Agent.PREDNISOLONE: "prednisolone",
    Agent.METHYLPREDNISOLONE: "methylprednisolone",
}

CALCINEURIN_INHIBITORS: frozenset[Agent] = frozenset(
    {Agent.TACROLIMUS, Agent.CYCLOSPORINE, Agent.VOCLOSPORIN}
)
MYCOPHENOLATES: frozenset[Agent] = frozenset(
    {Agent.MYCOPHENOLATE_MOFETIL, Agent.MYCOPHENOLATE_SODIUM}
)


class MatchMethod(StrEnum):
    """How a medication was recognised, from most to least reliable."""

    CODING = "coding"  # an RxNorm (or other known) code on the CodeableConcept
    REFERENCE = "reference"  # a Medication resource (contained, prefetched or fetched)
    TEXT = "text"  # name/brand text match, last resort


class Route(StrEnum):
    ORAL = "oral"
    INTRAVENOUS = "intravenous"
    SUBCUTANEOUS = "subcutaneous"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class MedicationMatch:
    """A medication recognised as one of the ``Agent`` s."""

    agent: Agent
    method: MatchMethod
    code: str | None  # the code that matched (RxNorm CUI), if any
    display: str | None  # the product name as written in the source
    strength_mg: float | None  # per unit (tablet/capsule/vial) when known
    dose_form: str | None  # e.g. "tablet", "capsule", "injection"


@dataclass(frozen=True, slots=True)
class MedicationOrder:
    """One MedicationRequest that counts as therapy (not a proposal, draft or error)."""

    source_id: str | None
    medication: MedicationMatch
    status: str  # active | on-hold | completed | stopped | unknown
    intent: str
    authored_on: date | None
    start: date | None  # boundsPeriod.start, else authoredOn
    end: date | None  # boundsPeriod.end or a computed end of a finite schedule
    route: Route
    dose_mg: float | None  # per administration, in mg
    daily_dose_mg: float | None  # averaged per day, in mg (None when not computable)
    dose_per_m2_mg: float | None  # when the order is written per m2 (mg/m2)
    dose_per_kg_mg: float | None  # when the order is written per kg (mg/kg)
    interval_days: float | None  # days between administrations (e.g. 14 for q2w)
    planned_doses: int | None  # e.g. 6 for "every 2 weeks x 6"
    dosage_text: str | None


@dataclass(frozen=True, slots=True)
class DoseGiven:
    """A dose actually administered (MedicationAdministration)."""

    agent: Agent
    when: date
    dose_mg: float | None
    route: Route
    source_id: str | None


@dataclass(frozen=True, slots=True)
class TherapyCourse:
    """Consecutive orders (and administrations) of one agent merged into one course."""

    agent: Agent
    start: date
    end: date | None  # None: ongoing at the evaluation date
    route: Route
    daily_dose_mg: float | None  # current (latest order's) daily dose, oral agents
    orders: tuple[MedicationOrder, ...]
    administrations: tuple[DoseGiven, ...] = ()
    cumulative_dose_mg: float | None = None  # sum of administrations, when known

    @property
    def ongoing(self) -> bool:
        return self.end is None


class RegimenKind(StrEnum):
    """Induction regimens recognised (KDIGO 2024 / ACR 2024 / EULAR 2019 / review)."""

    MYCOPHENOLATE = "mycophenolate"
    CYCLOPHOSPHAMIDE_IV = "cyclophosphamide-iv"
    CYCLOPHOSPHAMIDE_ORAL = "cyclophosphamide-oral"
    MULTITARGET = "multitarget"  # mycophenolate + tacrolimus (+ glucocorticoids)
    MYCOPHENOLATE_BELIMUMAB = "mycophenolate-belimumab"
    MYCOPHENOLATE_VOCLOSPORIN = "mycophenolate-voclosporin"
    CYCLOPHOSPHAMIDE_BELIMUMAB = "cyclophosphamide-belimumab"
    CNI_MONOTHERAPY = "cni-monotherapy"


@dataclass(frozen=True, slots=True)
class InductionRegimen:
    """The current induction regimen and when it started."""

    kind: RegimenKind
    start: date
    primary_agent: Agent  # the backbone (mycophenolate or cyclophosphamide, else the CNI)
    courses: tuple[TherapyCourse, ...]  # every agent of the regimen
    contains_cni: bool

    def course(self, agent: Agent) -> TherapyCourse | None:
        return next((c for c in self.courses if c.agent == agent), None)


class AdherenceStatus(StrEnum):
    ADHERENT = "adherent"
    POSSIBLE_NONADHERENCE = "possible-nonadherence"
    INTRINSIC = "intrinsic"  # given by a clinician (IV): adherence is not in question
    UNKNOWN = "unknown"  # no dispense data: unknown, not zero


@dataclass(frozen=True, slots=True)
class Fill:
    """One MedicationDispense, with the supply it provides."""

    when: date
    days_supply: float | None
    quantity: float | None
    source_id: str | None


@dataclass(frozen=True, slots=True)
class DrugLevelSignal:
    """A drug level read as an adherence/exposure signal."""

    point: LabPoint
    threshold: float
    low: bool  # below the threshold
    citation: str


@dataclass(frozen=True, slots=True)
class AdherenceEstimate:
    """Adherence of one oral agent (or the intrinsic adherence of an IV one)."""

    agent: Agent
    status: AdherenceStatus
    window_start: date | None
    window_end: date | None
    pdc: float | None  # proportion of days covered, 0..1
    mpr: float | None  # medication possession ratio, 0..1 (capped)
    days_since_last_fill: int | None
    fills: tuple[Fill, ...] = ()
    levels: tuple[DrugLevelSignal, ...] = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConditionFact:
    """A (non-refuted, non-error) lupus nephritis diagnosis."""

    code: str
    system: str
    display: str | None
    onset: date | None
    recorded: date | None
    isn_rps_class: str | None  # e.g. "III", "IV", "V", "III+V" when coded or written
    source_id: str | None


@dataclass(frozen=True, slots=True)
class Biopsy:
    """A kidney biopsy procedure (completed)."""

    when: date
    code: str
    system: str
    display: str | None
    source_id: str | None


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """Everything the assessment needs about one patient, at ``today``."""

    today: date
    patient_id: str | None
    lupus_nephritis: tuple[ConditionFact, ...]
    labs: LabResults
    orders: tuple[MedicationOrder, ...]
    courses: tuple[TherapyCourse, ...]
    induction: InductionRegimen | None
    maintenance: tuple[TherapyCourse, ...]
    adherence: tuple[AdherenceEstimate, ...]
    biopsies: tuple[Biopsy, ...]
    weight_kg: float | None = None
    height_cm: float | None = None
    body_surface_area_m2: float | None = None
    excluded: tuple[ExcludedResource, ...] = field(default=())

    @property
    def has_lupus_nephritis(self) -> bool:
        return bool(self.lupus_nephritis)
