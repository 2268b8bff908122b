"""Laboratory facts: analytes, results in canonical units, series.

Conventions of every fact module
--------------------------------
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
    MPA_TROUGH = "mpa-trough"  # mycophenolic acid trough (pre-dose, C0/C12)
    MPA_AUC = "mpa-auc"  # mycophenolic acid 12 h AUC
    MPA_RANDOM = "mpa-random"  # mycophenolic acid, timing not stated: not a trough
    TACROLIMUS_TROUGH = "tacrolimus-trough"
    CYCLOSPORINE_TROUGH = "cyclosporine-trough"
    HYDROXYCHLOROQUINE = "hydroxychloroquine"  # whole-blood level
    WEIGHT = "weight"
    HEIGHT = "height"
    NEUTROPHILS = "neutrophils"  # absolute neutrophil count in blood
    LEUKOCYTES = "leukocytes"  # white cell count in blood
    PLATELETS = "platelets"
    HCG = "hcg"  # quantitative choriogonadotropin in serum or plasma
    URINE_PROTEIN = "urine-protein"  # protein concentration in a urine sample
    URINE_CREATININE = "urine-creatinine"  # creatinine concentration in a urine sample


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
    Analyte.MPA_RANDOM: "mg/L",
    Analyte.TACROLIMUS_TROUGH: "ng/mL",
    Analyte.CYCLOSPORINE_TROUGH: "ng/mL",
    Analyte.HYDROXYCHLOROQUINE: "ng/mL",
    Analyte.WEIGHT: "kg",
    Analyte.HEIGHT: "cm",
    Analyte.NEUTROPHILS: "10*9/L",
    Analyte.LEUKOCYTES: "10*9/L",
    Analyte.PLATELETS: "10*9/L",
    Analyte.HCG: "[IU]/L",
    Analyte.URINE_PROTEIN: "mg/dL",
    Analyte.URINE_CREATININE: "mg/dL",
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
