"""Held-out Cerner/Oracle-shaped patients: statements, administrations, text-only drugs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_mappings import assess
from fhir_mappings.facts import Agent, MatchMethod, RefillStatus, Route
from fhir_mappings.findings import ActionKind, PatientAssessment, ResponseClass, Topic
from fhir_mappings.pipeline import build_facts
from fhir_mappings.rules.adherence import Verdict, judge
from fhir_mappings.rulesets import get_ruleset
from tests.support.ehr import (
    CYC_IN,
    TODAY,
    Json,
    administration,
    day,
    dispense,
    height,
    ln_snomed,
    med_statement,
    patient,
    protein_24h_mg,
    resources,
    rx_concept,
    timed_dose,
    upcr,
    weight,
)


def _topics(result: PatientAssessment) -> list[Topic]:
    return [f.topic for f in result.findings]


class TestTextOnlyMedications:
    @pytest.mark.parametrize(
        ("text", "agent", "strength"),
        [
            ("Cellcept 500mg tab", Agent.MYCOPHENOLATE_MOFETIL, 500.0),
            ("MMF", Agent.MYCOPHENOLATE_MOFETIL, None),
            ("Myfortic 360 mg EC tab", Agent.MYCOPHENOLATE_SODIUM, 360.0),
            ("mycophenolate sodium", Agent.MYCOPHENOLATE_SODIUM, None),
        ],
    )
    def test_statement_text_is_recognised(
        self, text: str, agent: Agent, strength: float | None
    ) -> None:
        """A MedicationStatement naming the drug only in text is that drug, with its strength."""
        items = [med_statement("s", day(-30), text)]
        facts = build_facts(resources(*items), today=TODAY)
        (order,) = facts.treatment.orders
        assert order.medication.agent is agent
        assert order.medication.method is MatchMethod.TEXT
        assert order.medication.strength_mg == strength


def myfortic_patient(*, cancelled_fills: bool = True) -> list[Json]:
    """Myfortic 720 mg BID (1.44 g/day) for ~8 months, UPCR 2.4 -> 1.9 g/g; half the fills."""
    start = -245
    items: list[Json] = [
        patient(),
        ln_snomed("ln"),
        med_statement(
            "st-myf",
            day(start),
            "Myfortic 360 mg EC tab",
            dosage=[timed_dose(2, code="BID")],
        ),
        upcr("b", day(start - 7), 2.4),
        upcr("m3", day(start + 95), 2.2),
        upcr("m7", day(-25), 1.9),
    ]
    # Completed fills every 60 days with a 30-day supply (quantity 120 at 4 tablets/day,
    # no daysSupply): about half the days covered.
    for i, offset in enumerate(range(start, 0, 60)):
        items.append(
            dispense(
                f"d{i}", day(offset), "Myfortic 360 mg EC tab", quantity=120, tablets_per_day=4
            )
        )
        if cancelled_fills:  # the in-between fills were cancelled / never picked up
            status = "cancelled" if i % 2 else "in-progress"
            items.append(
                dispense(
                    f"x{i}",
                    day(offset + 30),
                    "Myfortic 360 mg EC tab",
                    quantity=120,
                    days_supply=30,
                    status=status,
                )
            )
    return items


class TestCernerMyforticPartialFills:
    def test_topics(self) -> None:
        """Half the days covered: possible non-adherence first, dose review and biopsy; the
        patient is not called refractory while adherence is in doubt."""
        result = assess(resources(*myfortic_patient()), today=TODAY)
        assert _topics(result) == [Topic.ADHERENCE, Topic.DOSE_REVIEW, Topic.REPEAT_BIOPSY]

    def test_daily_dose(self) -> None:
        """2 x 360 mg twice daily from a text-only statement is 1440 mg/day."""
        facts = build_facts(resources(*myfortic_patient()), today=TODAY)
        line = facts.treatment.current
        assert line is not None
        assert line.backbone is not None
        assert line.backbone.agent is Agent.MYCOPHENOLATE_SODIUM
        assert line.backbone.daily_dose_mg == pytest.approx(1440.0)

    def test_cancelled_and_in_progress_dispenses_do_not_cover_days(self) -> None:
        """Only completed dispenses supply days: PDC stays near one half."""
        facts = build_facts(resources(*myfortic_patient()), today=TODAY)
        (refills,) = [e.refills for e in facts.exposure if e.agent is Agent.MYCOPHENOLATE_SODIUM]
        assert refills.status is RefillStatus.MEASURED
        assert refills.pdc is not None
        assert 0.4 <= refills.pdc <= 0.6
        assert {f.source_id for f in refills.fills} <= {
            f"MedicationDispense/d{i}" for i in range(5)
        }


def euro_lupus(start: int, *, unit: str = "g", code: str = "g", value: float = 0.5) -> list[Json]:
    """Six IV cyclophosphamide doses every 2 weeks (Euro-Lupus), dose in g by default."""
    return [
        administration(f"cyc{i}", day(start + 14 * i), CYC_IN, value=value, unit=unit, code=code)
        for i in range(6)
    ]


def euro_lupus_patient() -> list[Json]:
    """Euro-Lupus ~8 months ago, 24 h protein 3.5 -> 3.0 -> 2.5 g/day (in mg)."""
    start = -245
    return [
        patient(),
        ln_snomed("ln"),
        *euro_lupus(start),
        protein_24h_mg("p0", day(start - 3), 3500.0),
        protein_24h_mg("p3", day(start + 92), 3000.0),
        protein_24h_mg("p7", day(-14), 2500.0),
    ]


class TestCernerIvCyclophosphamide:
    def _patient(self) -> list[Json]:
        return euro_lupus_patient()

    def test_topics(self) -> None:
        """No response 8 months after Euro-Lupus: refractory (with its biopsy), switch to MMF."""
        result = assess(resources(*self._patient()), today=TODAY)
        assert _topics(result) == [Topic.REFRACTORY, Topic.THERAPY_SWITCH]
        assert [a.kind for a in result.findings[0].actions] == [ActionKind.ORDER_KIDNEY_BIOPSY]
        switch = result.findings[-1]
        assert switch.actions[0].parameters["agent"] == Agent.MYCOPHENOLATE_MOFETIL.value

    def test_doses_in_grams_and_cumulative_dose(self) -> None:
        """0.5 g per dose reads as 500 mg; six doses are 3 g cumulative; adherence intrinsic."""
        facts = build_facts(resources(*self._patient()), today=TODAY)
        line = facts.treatment.current
        assert line is not None
        member = line.agent(Agent.CYCLOPHOSPHAMIDE)
        assert member is not None
        course = member.course
        assert course.route is Route.INTRAVENOUS
        assert [d.dose_mg for d in course.administrations] == [500.0] * 6
        assert course.cumulative_dose_mg == pytest.approx(3000.0)
        statuses = {e.agent: e.refills.status for e in facts.exposure}
        assert statuses.get(Agent.CYCLOPHOSPHAMIDE, RefillStatus.GIVEN_BY_CLINICIANS) is (
            RefillStatus.GIVEN_BY_CLINICIANS
        )

    def test_24h_protein_in_mg_is_the_proteinuria(self) -> None:
        """mg/(24.h) reads as g/day: baseline 3.5, latest 2.5 (29 % fall: no response)."""
        result = assess(resources(*self._patient()), today=TODAY)
        response = result.response
        assert response is not None
        assert response.classification is ResponseClass.NONE
        assert response.baseline_proteinuria is not None
        assert response.latest_proteinuria is not None
        assert response.baseline_proteinuria.value == pytest.approx(3.5)
        assert response.latest_proteinuria.value == pytest.approx(2.5)

    def test_dose_per_m2_uses_bsa(self) -> None:
        """750 mg/m2 at 70 kg / 170 cm (Mosteller BSA 1.818 m2) is about 1364 mg."""
        items = [
            weight("w", day(-40), 70.0),
            height("h", day(-40), 170.0),
            administration("nih", day(-30), CYC_IN, value=750.0, unit="mg/m2", code="mg/m2"),
        ]
        facts = build_facts(resources(*items), today=TODAY)
        (course,) = facts.treatment.courses
        assert course.administrations[0].dose_mg == pytest.approx(750.0 * 1.8181, rel=1e-3)

    def test_rituximab_administrations(self) -> None:
        """Two 1 g rituximab infusions two weeks apart are one rituximab course of 2 g."""
        rtx = rx_concept("121191", "rituximab")
        items = [
            administration("r1", day(-40), rtx, value=1000.0, unit="mg", code="mg"),
            administration("r2", day(-26), rtx, value=1.0, unit="g", code="g"),
        ]
        facts = build_facts(resources(*items), today=TODAY)
        (course,) = facts.treatment.courses
        assert course.agent is Agent.RITUXIMAB
        assert course.cumulative_dose_mg == pytest.approx(2000.0)

    def test_not_done_administration_is_not_a_dose(self) -> None:
        """A not-done administration is no dose given."""
        items = [
            administration("nd", day(-30), CYC_IN, value=0.5, unit="g", code="g", status="not-done")
        ]
        facts = build_facts(resources(*items), today=TODAY)
        assert facts.treatment.courses == ()


class TestDispenseWithoutDaysSupply:
    def test_supply_from_quantity_and_dose(self) -> None:
        """120 tablets at 4 a day, every 30 days with no daysSupply, is fully covered."""
        start = -180
        items: list[Json] = [
            med_statement(
                "st", day(start), "Cellcept 500mg tab", dosage=[timed_dose(2, code="BID")]
            )
        ]
        items += [
            dispense(f"d{i}", day(start + 30 * i), "Cellcept 500mg tab", quantity=120)
            for i in range(6)
        ]
        facts = build_facts(resources(*items), today=TODAY)
        (exposure,) = facts.exposure
        refills = exposure.refills
        assert refills.status is RefillStatus.MEASURED
        assert refills.pdc is not None
        assert refills.pdc >= 0.95
        assert refills.fills[0].when == TODAY + timedelta(days=start)
        assert judge(exposure, get_ruleset("kdigo-2024")).verdict is Verdict.ADHERENT
