"""Medication records as EHRs send them, and medication facts, for the reader tests.

``Chart`` adds one patient's MedicationRequests, MedicationAdministrations and
MedicationDispenses in the shapes of ``tests.support.ehr`` (Epic- and Cerner-like: RxNorm
or text-only concepts, ``boundsPeriod``, ``timing.code`` BID/QD, administrations with an
``effectivePeriod``, dispenses dated ``whenPrepared``), with every date given in days
before the evaluation date, then runs the reading stage on them
(``fhir_mappings.read.facts.build_facts``).

``order_fact``, ``course_fact`` and ``dose_fact`` build facts directly, for the readers
that take facts (courses, exposure) when the FHIR shape is not what a test is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fhir_mappings.facts import (
    CANONICAL_UNIT,
    Agent,
    Analyte,
    DoseGiven,
    LabPoint,
    LabResults,
    LabSeries,
    MatchMethod,
    MedicationMatch,
    MedicationOrder,
    PatientFacts,
    Route,
    TherapyCourse,
    TherapyLine,
    TreatmentHistory,
)
from fhir_mappings.read.facts import build_facts
from fhir_mappings.resources import DataGap, PatientResources
from fhir_mappings.rulesets import get_ruleset
from tests.support import ehr

Json = dict[str, Any]

TODAY = ehr.TODAY
RULESET = get_ruleset("kdigo-2024")
WINDOWS = RULESET.treatment  # how orders become courses and lines
DOSES = RULESET.doses
RECORD = RULESET.windows  # how far back refills are read

RX = ehr.RXNORM
SCT = ehr.SNOMED
UCUM = ehr.UCUM

#: Products as EHRs code them (every RxNorm code is in the project's table; the others
#: are text-only concepts, as Cerner sends drugs it has no RxNorm code for).
MMF_500 = ehr.MMF_500_SCD
MPS_180 = ehr.rx_concept("485020", "mycophenolic acid 180 MG Delayed Release Oral Tablet")
CYC = ehr.CYC_IN
CYC_ORAL = ehr.rx_concept("197550", "Cyclophosphamide 50 MG Oral Tablet")
AZA = ehr.AZA_IN
TACROLIMUS_1MG = ehr.rx_concept("1664464", "Tacrolimus 1 MG Extended Release Oral Tablet")
VOCLOSPORIN = {"text": "Lupkynis (voclosporin) 7.9 mg capsule"}
CYCLOSPORINE = {"text": "Neoral (cyclosporine modified) 100 mg capsule"}
RITUXIMAB = ehr.rx_concept("121191", "rituximab")
OBINUTUZUMAB = {"text": "Gazyva (obinutuzumab) IV infusion"}
BELIMUMAB = {"text": "belimumab (Benlysta) 120 mg/vial"}
ANIFROLUMAB = {"text": "Saphnelo (anifrolumab) 300 mg IV"}
HCQ_200 = ehr.rx_concept("979092", "Hydroxychloroquine Sulfate 200 MG Oral Tablet")
PREDNISONE_20 = ehr.rx_concept("312615", "predniSONE 20 MG Oral Tablet")
METHYLPREDNISOLONE = {"text": "Solu-Medrol (methylprednisolone) 500 mg IV"}


def day(days_ago: int, today: date = TODAY) -> date:
    """The date ``days_ago`` days before ``today``."""
    return today - timedelta(days=days_ago)


@dataclass
class Chart:
    """One patient's medication record; every ``add_*``-style method returns the chart."""

    today: date = TODAY
    items: list[Json] = field(default_factory=list)
    gaps: list[DataGap] = field(default_factory=list)
    server_base: str | None = None
    _n: int = 0

    def on(self, days_ago: int) -> str:
        """The ISO date ``days_ago`` days before the evaluation date."""
        return day(days_ago, self.today).isoformat()

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self._n}"

    def add(self, *resources: Json) -> Chart:
        self.items.extend(resources)
        return self

    # --- orders --------------------------------------------------------------------------

    def request(
        self,
        concept: Json,
        start: int,
        dosage: Json | None = None,
        *,
        end: int | None = None,
        status: str | None = None,
    ) -> Chart:
        """A MedicationRequest from ``start`` (to ``end``) days ago, its dates in
        ``timing.repeat.boundsPeriod`` as Epic writes them; completed when it has an end."""
        dose = dict(dosage or {})
        timing = dict(dose.get("timing", {}))
        repeat = dict(timing.get("repeat", {}))
        period = {"start": self.on(start)}
        if end is not None:
            period["end"] = self.on(end)
        repeat["boundsPeriod"] = period
        timing["repeat"] = repeat
        dose["timing"] = timing
        state = status or ("completed" if end is not None else "active")
        return self.add(
            ehr.med_request(
                self._id("rx"), self.on(start), concept=concept, status=state, dosage=[dose]
            )
        )

    def tablets(
        self,
        concept: Json,
        start: int,
        per_dose: float,
        *,
        timing: str = "BID",
        end: int | None = None,
        status: str | None = None,
    ) -> Chart:
        """Tablets by mouth ``per_dose`` at a time, ``timing`` a GTS code (BID, QD)."""
        return self.request(
            concept, start, ehr.timed_dose(per_dose, code=timing), end=end, status=status
        )

    def mmf(
        self, start: int, grams: float, *, end: int | None = None, status: str | None = None
    ) -> Chart:
        """Mycophenolate mofetil 500 mg tablets twice daily, ``grams`` a day."""
        return self.tablets(MMF_500, start, grams * 1000 / 500 / 2, end=end, status=status)

    def mps(
        self, start: int, mg_day: float, *, end: int | None = None, status: str | None = None
    ) -> Chart:
        """Mycophenolate sodium 180 mg delayed-release tablets twice daily, ``mg_day`` a day."""
        return self.tablets(MPS_180, start, mg_day / 180 / 2, end=end, status=status)

    def daily(
        self, concept: Json, start: int, mg: float, *, end: int | None = None, route: str = "Oral"
    ) -> Chart:
        """``mg`` once a day."""
        return self.request(concept, start, ehr.timed_dose(mg=mg, code="QD", route=route), end=end)

    def tacrolimus(self, start: int, mg_day: float = 4, *, end: int | None = None) -> Chart:
        return self.tablets(TACROLIMUS_1MG, start, mg_day / 2, end=end)

    def iv_every(
        self,
        concept: Json,
        start: int,
        *,
        mg: float | None = None,
        mg_per_kg: float | None = None,
        weeks: float = 4,
        end: int | None = None,
    ) -> Chart:
        """An IV order every ``weeks`` weeks (belimumab 10 mg/kg every 4 weeks)."""
        if mg_per_kg is not None:
            dose = {"value": mg_per_kg, "unit": "mg/kg", "system": UCUM, "code": "mg/kg"}
        else:
            dose = {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"}
        dosage = {
            "route": {"coding": [{"system": SCT, "code": "47625008"}], "text": "Intravenous"},
            "timing": {"repeat": {"frequency": 1, "period": weeks, "periodUnit": "wk"}},
            "doseAndRate": [{"doseQuantity": dose}],
        }
        return self.request(concept, start, dosage, end=end)

    # --- pulses and infusions ---------------------------------------------------------------

    def pulses(
        self,
        concept: Json,
        first: int,
        count: int,
        *,
        every: int = 14,
        mg: float | None = 500,
        planned: int | None = 6,
        order: bool = True,
        order_every: int | None = None,
        per_m2: float | None = None,
    ) -> Chart:
        """An IV course: an order (``planned`` doses every ``order_every`` days, default
        ``every``) and ``count`` administrations ``every`` days apart from ``first``.

        ``order_every=0`` writes the order without a timing (a single "750 mg/m2 IV" line);
        ``per_m2`` writes the ordered dose in mg/m2; ``mg=None`` administrations without a dose.
        """
        if order:
            interval = every if order_every is None else order_every
            repeat: Json = {"boundsPeriod": {"start": self.on(first)}}
            if interval:
                repeat.update(frequency=1, period=interval, periodUnit="d")
            if planned is not None:
                repeat["count"] = planned
            if per_m2 is not None:
                dose: Json = {"value": per_m2, "unit": "mg/m2", "system": UCUM, "code": "mg/m2"}
            else:
                dose = {"value": mg or 500, "unit": "mg", "system": UCUM, "code": "mg"}
            dosage = {
                "timing": {"repeat": repeat},
                "route": {"text": "Intravenous"},
                "doseAndRate": [{"doseQuantity": dose}],
            }
            self.add(
                ehr.med_request(self._id("rx"), self.on(first), concept=concept, dosage=[dosage])
            )
        for k in range(count):
            self.given(concept, first - k * every, mg)
        return self

    def given(self, concept: Json, days_ago: int, mg: float | None = 500) -> Chart:
        """One IV administration, Cerner-shaped (an ``effectivePeriod``, dose in mg)."""
        resource = ehr.administration(
            self._id("adm"), self.on(days_ago), concept, value=mg or 0, unit="mg", code="mg"
        )
        if mg is None:
            del resource["dosage"]["dose"]
        return self.add(resource)

    def infusions(self, concept: Json, *days_ago: int, mg: float = 1000) -> Chart:
        """Administrations only, no order (rituximab given on the infusion unit)."""
        for when in days_ago:
            self.given(concept, when, mg)
        return self

    # --- dispenses ---------------------------------------------------------------------------

    def fills(
        self,
        text: str,
        first: int,
        count: int,
        *,
        every: int = 30,
        supply: float | None = 30,
        tablets: float = 180,
        tablets_per_day: float | None = None,
    ) -> Chart:
        """``count`` completed dispenses ``every`` days apart from ``first`` days ago."""
        for k in range(count):
            self.add(
                ehr.dispense(
                    self._id("disp"),
                    self.on(first - k * every),
                    text,
                    quantity=tablets,
                    days_supply=supply,
                    tablets_per_day=tablets_per_day,
                )
            )
        return self

    def dispense(
        self,
        concept: Json,
        days_ago: int,
        *,
        quantity: float | None = 120,
        unit: str = "{tbl}",
        supply: float | None = 30,
        status: str = "completed",
        dosage: list[Json] | None = None,
    ) -> Chart:
        """An Epic-shaped MedicationDispense: ``whenHandedOver``, a coded medication."""
        resource: Json = {
            "resourceType": "MedicationDispense",
            "id": self._id("md"),
            "status": status,
            "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": concept,
            "whenHandedOver": f"{self.on(days_ago)}T15:12:00Z",
        }
        if quantity is not None:
            resource["quantity"] = {"value": quantity, "unit": unit, "system": UCUM, "code": unit}
        if supply is not None:
            resource["daysSupply"] = {"value": supply, "unit": "day", "system": UCUM, "code": "d"}
        if dosage is not None:
            resource["dosageInstruction"] = dosage
        return self.add(resource)

    # --- labs --------------------------------------------------------------------------------

    def lab(
        self, loinc: str, days_ago: int, value: float, unit: str, *, comparator: str | None = None
    ) -> Chart:
        """A laboratory Observation (UCUM-coded value) taken ``days_ago`` days ago."""
        return self.add(
            ehr.observation(
                self._id("lab"),
                loinc,
                self.on(days_ago),
                value,
                unit,
                code=unit,
                comparator=comparator,
            )
        )

    # --- the reading stage --------------------------------------------------------------------

    def resources(self) -> PatientResources:
        return PatientResources.from_resources(
            self.items, gaps=self.gaps, server_base=self.server_base
        )

    def facts(self) -> PatientFacts:
        return build_facts(self.resources(), today=self.today, ruleset=RULESET)

    def history(self) -> TreatmentHistory:
        return self.facts().treatment

    def lines(self) -> tuple[TherapyLine, ...]:
        return self.history().lines

    def current(self) -> TherapyLine:
        """The current line (an ``AssertionError`` when there is none)."""
        line = self.history().current
        assert line is not None, "no current line"
        return line


# --- facts built directly ---------------------------------------------------------------------


def match(agent: Agent, *, code: str | None = None) -> MedicationMatch:
    return MedicationMatch(agent, MatchMethod.CODING, code, None, None, None)


def order_fact(
    agent: Agent,
    start: date | None,
    end: date | None = None,
    *,
    status: str = "active",
    daily: float | None = None,
    route: Route = Route.ORAL,
    planned: int | None = None,
    authored: date | None = None,
    interval: float | None = None,
    per_m2: float | None = None,
) -> MedicationOrder:
    """A ``MedicationOrder`` as ``map_orders`` makes it."""
    return MedicationOrder(
        source_id=None,
        medication=match(agent),
        status=status,
        intent="order",
        authored_on=authored,
        start=start,
        end=end,
        route=route,
        dose_mg=None,
        daily_dose_mg=daily,
        dose_per_m2_mg=per_m2,
        dose_per_kg_mg=None,
        interval_days=interval,
        planned_doses=planned,
        dosage_text=None,
    )


def dose_fact(
    agent: Agent, when: date, mg: float | None = 500.0, route: Route = Route.INTRAVENOUS
) -> DoseGiven:
    return DoseGiven(agent, when, mg, route, None)


def course_fact(
    agent: Agent = Agent.MYCOPHENOLATE_MOFETIL,
    start: date = date(2026, 1, 1),
    end: date | None = None,
    *,
    route: Route = Route.ORAL,
    daily: float | None = 2000,
    doses: tuple[DoseGiven, ...] = (),
) -> TherapyCourse:
    return TherapyCourse(agent, start, end, route, daily, (), doses)


def lab_point(
    analyte: Analyte, value: float, when: date, comparator: str | None = None
) -> LabPoint:
    unit = CANONICAL_UNIT[analyte]
    at = datetime(when.year, when.month, when.day, 8, 30, tzinfo=UTC)
    return LabPoint(analyte, at, value, unit, comparator, value, unit, "x", None)


def labs(*points: LabPoint) -> LabResults:
    """``LabResults`` holding ``points`` (oldest first within each analyte)."""
    by_analyte: dict[Analyte, list[LabPoint]] = {}
    for point in sorted(points, key=lambda p: p.when):
        by_analyte.setdefault(point.analyte, []).append(point)
    return LabResults({a: LabSeries(a, tuple(p)) for a, p in by_analyte.items()})
