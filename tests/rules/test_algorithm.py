"""Tests for fhir_mappings.rules.algorithm: the review's topics, presence and absence."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from assessment_builders import (
    MMF_2G,
    MMF_3G,
    adherent,
    biopsy,
    course,
    creat,
    day,
    egfr,
    facts,
    induction,
    low_level,
    no_induction,
    point,
    upcr,
)

from fhir_mappings.facts import (
    AdherenceEstimate,
    AdherenceStatus,
    Agent,
    Analyte,
    LabPoint,
    PatientFacts,
    RegimenKind,
    Route,
)
from fhir_mappings.findings import ActionKind, Finding, Severity, Topic
from fhir_mappings.rules.algorithm import (
    ADHERENCE_UNKNOWN_NOTE,
    MPA_TROUGH_LOINC,
    UPCR_LOINC,
    findings_for,
)
from fhir_mappings.rules.response import assess_response
from fhir_mappings.rulesets import RULESETS, get_ruleset

RENAL = (creat(-5, 1.0), creat(190, 1.0), egfr(-5, 80.0), egfr(190, 80.0))
NONE_PTS = (upcr(-5, 4.0), upcr(190, 3.5), *RENAL)
PR_PTS = (upcr(-5, 4.0), upcr(190, 1.5), *RENAL)
CR_PTS = (upcr(-5, 4.0), upcr(190, 0.3), *RENAL)
MPS = Agent.MYCOPHENOLATE_SODIUM
MMF = Agent.MYCOPHENOLATE_MOFETIL
CYC_IV = course(Agent.CYCLOPHOSPHAMIDE, None, route=Route.INTRAVENOUS, cumulative_mg=3000.0)
INTRINSIC = AdherenceEstimate(
    Agent.CYCLOPHOSPHAMIDE, AdherenceStatus.INTRINSIC, None, None, None, None, None
)


def run(f: PatientFacts, name: str = "kdigo-2024", show: bool = False) -> tuple[Finding, ...]:
    rs = get_ruleset(name)
    found = findings_for(f, assess_response(f, rs), rs, show_status=show)
    assert all(len(x.summary) < 140 for x in found)
    return found


def topics(found: Sequence[Finding]) -> list[Topic]:
    return [f.topic for f in found]


def one(found: Sequence[Finding], topic: Topic) -> Finding:
    (match,) = [f for f in found if f.topic is topic]
    return match


class TestNoFindings:
    def test_without_lupus_nephritis(self) -> None:
        """No LN: no findings at all, even with non-response data."""
        assert run(facts(with_ln=False, points=NONE_PTS)) == ()

    def test_without_induction(self) -> None:
        """No induction regimen: no findings at all."""
        f = no_induction(facts(points=NONE_PTS))
        rs = get_ruleset("kdigo-2024")
        assert findings_for(f, assess_response(facts(points=NONE_PTS), rs), rs) == ()

    def test_without_response(self) -> None:
        """A missing response assessment yields no findings."""
        assert findings_for(facts(points=NONE_PTS), None, get_ruleset("kdigo-2024")) == ()

    def test_too_early(self) -> None:
        """Too early, no worsening, adherent: nothing to say."""
        assert run(facts(today=day(100), points=(upcr(-5, 4.0), upcr(90, 3.5)))) == ()


class TestNonResponder:
    def test_full_work_up_at_target_dose(self) -> None:
        """No response on MMF 3 g/day, adherent: refractory, biopsy and switch, in order."""
        found = run(facts(points=NONE_PTS))
        assert topics(found) == [Topic.REFRACTORY, Topic.REPEAT_BIOPSY, Topic.THERAPY_SWITCH]
        assert all(f.severity is Severity.WARNING for f in found)
        assert all(f.citations == get_ruleset("kdigo-2024").citations for f in found)

    def test_evidence_marks_baseline_and_latest(self) -> None:
        """Evidence rows mark the baseline and latest proteinuria; series is the trend."""
        f = one(run(facts(points=NONE_PTS)), Topic.REFRACTORY)
        assert [(r.marker, r.value) for r in f.evidence] == [
            ("baseline", "4.00"),
            ("latest", "3.50"),
        ]
        assert [p.value for p in f.series] == [4.0, 3.5]
        assert "0.5 g/g" in f.rationale
        assert "KDIGO 2024" in f.rationale
        assert any("94%" in n for n in f.notes)

    @pytest.mark.parametrize("name", sorted(RULESETS))
    def test_rationale_names_ruleset(self, name: str) -> None:
        """Each ruleset's title appears in the repeat-biopsy rationale."""
        f = one(run(facts(points=NONE_PTS), name), Topic.REPEAT_BIOPSY)
        assert get_ruleset(name).title in f.rationale


