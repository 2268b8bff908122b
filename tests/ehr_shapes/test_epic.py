"""Held-out Epic-shaped patients: the expected cards were decided from the
guidelines (docs/clinical-sources.md) before the code ran."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_mappings import assess
from fhir_mappings.facts import Agent, Analyte, LineRole
from fhir_mappings.findings import ActionKind, PatientAssessment, ResponseClass, Topic
from fhir_mappings.pipeline import build_facts
from tests.support.ehr import (
    CYC_IN,
    MMF_500_SBD,
    MMF_500_SCD,
    TODAY,
    Json,
    condition,
    creatinine_umol,
    day,
    egfr_text_unit,
    ln_snomed,
    med_request,
    medication,
    patient,
    resources,
    rx_concept,
    timed_dose,
    upcr,
    upcr_mg_mmol,
)

START = -270  # induction start, days before TODAY (~8.9 months)
MG_MMOL_PER_G_G = 113.1  # 1 g/g = 1000 mg / 8.842 mmol creatinine (113.12 g/mol)


def _contained_mmf() -> Json:
    return {"resourceType": "Medication", "id": "med1", "code": MMF_500_SCD}


def epic_mmf_orders() -> list[Json]:
    """MMF renewals: 30 d x3 at 1 g/day, then 90 d at 2 g/day, then a 2-day gap, active."""
    return [
        med_request(
            "mr-mmf-1",
            day(START),
            reference="#med1",
            contained=[_contained_mmf()],
            status="completed",
            dosage=[timed_dose(1, code="BID")],
            supply_days=30,
            repeats=2,
        ),
        med_request(
            "mr-mmf-2",
            day(START + 90),
            reference="Medication/mmf-cellcept",
            status="completed",
            dosage=[timed_dose(2, code="BID")],
            supply_days=90,
        ),
        med_request(
            "mr-mmf-3",
            day(START + 182),
            reference="#med1",
            contained=[_contained_mmf()],
            status="active",
            dosage=[timed_dose(2, code="BID")],
            supply_days=90,
        ),
        medication("mmf-cellcept", MMF_500_SBD),
    ]


def epic_orders_not_therapy() -> list[Json]:
    """Orders that are not therapy: draft, proposal, plan, cancelled (must not count)."""
    cyc_dose = [timed_dose(mg=500, code=None, route="Intravenous")]
    tac = rx_concept("42316", "tacrolimus")
    return [
        med_request("mr-cyc-draft", day(-20), concept=CYC_IN, status="draft", dosage=cyc_dose),
        med_request("mr-cyc-prop", day(-20), concept=CYC_IN, intent="proposal", dosage=cyc_dose),
        med_request("mr-cyc-plan", day(-20), concept=CYC_IN, intent="plan", dosage=cyc_dose),
        med_request(
            "mr-tac-cx",
            day(START),
            concept=tac,
            status="cancelled",
            dosage=[timed_dose(mg=2, code="BID")],
        ),
    ]


def epic_labs() -> list[Json]:
    """UPCR in mg/mmol with local codes, duplicates, every status; creatinine umol/L."""
    return [
        upcr_mg_mmol("u0", day(START - 10), 300.0, local_code="1234"),
        upcr_mg_mmol("u0-dup", day(START - 10), 300.0, local_code="1234"),  # same result again
        upcr_mg_mmol("u1", day(START + 90), 250.0, timing="issued"),
        upcr_mg_mmol("u2", day(START + 180), 220.0, status="amended"),
        upcr_mg_mmol("u3", day(-20), 200.0, status="corrected", timing="effectivePeriod"),
        upcr_mg_mmol("u-prelim", day(-5), 40.0, status="preliminary"),
        upcr_mg_mmol("u-error", day(-3), 30.0, status="entered-in-error"),
        creatinine_umol("c0", day(START - 10), 88.4),
        creatinine_umol("c1", day(-20), 97.0),
        egfr_text_unit("e0", day(START - 10), 85.0),
        egfr_text_unit("e1", day(-20), 80.0),
    ]


def excluded_conditions() -> list[Json]:
    """LN Conditions that must never count: entered in error, refuted, resolved."""
    return [
        ln_snomed("ln-error", verification="entered-in-error"),
        ln_snomed("ln-refuted", verification="refuted"),
        ln_snomed("ln-resolved", clinical="resolved"),
    ]


def epic_patient(*, with_active_condition: bool = True) -> list[Json]:
    conditions = [ln_snomed("ln-active"), *excluded_conditions()]
    if not with_active_condition:
        conditions = excluded_conditions()
    return [patient(), *conditions, *epic_mmf_orders(), *epic_orders_not_therapy(), *epic_labs()]


def _assess(items: list[Json], **kw: object) -> PatientAssessment:
    return assess(resources(*items), today=TODAY, **kw)  # type: ignore[arg-type]


def _topics(result: PatientAssessment) -> list[Topic]:
    return [f.topic for f in result.findings]


class TestEpicMycophenolateNonResponder:
    def test_topics(self) -> None:
        """MMF 2 g/day with 33 % UPCR fall at ~9 months: refractory (with its biopsy) and a
        dose review."""
        result = _assess(epic_patient())
        assert _topics(result) == [Topic.REFRACTORY, Topic.DOSE_REVIEW]
        assert [a.kind for a in result.findings[0].actions] == [ActionKind.ORDER_KIDNEY_BIOPSY]

    def test_induction_start_is_the_first_order(self) -> None:
        """Renewals (consecutive, then a 2-day gap, with a dose change) are one course and one
        induction line, its clock at the first order."""
        facts = build_facts(resources(*epic_patient()), today=TODAY)
        line = facts.treatment.current
        assert line is not None
        assert (line.number, line.role) == (1, LineRole.INDUCTION)
        assert line.start == line.clock_start == TODAY + timedelta(days=START)
        mmf = [c for c in facts.treatment.courses if c.agent is Agent.MYCOPHENOLATE_MOFETIL]
        assert len(mmf) == 1
        assert len(mmf[0].orders) == 3

    def test_daily_dose_from_tablets_and_bid(self) -> None:
        """2 x 500 mg tablets twice daily (contained and separate Medication) is 2000 mg/day."""
        facts = build_facts(resources(*epic_patient()), today=TODAY)
        line = facts.treatment.current
        assert line is not None
        assert line.backbone is not None
        assert line.backbone.daily_dose_mg == pytest.approx(2000.0)
        assert [o.daily_dose_mg for o in facts.treatment.orders] == pytest.approx(
            [1000.0, 2000.0, 2000.0]
        )

    def test_orders_that_are_not_therapy_do_not_count(self) -> None:
        """Draft, proposal, plan and cancelled orders create no course and no regimen member."""
        facts = build_facts(resources(*epic_patient()), today=TODAY)
        assert {c.agent for c in facts.treatment.courses} == {Agent.MYCOPHENOLATE_MOFETIL}
        assert [line.agent_set for line in facts.treatment.lines] == [{Agent.MYCOPHENOLATE_MOFETIL}]
        line = facts.treatment.current
        assert line is not None
        assert not line.contains_cni

    def test_baseline_and_latest_in_canonical_units(self) -> None:
        """mg/mmol UPCR reads as g/g; the corrected value is latest, not the preliminary one."""
        result = _assess(epic_patient())
        response = result.response
        assert response is not None
        assert response.classification is ResponseClass.NONE
        assert response.baseline_proteinuria is not None
        assert response.latest_proteinuria is not None
        assert response.baseline_proteinuria.value == pytest.approx(300 / MG_MMOL_PER_G_G, 1e-3)
        assert response.latest_proteinuria.value == pytest.approx(200 / MG_MMOL_PER_G_G, 1e-3)
        assert response.latest_proteinuria.source_id == "Observation/u3"
        creatinine = result.facts.labs.get(Analyte.CREATININE).points
        assert creatinine[0].value == pytest.approx(1.0, 1e-3)  # 88.4 umol/L

    def test_excluded_results_are_not_used(self) -> None:
        """Preliminary, entered-in-error and the duplicate never reach a series."""
        facts = build_facts(resources(*epic_patient()), today=TODAY)
        used = {p.source_id for p in facts.labs.get(Analyte.UPCR).points}
        assert used == {f"Observation/{i}" for i in ("u0", "u1", "u2", "u3")}
        excluded = {e.source_id for e in facts.excluded}
        assert {"Observation/u-prelim", "Observation/u-error"} <= excluded

    def test_issued_only_and_period_dates(self) -> None:
        """A result with only ``issued`` and one with only ``effectivePeriod`` keep their day."""
        facts = build_facts(resources(*epic_patient()), today=TODAY)
        days = {p.source_id: p.day for p in facts.labs.get(Analyte.UPCR).points}
        assert days["Observation/u1"] == TODAY + timedelta(days=START + 90)
        assert days["Observation/u3"] == TODAY + timedelta(days=-20)

    def test_egfr_text_unit_is_read(self) -> None:
        """eGFR with the printable unit ``mL/min/1.73m2`` is used (canonical mL/min/{1.73_m2})."""
        facts = build_facts(resources(*epic_patient()), today=TODAY)
        values = [p.value for p in facts.labs.get(Analyte.EGFR).points]
        assert values == [85.0, 80.0]

    def test_only_excluded_conditions_give_no_cards(self) -> None:
        """Entered-in-error, refuted and resolved LN Conditions are no diagnosis: no card."""
        result = _assess(epic_patient(with_active_condition=False))
        assert result.facts.lupus_nephritis == ()
        assert result.findings == ()

    def test_only_the_active_condition_counts(self) -> None:
        """Of four LN Conditions only the active, confirmed one is a diagnosis."""
        facts = build_facts(resources(*epic_patient()), today=TODAY)
        assert [c.source_id for c in facts.lupus_nephritis] == ["Condition/ln-active"]


def _mmf_order(rid: str, authored: int, **kw: object) -> Json:
    return med_request(rid, day(authored), concept=MMF_500_SCD, **kw)  # type: ignore[arg-type]


class TestEpicOrderShapes:
    def test_tid_tablets(self) -> None:
        """2 x 500 mg tablets three times daily is 3000 mg/day."""
        items = [_mmf_order("o", -30, dosage=[timed_dose(2, code="TID")])]
        facts = build_facts(resources(*items), today=TODAY)
        assert facts.treatment.orders[0].daily_dose_mg == pytest.approx(3000.0)

    def test_sixty_day_gap_splits_courses(self) -> None:
        """A 60-day gap between a finished order and the next is not bridged as one course."""
        items = [
            _mmf_order(
                "a",
                -400,
                status="completed",
                dosage=[timed_dose(2, code="BID")],
                supply_days=30,
                repeats=5,
            ),
            _mmf_order("b", -160, dosage=[timed_dose(2, code="BID")]),
        ]
        facts = build_facts(resources(*items), today=TODAY)
        assert [c.start for c in facts.treatment.courses] == [
            TODAY - timedelta(days=400),
            TODAY - timedelta(days=160),
        ]

    def test_on_hold_and_stopped_orders_still_count(self) -> None:
        """An on-hold order stays current therapy and a stopped one is history, both MMF."""
        items = [
            _mmf_order("s", -200, status="stopped", dosage=[timed_dose(2, code="BID")]),
            _mmf_order("h", -100, status="on-hold", dosage=[timed_dose(2, code="BID")]),
        ]
        facts = build_facts(resources(*items), today=TODAY)
        assert {o.source_id for o in facts.treatment.orders} == {
            "MedicationRequest/s",
            "MedicationRequest/h",
        }

    @pytest.mark.parametrize(
        ("text", "daily"),
        [
            ("mycophenolate mofetil 1000 mg twice daily", 2000.0),
            ("1,000 mg by mouth 2 times daily", 2000.0),
        ],
    )
    def test_text_only_dosage_never_gives_a_wrong_dose(self, text: str, daily: float) -> None:
        """A text-only sig gives the right daily dose or none at all, never a wrong number."""
        items = [_mmf_order("t", -30, dosage=[timed_dose(code=None, text=text, route=None)])]
        facts = build_facts(resources(*items), today=TODAY)
        assert facts.treatment.orders[0].daily_dose_mg in (None, pytest.approx(daily))


class TestEpicValueStrings:
    def _complete_patient(self, latest: Json) -> list[Json]:
        start = -240
        return [
            patient(),
            ln_snomed("ln"),
            _mmf_order("m", start, dosage=[timed_dose(3, code="BID")]),
            upcr("b", day(start - 5), 3.0),
            upcr("m6", day(start + 180), 2.0),
            latest,
        ]

    def test_less_than_string_with_unit_is_complete(self) -> None:
        """valueString "<0.1 g/g" is below 0.1 g/g: complete response, no card."""
        latest = upcr("l", day(-10), 0.0, value_string="<0.1 g/g")
        result = _assess(self._complete_patient(latest), show_status=True)
        assert result.response is not None
        assert result.response.classification is ResponseClass.COMPLETE
        assert _topics(result) == [Topic.RESPONSE_STATUS]
        point = result.response.latest_proteinuria
        assert point is not None
        assert point.comparator == "<"
        assert point.value == pytest.approx(0.1)

    def test_less_than_string_without_unit_is_never_refractory(self) -> None:
        """valueString "<0.1" with no unit cannot be read as a number, but must not let an
        older, higher value make the patient refractory."""
        latest = upcr("l", day(-10), 0.0, value_string="<0.1")
        result = _assess(self._complete_patient(latest))
        assert Topic.REFRACTORY not in _topics(result)
        assert "Observation/l" in {e.source_id for e in result.facts.excluded}
        assert result.response is not None
        assert result.response.classification is ResponseClass.INSUFFICIENT_DATA
        assert _topics(result) == [Topic.DATA_GAP]
        assert "unreadable" in result.findings[0].summary

    def test_older_unreadable_string_changes_nothing(self) -> None:
        """An unreadable result older than the latest readable one does not block the answer."""
        items = self._complete_patient(upcr("l", day(-10), 2.0))
        items.append(upcr("old", day(-100), 0.0, value_string="<0.1"))
        result = _assess(items)
        assert result.response is not None
        assert result.response.classification is ResponseClass.NONE


class TestConditionShapes:
    def test_two_active_conditions_and_a_refuted_one(self) -> None:
        """ICD-10 encounter diagnosis and SNOMED problem both count; the refuted one does not."""
        from tests.support.ehr import ln_icd10

        items = [ln_icd10("enc"), ln_snomed("prob"), ln_snomed("ref", verification="refuted")]
        facts = build_facts(resources(*items), today=TODAY)
        assert sorted(c.source_id or "" for c in facts.lupus_nephritis) == [
            "Condition/enc",
            "Condition/prob",
        ]

    def test_text_only_condition_counts(self) -> None:
        """A Condition with only ``code.text`` naming lupus nephritis class IV is the diagnosis."""
        items = [condition("txt", text="Lupus nephritis, ISN/RPS class IV")]
        facts = build_facts(resources(*items), today=TODAY)
        assert [c.isn_rps_class for c in facts.lupus_nephritis] == ["IV"]
