"""A patient's record built as an EHR holds it, for clinical scenario tests.

``Record`` adds FHIR R4 resources shaped the way Epic- and Cerner-like servers send them
(``tests.support.ehr``), with dates given as months before the evaluation date, then
runs the real pipeline (``fhir_mappings.assess``) on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fhir_mappings import assess
from fhir_mappings.findings import PatientAssessment, Topic
from fhir_mappings.resources import DataGap, PatientResources
from tests.support import ehr

Json = dict[str, Any]

TODAY = date(2026, 11, 1)
DAYS_PER_MONTH = 30.4375

#: RxNorm products the builders use (every one is in the project's RxNorm table).
MMF_500 = ehr.MMF_500_SCD
CYC = ehr.CYC_IN
AZA = ehr.AZA_IN
TACROLIMUS_1MG = ehr.rx_concept("1664464", "Tacrolimus 1 MG Extended Release Oral Tablet")
RITUXIMAB = ehr.rx_concept("121191", "rituximab")
BELIMUMAB = {"text": "belimumab (Benlysta) 120 mg/vial"}
HCQ = ehr.rx_concept("5521", "hydroxychloroquine")


@dataclass
class Record:
    """One patient's record; every ``add_*`` returns the record for chaining."""

    today: date = TODAY
    items: list[Json] = field(default_factory=list)
    gaps: list[DataGap] = field(default_factory=list)
    _n: int = 0

    # --- dates ---------------------------------------------------------------------

    def at(self, months_ago: float) -> str:
        """The ISO date ``months_ago`` months before the evaluation date."""
        return (self.today - timedelta(days=round(months_ago * DAYS_PER_MONTH))).isoformat()

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self._n}"

    def add(self, *resources: Json) -> Record:
        self.items.extend(resources)
        return self

    # --- patient and diagnoses ----------------------------------------------------------

    def patient(self, gender: str = "female", birth: str = "1992-03-14", **extra: Any) -> Record:
        out = {"resourceType": "Patient", "id": "p1", "gender": gender, "birthDate": birth}
        out.update(extra)
        return self.add(out)

    def lupus_nephritis(self, months_ago: float = 24) -> Record:
        return self.add(ehr.ln_icd10(self._id("ln"), onset=self.at(months_ago)))

    def condition(
        self,
        system: str,
        code: str,
        display: str,
        *,
        months_ago: float | None = None,
        clinical: str | None = "active",
        verification: str | None = "confirmed",
        text: str | None = None,
        abated_months_ago: float | None = None,
    ) -> Record:
        item = ehr.condition(
            self._id("cond"),
            coding=[{"system": system, "code": code, "display": display}],
            text=text or display,
            clinical=clinical,
            verification=verification,
            onset=self.at(months_ago) if months_ago is not None else None,
        )
        if months_ago is not None:
            item["recordedDate"] = self.at(months_ago)
        if abated_months_ago is not None:
            item["abatementDateTime"] = self.at(abated_months_ago)
        return self.add(item)

    def procedure(
        self, system: str, code: str, display: str, months_ago: float, status: str = "completed"
    ) -> Record:
        return self.add(
            {
                "resourceType": "Procedure",
                "id": self._id("proc"),
                "status": status,
                "subject": {"reference": "Patient/p1"},
                "code": {
                    "coding": [{"system": system, "code": code, "display": display}],
                    "text": display,
                },
                "performedDateTime": f"{self.at(months_ago)}T09:00:00Z",
            }
        )

    def biopsy(self, months_ago: float) -> Record:
        return self.procedure(
            "http://www.ama-assn.org/go/cpt",
            "50200",
            "Renal biopsy; percutaneous, by trocar or needle",
            months_ago,
        )

    # --- labs ---------------------------------------------------------------------------

    def upcr(self, *points: tuple[float, float]) -> Record:
        """(months ago, g/g) pairs, reported in mg/g as US labs do."""
        for months_ago, g_g in points:
            self.add(
                ehr.observation(
                    self._id("upcr"),
                    "2890-2",
                    self.at(months_ago),
                    round(g_g * 1000, 3),
                    "mg/g",
                    code="mg/g",
                )
            )
        return self

    def creatinine(self, *points: tuple[float, float]) -> Record:
        """(months ago, mg/dL) pairs."""
        for months_ago, mg_dl in points:
            self.add(
                ehr.observation(
                    self._id("cr"), "2160-0", self.at(months_ago), mg_dl, "mg/dL", code="mg/dL"
                )
            )
        return self

    def egfr(self, *points: tuple[float, float]) -> Record:
        for months_ago, value in points:
            self.add(
                ehr.observation(
                    self._id("egfr"),
                    "98979-8",
                    self.at(months_ago),
                    value,
                    "mL/min/{1.73_m2}",
                    code="mL/min/{1.73_m2}",
                )
            )
        return self

    def lab(self, loinc: str, months_ago: float, value: float, unit: str) -> Record:
        return self.add(
            ehr.observation(self._id("lab"), loinc, self.at(months_ago), value, unit, code=unit)
        )

    # --- medications --------------------------------------------------------------------

    def mmf(
        self,
        start_months_ago: float,
        grams_per_day: float,
        *,
        end_months_ago: float | None = None,
        status: str | None = None,
    ) -> Record:
        """MMF 500 mg tablets twice daily, ``grams_per_day`` a day."""
        tablets = grams_per_day * 1000 / 500 / 2
        return self.order(
            MMF_500,
            start_months_ago,
            ehr.timed_dose(tablets, code="BID"),
            end_months_ago=end_months_ago,
            status=status,
        )

    def order(
        self,
        concept: Json,
        start_months_ago: float,
        dosage: Json,
        *,
        end_months_ago: float | None = None,
        status: str | None = None,
    ) -> Record:
        start = self.at(start_months_ago)
        end = self.at(end_months_ago) if end_months_ago is not None else None
        dose = dict(dosage)
        timing = dict(dose.get("timing", {}))
        repeat = dict(timing.get("repeat", {}))
        repeat["boundsPeriod"] = {"start": start, **({"end": end} if end else {})}
        timing["repeat"] = repeat
        dose["timing"] = timing
        state = status or ("completed" if end is not None else "active")
        return self.add(
            ehr.med_request(self._id("rx"), start, concept=concept, status=state, dosage=[dose])
        )

    def pulses(
        self,
        concept: Json,
        first_months_ago: float,
        count: int,
        *,
        every_days: int = 14,
        mg: float = 500,
        order: bool = True,
    ) -> Record:
        """An IV course: an order for ``count`` doses every ``every_days`` and the
        administrations given (``count`` of them, from the first)."""
        first = self.today - timedelta(days=round(first_months_ago * DAYS_PER_MONTH))
        if order:
            dosage = {
                "timing": {
                    "repeat": {
                        "count": 6,
                        "frequency": 1,
                        "period": every_days,
                        "periodUnit": "d",
                        "boundsPeriod": {"start": first.isoformat()},
                    }
                },
                "route": {"text": "Intravenous"},
                "doseAndRate": [
                    {"doseQuantity": {"value": mg, "unit": "mg", "system": ehr.UCUM, "code": "mg"}}
                ],
            }
            self.add(
                ehr.med_request(self._id("rx"), first.isoformat(), concept=concept, dosage=[dosage])
            )
        for k in range(count):
            when = (first + timedelta(days=k * every_days)).isoformat()
            self.add(
                ehr.administration(self._id("adm"), when, concept, value=mg, unit="mg", code="mg")
            )
        return self

    def fills(
        self,
        text: str,
        first_months_ago: float,
        count: int,
        *,
        every_days: int = 30,
        supply_days: int = 30,
        tablets: float = 180,
    ) -> Record:
        first = self.today - timedelta(days=round(first_months_ago * DAYS_PER_MONTH))
        for k in range(count):
            when = (first + timedelta(days=k * every_days)).isoformat()
            self.add(
                ehr.dispense(
                    self._id("disp"), when, text, quantity=tablets, days_supply=supply_days
                )
            )
        return self

    # --- running the pipeline -------------------------------------------------------------

    def resources(self) -> PatientResources:
        return PatientResources.from_resources(self.items, gaps=self.gaps)

    def assess(self, ruleset: str = "kdigo-2024", show_status: bool = False) -> PatientAssessment:
        return assess(self.resources(), today=self.today, ruleset=ruleset, show_status=show_status)

    def topics(self, ruleset: str = "kdigo-2024") -> list[Topic]:
        return [f.topic for f in self.assess(ruleset).findings]


def finding(assessment: PatientAssessment, topic: Topic) -> Any:
    """The finding of ``topic`` (an ``AssertionError`` naming the topics present if absent)."""
    found = [f for f in assessment.findings if f.topic is topic]
    assert found, f"no {topic} finding; topics: {[f.topic.value for f in assessment.findings]}"
    return found[0]


def drafted_agents(assessment: PatientAssessment) -> set[str]:
    """Every agent a card drafts an order for."""
    return {a.agent for f in assessment.findings for a in f.actions if a.agent is not None}