class TestRepeatBiopsy:
    @pytest.mark.parametrize(("n", "shown"), [(0, False), (100, False), (-1, True)])
    def test_suppressed_by_biopsy_since_start(self, n: int, shown: bool) -> None:
        """A kidney biopsy on or after the induction start suppresses the card."""
        found = run(facts(points=NONE_PTS, biopsies=[biopsy(n)]))
        assert (Topic.REPEAT_BIOPSY in topics(found)) is shown

    def test_action_and_steps(self) -> None:
        """The card recommends a kidney biopsy and lists the lesions to exclude first."""
        f = one(run(facts(points=NONE_PTS)), Topic.REPEAT_BIOPSY)
        assert f.actions[0].kind is ActionKind.ORDER_KIDNEY_BIOPSY
        assert f.actions[0].recommended
        assert "thrombotic microangiopathy" in f.next_steps[0]
        assert "chronicity" in f.next_steps[1]

    def test_not_on_partial(self) -> None:
        """A partial response does not call for a repeat biopsy."""
        assert Topic.REPEAT_BIOPSY not in topics(run(facts(points=PR_PTS)))


class TestAdherence:
    @pytest.mark.parametrize(("pdc", "shown"), [(0.79, True), (0.80, False)])
    def test_pdc_threshold(self, pdc: float, shown: bool) -> None:
        """PDC below 80% raises the adherence card; exactly 80% does not."""
        est = adherent(pdc=pdc)
        est = AdherenceEstimate(**{**_fields(est), "status": AdherenceStatus.ADHERENT})
        found = run(facts(points=NONE_PTS, adherence=[est]))
        assert (Topic.ADHERENCE in topics(found)) is shown

    def test_card_content(self) -> None:
        """Evidence lists each fill and the PDC; actions: MPA trough, IV cyclophosphamide."""
        f = one(run(facts(points=NONE_PTS, adherence=[adherent(pdc=0.5)])), Topic.ADHERENCE)
        fills = [r for r in f.evidence if r.label.startswith("Dispense")]
        assert len(fills) == 2
        assert any(r.label.startswith("PDC") and r.value == "50%" for r in f.evidence)
        lab, iv = f.actions
        assert lab.kind is ActionKind.ORDER_LAB
        assert lab.parameters["loinc"] == MPA_TROUGH_LOINC
        assert iv.kind is ActionKind.START_THERAPY
        assert iv.parameters["agent"] == Agent.CYCLOPHOSPHAMIDE.value
        assert not iv.recommended
        assert "50%" in f.summary

    def test_refractory_not_called_with_possible_nonadherence(self) -> None:
        """Non-response with suspected non-adherence is not called refractory, nor switched."""
        found = run(facts(points=NONE_PTS, adherence=[adherent(pdc=0.5)]))
        assert Topic.REFRACTORY not in topics(found)
        assert Topic.THERAPY_SWITCH not in topics(found)
        assert Topic.REPEAT_BIOPSY in topics(found)

    def test_low_hcq_level(self) -> None:
        """A low hydroxychloroquine level raises the adherence card."""
        est = low_level(Agent.HYDROXYCHLOROQUINE, Analyte.HYDROXYCHLOROQUINE, 150.0, 200.0)
        found = run(facts(points=NONE_PTS, adherence=[adherent(), est]))
        f = one(found, Topic.ADHERENCE)
        assert "Hydroxychloroquine" in f.summary
        assert any(
            r.marker == "latest" and r.analyte is Analyte.HYDROXYCHLOROQUINE for r in f.evidence
        )

    def test_low_mpa_level_without_fills(self) -> None:
        """A low MPA level without dispense data raises adherence doubt."""
        est = low_level(MMF, Analyte.MPA_TROUGH, 1.5, 3.0)
        assert Topic.ADHERENCE in topics(run(facts(points=NONE_PTS, adherence=[est])))

    def test_low_mpa_level_with_good_fills_is_exposure(self) -> None:
        """A low MPA level with PDC >= 80% is an exposure problem: dose review, not adherence."""
        est = adherent()
        trough = point(Analyte.MPA_TROUGH, day(150), 1.5)
        sig = low_level(MMF, Analyte.MPA_TROUGH, 1.5, 3.0).levels
        est = AdherenceEstimate(**{**_fields(est), "levels": sig})
        found = run(facts(points=(*NONE_PTS, trough), adherence=[est]))
        assert Topic.ADHERENCE not in topics(found)
        assert Topic.DOSE_REVIEW in topics(found)

    def test_possible_nonadherence_status_without_details(self) -> None:
        """A POSSIBLE_NONADHERENCE estimate with no PDC or level still raises the card."""
        est = AdherenceEstimate(
            MMF, AdherenceStatus.POSSIBLE_NONADHERENCE, None, None, None, None, None
        )
        f = one(run(facts(points=NONE_PTS, adherence=[est])), Topic.ADHERENCE)
        assert "possibly not taken" in f.summary

    def test_status_with_good_pdc_and_normal_level(self) -> None:
        """A POSSIBLE_NONADHERENCE status alone raises the card; a normal level is shown."""
        base = low_level(MMF, Analyte.MPA_TROUGH, 4.0, 3.0)
        normal = type(base.levels[0])(base.levels[0].point, 3.0, False, "x")
        est = AdherenceEstimate(
            **{
                **_fields(adherent(pdc=0.9)),
                "status": AdherenceStatus.POSSIBLE_NONADHERENCE,
                "levels": (normal,),
            }
        )
        card = one(run(facts(points=NONE_PTS, adherence=[est])), Topic.ADHERENCE)
        assert "possibly not taken" in card.summary
        assert any(r.analyte is Analyte.MPA_TROUGH and r.marker is None for r in card.evidence)

    def test_not_level_low_ignored(self) -> None:
        """A level that is not low raises no doubt."""
        est = low_level(MMF, Analyte.MPA_TROUGH, 4.0, 3.0)
        est = AdherenceEstimate(
            **{
                **_fields(est),
                "levels": (type(est.levels[0])(est.levels[0].point, 3.0, False, "x"),),
            }
        )
        assert Topic.ADHERENCE not in topics(run(facts(points=NONE_PTS, adherence=[est])))

    def test_unknown_gives_no_card_but_a_note(self) -> None:
        """No dispense data: no adherence card; other cards note adherence is unknown."""
        found = run(facts(points=NONE_PTS, adherence=[]))
        assert Topic.ADHERENCE not in topics(found)
        assert Topic.REFRACTORY in topics(found)
        assert all(any(ADHERENCE_UNKNOWN_NOTE in n for n in f.notes) for f in found)

    def test_iv_cyclophosphamide_intrinsic(self) -> None:
        """IV cyclophosphamide is intrinsic: no adherence note, no card."""
        f = facts(
            points=NONE_PTS,
            regimen=induction(CYC_IV, kind=RegimenKind.CYCLOPHOSPHAMIDE_IV),
            adherence=[INTRINSIC],
        )
        found = run(f)
        assert found
        assert Topic.ADHERENCE not in topics(found)
        assert all(ADHERENCE_UNKNOWN_NOTE not in " ".join(x.notes) for x in found)

    @pytest.mark.parametrize(("agent", "unknown"), [(MMF, True), (Agent.RITUXIMAB, False)])
    def test_unrecorded_route(self, agent: Agent, unknown: bool) -> None:
        """An unrecorded route counts as oral (adherence unknown) only for oral agents."""
        reg = induction(course(agent, 3000.0, route=Route.UNKNOWN))
        found = run(facts(points=NONE_PTS, regimen=reg, adherence=[]))
        assert found
        assert all((ADHERENCE_UNKNOWN_NOTE in " ".join(x.notes)) is unknown for x in found)

    def test_oral_cyclophosphamide_offers_iv(self) -> None:
        """Oral cyclophosphamide with low PDC offers IV cyclophosphamide, no MPA level."""
        oral = course(Agent.CYCLOPHOSPHAMIDE, 100.0)
        f = facts(
            points=NONE_PTS,
            regimen=induction(oral, kind=RegimenKind.CYCLOPHOSPHAMIDE_ORAL),
            adherence=[adherent(Agent.CYCLOPHOSPHAMIDE, 0.4)],
        )
        card = one(run(f), Topic.ADHERENCE)
        assert [a.kind for a in card.actions] == [ActionKind.START_THERAPY]

    def test_iv_backbone_offers_no_iv_switch(self) -> None:
        """An IV backbone with a low HCQ level: no IV cyclophosphamide suggestion."""
        est = low_level(Agent.HYDROXYCHLOROQUINE, Analyte.HYDROXYCHLOROQUINE, 150.0, 200.0)
        f = facts(
            points=NONE_PTS,
            regimen=induction(CYC_IV, kind=RegimenKind.CYCLOPHOSPHAMIDE_IV),
            adherence=[INTRINSIC, est],
        )
        assert one(run(f), Topic.ADHERENCE).actions == ()

    def test_fill_without_supply(self) -> None:
        """A fill without days' supply is shown with an unknown supply."""
        est = adherent(pdc=0.5)
        fill = type(est.fills[0])(day(10), None, None, None)
        est = AdherenceEstimate(**{**_fields(est), "fills": (fill,), "window_end": None})
        card = one(run(facts(points=NONE_PTS, adherence=[est])), Topic.ADHERENCE)
        assert card.evidence[0].value == "supply ?"


