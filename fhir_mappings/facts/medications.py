"""Medication facts: the agents, how a product was recognised, orders, doses given, courses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


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


#: Immunosuppressive agents whose start, switch or new course changes the line of
#: therapy for lupus nephritis. Hydroxychloroquine and glucocorticoids are background
#: therapy: their changes do not start a line.
LINE_AGENTS: frozenset[Agent] = frozenset(
    {
        Agent.MYCOPHENOLATE_MOFETIL,
        Agent.MYCOPHENOLATE_SODIUM,
        Agent.CYCLOPHOSPHAMIDE,
        Agent.AZATHIOPRINE,
        Agent.TACROLIMUS,
        Agent.CYCLOSPORINE,
        Agent.VOCLOSPORIN,
        Agent.RITUXIMAB,
        Agent.OBINUTUZUMAB,
        Agent.BELIMUMAB,
        Agent.ANIFROLUMAB,
    }
)
#: Anti-CD20 antibodies: once given, they count as tried.
ANTI_CD20: frozenset[Agent] = frozenset({Agent.RITUXIMAB, Agent.OBINUTUZUMAB})
#: Backbones of an induction regimen (KDIGO 2024: mycophenolate or cyclophosphamide).
BACKBONE_AGENTS: frozenset[Agent] = MYCOPHENOLATES | {Agent.CYCLOPHOSPHAMIDE}


@dataclass(frozen=True, slots=True)
class UnidentifiedMedication:
    """An order, dispense, administration or statement whose medication could not be read.

    ``reference`` is the ``medicationReference`` that could not be resolved (another
    server's Medication, one the server could not return, a missing contained one).
    The drug may be a lupus nephritis agent, so the regimen is unknown while it stands.
    """

    source_id: str | None
    reference: str
    status: str | None
    when: date | None