def _fields(est: AdherenceEstimate) -> dict[str, object]:
    return {name: getattr(est, name) for name in AdherenceEstimate.__slots__}


class TestRefractorySummary:
    def test_names_the_oral_regimen_and_dose(self) -> None:
        """The refractory summary names the backbone agent and its daily dose."""
        card = one(run(facts(points=NONE_PTS)), Topic.REFRACTORY)
        assert card.summary == (
            "Refractory lupus nephritis: no response after 7 months of "
            "mycophenolate mofetil 3 g/day"
        )

    def test_iv_regimen_has_no_daily_dose(self) -> None:
        """An IV backbone is named without a daily dose (pulses are not daily)."""
        ctx_facts = facts(
            points=NONE_PTS, regimen=induction(CYC_IV, kind=RegimenKind.CYCLOPHOSPHAMIDE_IV)
        )
        card = one(run(ctx_facts), Topic.REFRACTORY)
        assert card.summary.endswith("of cyclophosphamide")


class TestDoseReview:
    def test_mmf_2g_without_response(self) -> None:
        """No response on MMF 2 g/day: consider 3 g/day (1.5 g twice daily); switch hidden."""
        found = run(facts(points=NONE_PTS, regimen=induction(MMF_2G), adherence=[adherent()]))
        card = one(found, Topic.DOSE_REVIEW)
        assert card.summary == (
            "No response after 7 months of mycophenolate mofetil 2 g/day: consider 3 g/day"
        )
        (step,) = card.actions
        assert step.kind is ActionKind.DOSE_STEP
        assert step.parameters["daily_dose_mg"] == 3000.0
        assert step.parameters["dose_mg"] == 1500.0
        assert step.parameters["frequency_per_day"] == 2
        assert step.parameters["replaces"] == "MedicationRequest/mycophenolate-mofetil"
        assert Topic.REFRACTORY in topics(found)
        assert Topic.THERAPY_SWITCH not in topics(found)

    @pytest.mark.parametrize(
        ("agent", "daily", "shown"),
        [(MMF, 2999.0, True), (MMF, 3000.0, False), (MPS, 2159.0, True), (MPS, 2160.0, False)],
    )
    def test_dose_thresholds(self, agent: Agent, daily: float, shown: bool) -> None:
        """MMF below 3 g/day or MPS below 2.16 g/day without response: dose review."""
        f = facts(
            points=NONE_PTS, regimen=induction(course(agent, daily)), adherence=[adherent(agent)]
        )
        assert (Topic.DOSE_REVIEW in topics(run(f))) is shown

    def test_mps_step(self) -> None:
        """Mycophenolate sodium steps to 1080 mg twice daily."""
        f = facts(
            points=NONE_PTS, regimen=induction(course(MPS, 1440.0)), adherence=[adherent(MPS)]
        )
        (step,) = one(run(f), Topic.DOSE_REVIEW).actions
        assert (step.parameters["daily_dose_mg"], step.parameters["dose_mg"]) == (2160.0, 1080.0)

    def test_multitarget_is_not_underdosing(self) -> None:
        """Multitarget MMF 1 g/day + tacrolimus is standard: no dose review."""
        reg = induction(
            course(MMF, 1000.0), course(Agent.TACROLIMUS, 4.0), kind=RegimenKind.MULTITARGET
        )
        found = run(
            facts(points=NONE_PTS, regimen=reg, adherence=[adherent(), adherent(Agent.TACROLIMUS)])
        )
        assert Topic.DOSE_REVIEW not in topics(found)
        assert Topic.THERAPY_SWITCH in topics(found)

    @pytest.mark.parametrize("pts", [PR_PTS, CR_PTS])
    def test_not_with_remission(self, pts: tuple[LabPoint, ...]) -> None:
        """A partial or complete response: no dose review even at 2 g/day."""
        assert Topic.DOSE_REVIEW not in topics(run(facts(points=pts, regimen=induction(MMF_2G))))

    def test_not_when_too_early(self) -> None:
        """Too early to judge: no dose review."""
        f = facts(today=day(100), points=(upcr(-5, 4.0), upcr(90, 3.5)), regimen=induction(MMF_2G))
        assert run(f) == ()

    @pytest.mark.parametrize(
        ("analyte", "value", "shown"),
        [
            (Analyte.MPA_TROUGH, 2.9, True),
            (Analyte.MPA_TROUGH, 3.0, False),
            (Analyte.MPA_AUC, 29.9, True),
            (Analyte.MPA_AUC, 30.0, False),
        ],
    )
    def test_exposure_thresholds(self, analyte: Analyte, value: float, shown: bool) -> None:
        """MPA trough < 3 mg/L or AUC < 30 mg.h/L at 3 g/day: dose review without a step."""
        found = run(facts(points=(*NONE_PTS, point(analyte, day(150), value))))
        assert (Topic.DOSE_REVIEW in topics(found)) is shown
        if shown:
            card = one(found, Topic.DOSE_REVIEW)
            assert card.actions == ()
            assert "AUC-guided" in card.summary

    def test_trough_ignored_when_adherence_in_doubt(self) -> None:
        """A low trough with adherence in doubt is an adherence matter, not a dose review."""
        trough = point(Analyte.MPA_TROUGH, day(150), 1.0)
        found = run(facts(points=(*NONE_PTS, trough), adherence=[adherent(pdc=0.5)]))
        assert Topic.DOSE_REVIEW not in topics(found)

    def test_trough_before_induction_ignored(self) -> None:
        """An MPA level from before the induction start is not current exposure."""
        found = run(facts(points=(*NONE_PTS, point(Analyte.MPA_TROUGH, day(-10), 1.0))))
        assert Topic.DOSE_REVIEW not in topics(found)

    def test_unknown_daily_dose(self) -> None:
        """Unknown daily dose: no dose review; the switch card notes the dose is unchecked."""
        found = run(facts(points=NONE_PTS, regimen=induction(course(MMF, None))))
        assert Topic.DOSE_REVIEW not in topics(found)
        assert any("could not be computed" in n for n in one(found, Topic.THERAPY_SWITCH).notes)

    def test_no_mycophenolate(self) -> None:
        """No mycophenolate in the induction: no dose review."""
        f = facts(
            points=NONE_PTS,
            regimen=induction(CYC_IV, kind=RegimenKind.CYCLOPHOSPHAMIDE_IV),
            adherence=[INTRINSIC],
        )
        assert Topic.DOSE_REVIEW not in topics(run(f))

    def test_exposure_with_unknown_dose(self) -> None:
        """Low AUC with an unknown dose: the summary omits the dose."""
        found = run(
            facts(
                points=(*NONE_PTS, point(Analyte.MPA_AUC, day(150), 20.0)),
                regimen=induction(course(MMF, None)),
            )
        )
        assert "mycophenolate mofetil: low MPA" in one(found, Topic.DOSE_REVIEW).summary


class TestTherapySwitch:
    def test_mmf_to_cyclophosphamide(self) -> None:
        """Refractory on MMF: switch to cyclophosphamide (START_THERAPY), options listed."""
        card = one(run(facts(points=NONE_PTS)), Topic.THERAPY_SWITCH)
        (action,) = card.actions
        assert action.kind is ActionKind.START_THERAPY
        assert action.parameters["agent"] == Agent.CYCLOPHOSPHAMIDE.value
        assert action.parameters["route"] == Route.INTRAVENOUS.value
        steps = " ".join(card.next_steps)
        for option in ("Rituximab", "Multitarget", "Belimumab", "Clinical trial"):
            assert option in steps
        assert card.next_steps[-1] == "Clinical trial."

    def test_cyclophosphamide_to_mmf_with_cumulative_dose(self) -> None:
        """Refractory on IV cyclophosphamide: switch to MMF; cumulative dose shown."""
        f = facts(
            points=NONE_PTS,
            regimen=induction(CYC_IV, kind=RegimenKind.CYCLOPHOSPHAMIDE_IV),
            adherence=[INTRINSIC],
        )
        card = one(run(f), Topic.THERAPY_SWITCH)
        assert card.actions[0].parameters["agent"] == MMF.value
        assert any("cumulative dose so far 3 g" in s for s in card.next_steps)

    def test_cumulative_dose_unknown(self) -> None:
        """A cyclophosphamide course without administrations: cumulative dose unknown."""
        cyc = course(Agent.CYCLOPHOSPHAMIDE, None, route=Route.INTRAVENOUS)
        f = facts(
            points=NONE_PTS,
            regimen=induction(cyc, kind=RegimenKind.CYCLOPHOSPHAMIDE_IV),
            adherence=[INTRINSIC],
        )
        assert any(
            "cumulative dose unknown" in s for s in one(run(f), Topic.THERAPY_SWITCH).next_steps
        )

    @pytest.mark.parametrize(
        ("value", "comparator", "shown"),
        [(46.0, None, True), (45.0, None, False), (45.0, ">", True), (90.0, "<", False)],
    )
    def test_voclosporin_only_above_egfr_45(
        self, value: float, comparator: str | None, shown: bool
    ) -> None:
        """Voclosporin is offered only when the latest eGFR is above 45."""
        pts = (
            upcr(-5, 4.0),
            upcr(190, 3.5),
            egfr(-5, value, comparator),
            egfr(190, value, comparator),
        )
        card = one(run(facts(points=pts)), Topic.THERAPY_SWITCH)
        assert any("Voclosporin" in s for s in card.next_steps) is shown

    def test_no_egfr_no_voclosporin(self) -> None:
        """Without any eGFR, voclosporin is not offered."""
        card = one(run(facts(points=(upcr(-5, 4.0), upcr(190, 3.5)))), Topic.THERAPY_SWITCH)
        assert not any("Voclosporin" in s for s in card.next_steps)

    def test_belimumab_not_offered_when_in_regimen(self) -> None:
        """Belimumab add-on is not offered when the regimen already has it."""
        reg = induction(
            MMF_3G,
            course(Agent.BELIMUMAB, None, route=Route.INTRAVENOUS),
            kind=RegimenKind.MYCOPHENOLATE_BELIMUMAB,
        )
        card = one(run(facts(points=NONE_PTS, regimen=reg)), Topic.THERAPY_SWITCH)
        assert not any("Belimumab" in s for s in card.next_steps)

    def test_hidden_while_adherence_open(self) -> None:
        """An open adherence card hides the switch."""
        est = low_level(Agent.HYDROXYCHLOROQUINE, Analyte.HYDROXYCHLOROQUINE, 100.0, 200.0)
        found = run(facts(points=NONE_PTS, adherence=[adherent(), est]))
        assert Topic.ADHERENCE in topics(found)
        assert Topic.THERAPY_SWITCH not in topics(found)


class TestRenalWorsening:
    def test_early_creatinine_rise(self) -> None:
        """Creatinine rise beyond the band in month 2: CRITICAL biopsy card with the series."""
        pts = (upcr(-5, 4.0), upcr(60, 3.5), creat(-5, 1.0), creat(60, 1.5))
        found = run(facts(today=day(70), points=pts))
        card = found[0]
        assert card.topic is Topic.RENAL_WORSENING
        assert card.severity is Severity.CRITICAL
        assert card.actions[0].kind is ActionKind.ORDER_KIDNEY_BIOPSY
        assert [p.analyte for p in card.series] == [Analyte.CREATININE] * 2
        assert [r.marker for r in card.evidence] == ["baseline", "latest"]
        assert "15%" in card.rationale

    def test_egfr_only(self) -> None:
        """eGFR fall without creatinine: the eGFR series is shown."""
        pts = (upcr(-5, 4.0), upcr(60, 3.5), egfr(-5, 80.0), egfr(60, 40.0))
        card = one(run(facts(today=day(70), points=pts)), Topic.RENAL_WORSENING)
        assert card.series[0].analyte is Analyte.EGFR
        assert "fall" in card.rationale

    def test_card_follows_the_analyte_that_worsened(self) -> None:
        """Creatinine stable but eGFR fell: the card shows eGFR, and the worse value itself."""
        pts = (
            upcr(-5, 4.0),
            upcr(60, 3.5),
            creat(-5, 1.0),
            creat(60, 1.0),
            egfr(-5, 80.0),
            egfr(40, 40.0),
            egfr(60, 78.0),
        )
        card = one(run(facts(today=day(70), points=pts), "kdigo-2012"), Topic.RENAL_WORSENING)
        assert {p.analyte for p in card.series} == {Analyte.EGFR}
        assert [(r.marker, r.value) for r in card.evidence] == [
            ("baseline", "80"),
            (None, "40"),
            ("latest", "78"),
        ]

    def test_absent_when_stable(self) -> None:
        """Stable renal function in the first months: no worsening card."""
        pts = (upcr(-5, 4.0), upcr(60, 3.5), creat(-5, 1.0), creat(60, 1.1))
        assert Topic.RENAL_WORSENING not in topics(run(facts(today=day(70), points=pts)))


class TestInfoCards:
    @pytest.mark.parametrize("pts", [PR_PTS, CR_PTS])
    def test_cni_caveat_on_response(self, pts: tuple[LabPoint, ...]) -> None:
        """A response on a CNI-containing regimen raises the CNI caveat."""
        reg = induction(
            course(MMF, 1000.0), course(Agent.TACROLIMUS, 4.0), kind=RegimenKind.MULTITARGET
        )
        found = run(
            facts(points=pts, regimen=reg, adherence=[adherent(), adherent(Agent.TACROLIMUS)])
        )
        assert topics(found) == [Topic.CNI_CAVEAT]
        assert found[0].severity is Severity.INFO

    def test_no_cni_caveat_without_cni(self) -> None:
        """A response on MMF alone raises no caveat."""
        assert run(facts(points=PR_PTS)) == ()

    @pytest.mark.parametrize(
        ("pts", "text"),
        [
            ((upcr(190, 3.5),), "no baseline"),
            ((upcr(-5, 4.0), upcr(20, 3.5)), "no recent"),
            ((upcr(-5, 4.0),), "no recent"),
        ],
    )
    def test_data_gap(self, pts: tuple[LabPoint, ...], text: str) -> None:
        """Missing baseline or recent proteinuria: INFO card ordering a UPCR (2890-2)."""
        (card,) = run(facts(points=pts))
        assert card.topic is Topic.DATA_GAP
        assert text in card.summary
        assert card.actions[0].parameters["loinc"] == UPCR_LOINC

    @pytest.mark.parametrize(("pts", "word"), [(PR_PTS, "Partial"), (CR_PTS, "Complete")])
    def test_response_status_on_request(self, pts: tuple[LabPoint, ...], word: str) -> None:
        """With show_status, a response is reported with its date; not without."""
        (card,) = run(facts(points=pts), show=True)
        assert card.topic is Topic.RESPONSE_STATUS
        assert card.summary.startswith(f"{word} response since {day(190)}")
        assert run(facts(points=pts)) == ()

    def test_no_status_for_non_response(self) -> None:
        """show_status adds nothing when there is no response."""
        assert Topic.RESPONSE_STATUS not in topics(run(facts(points=NONE_PTS), show=True))


class TestCodes:
    @pytest.mark.parametrize(
        ("code", "analyte"), [(MPA_TROUGH_LOINC, Analyte.MPA_TROUGH), (UPCR_LOINC, Analyte.UPCR)]
    )
    def test_loinc_codes_agree_with_table(self, code: str, analyte: Analyte) -> None:
        """The LOINC codes suggested pass the check digit and map to the intended analyte."""
        from fhir_mappings.codes import loinc

        assert loinc.loinc_check_digit_ok(code)
        assert loinc.analyte_for_loinc(code) is analyte


class TestSummaryLength:
    def test_long_summary_truncated(self) -> None:
        """A summary that would exceed the limit is cut below 140 characters."""
        from fhir_mappings.rules.algorithm import _summary

        assert len(_summary("x" * 300)) < 140
        assert _summary("short") == "short"
