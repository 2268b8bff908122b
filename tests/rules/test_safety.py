"""fhir_mappings.rules.safety: when the algorithm must not run, and which drafts would harm."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from fhir_mappings.facts import (
    Agent,
    Analyte,
    Certainty,
    LabPoint,
    PatientFacts,
    SafetyKind,
    SafetyRecord,
    Sex,
)
from fhir_mappings.facts import (
    TestResult as Result,
)
from fhir_mappings.findings import (
    ActionKind,
    Finding,
    RecommendedAction,
    Severity,
    Topic,
)
from fhir_mappings.rules import actions
from fhir_mappings.rules.safety import SafetyAssessment, SafetyFact, apply_safety, assess_safety
from fhir_mappings.rulesets import Ruleset, get_ruleset
from tests.rules._builders import event, facts, patient, point, pregnancy_test, safety

KDIGO_2024 = get_ruleset("kdigo-2024")
TODAY = date(2026, 11, 1)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def judged(record: SafetyRecord, *points: LabPoint, rs: Ruleset = KDIGO_2024) -> SafetyAssessment:
    return assess_safety(facts(today=TODAY, points=points, record=record), rs)


def neutrophils(days_ago: int, value: float, comparator: str | None = None) -> LabPoint:
    return point(Analyte.NEUTROPHILS, ago(days_ago), value, comparator)


def egfr_on(days_ago: int, value: float, comparator: str | None = None) -> LabPoint:
    return point(Analyte.EGFR, ago(days_ago), value, comparator)


class TestDeceased:
    def test_a_date_of_death_is_stated(self) -> None:
        """deceasedDateTime read: the fact says when."""
        fact = judged(safety(who=patient(deceased=True, deceased_on=ago(3)))).deceased
        assert fact is not None
        assert fact.description == f"died {ago(3).isoformat()}"
        assert fact.fact_text() == f"died {ago(3).isoformat()}; record Patient/p1"

    def test_deceased_without_a_date(self) -> None:
        """deceasedBoolean true: recorded as deceased."""
        fact = judged(safety(who=patient(deceased=True))).deceased
        assert fact is not None
        assert fact.description == "recorded as deceased"

    def test_no_patient_resource_is_not_deceased(self) -> None:
        """No Patient resource read: nothing is assumed."""
        record = replace(safety(), patient=None)
        assert judged(record).deceased is None
        assert judged(record).childbearing_potential is False


class TestKidneyFailure:
    def test_dialysis_dependence(self) -> None:
        """An ongoing dialysis dependence: the algorithm does not apply."""
        fact = judged(
            safety(event(SafetyKind.DIALYSIS, ago(400), display="ESRD on HD"))
        ).kidney_failure
        assert fact is not None
        assert fact.description == f"on dialysis since {ago(400).isoformat()} (ESRD on HD)"

    @pytest.mark.parametrize(("days", "on_dialysis"), [(30, True), (31, False), (-1, False)])
    def test_a_dialysis_session_in_the_last_30_days(self, days: int, on_dialysis: bool) -> None:
        """A dialysis procedure 30 days ago means on dialysis; 31 days ago (or a future
        date) does not."""
        done = event(SafetyKind.DIALYSIS, ago(days), ongoing=False, procedure=True)
        assert (judged(safety(done)).kidney_failure is not None) is on_dialysis

    def test_a_dialysis_procedure_without_a_date_does_not_count(self) -> None:
        """An undated dialysis procedure says nothing about now."""
        done = event(SafetyKind.DIALYSIS, None, ongoing=False, procedure=True)
        assert judged(safety(done)).kidney_failure is None

    @pytest.mark.parametrize(("ongoing", "procedure"), [(True, False), (False, True)])
    def test_a_kidney_transplant(self, ongoing: bool, procedure: bool) -> None:
        """Transplant status, or the transplant procedure however old: kidney failure."""
        graft = event(SafetyKind.KIDNEY_TRANSPLANT, ago(2000), ongoing=ongoing, procedure=procedure)
        fact = judged(safety(graft)).kidney_failure
        assert fact is not None
        assert fact.description.startswith("kidney transplant")

    def test_a_resolved_transplant_status_does_not_count(self) -> None:
        """A transplant status recorded as resolved (failed graft removed) is not current."""
        graft = event(SafetyKind.KIDNEY_TRANSPLANT, ago(2000), ongoing=False)
        assert judged(safety(graft)).kidney_failure is None

    def test_a_kidney_failure_diagnosis(self) -> None:
        """End-stage kidney disease recorded and ongoing."""
        fact = judged(safety(event(SafetyKind.KIDNEY_FAILURE, None))).kidney_failure
        assert fact is not None
        assert fact.description == "kidney failure recorded"
        assert fact.when is None

    def test_possible_events_do_not_stop_the_algorithm(self) -> None:
        """An unconfirmed dialysis dependence or ESKD does not silence the cards."""
        doubtful = [
            event(kind, ago(10), certainty=Certainty.POSSIBLE)
            for kind in (
                SafetyKind.DIALYSIS,
                SafetyKind.KIDNEY_FAILURE,
                SafetyKind.KIDNEY_TRANSPLANT,
            )
        ]
        assert judged(safety(*doubtful)).kidney_failure is None

    @pytest.mark.parametrize(("span", "failure"), [(89, False), (90, True)])
    def test_egfr_below_15_over_90_days(self, ruleset: Ruleset, span: int, failure: bool) -> None:
        """Every eGFR below 15 over 90 days is kidney failure (KDIGO G5, > 3 months); over
        89 days it is not yet."""
        pts = (egfr_on(span + 30, 40.0), egfr_on(span, 14.0), egfr_on(20, 12.0), egfr_on(0, 11.0))
        fact = judged(safety(), *pts, rs=ruleset).kidney_failure
        assert (fact is not None) is failure
        if fact is not None:
            assert fact.when == ago(span)
            assert fact.description.startswith(f"eGFR below 15 since {ago(span).isoformat()}")

    @pytest.mark.parametrize(
        ("value", "comparator", "failure"),
        [(15.0, None, False), (14.9, None, True), (15.0, "<", True)],
    )
    def test_the_cut_off_is_strictly_below_15(
        self, value: float, comparator: str | None, failure: bool
    ) -> None:
        """eGFR 15 is G4, not kidney failure; 14.9 and '<15' are G5."""
        pts = (egfr_on(100, value, comparator), egfr_on(0, value, comparator))
        assert (judged(safety(), *pts).kidney_failure is not None) is failure

    def test_one_value_at_15_breaks_the_run(self) -> None:
        """eGFR 12, then 15, then 11 and 10: the run below 15 is only the last 60 days."""
        pts = (egfr_on(120, 12.0), egfr_on(90, 15.0), egfr_on(60, 11.0), egfr_on(0, 10.0))
        assert judged(safety(), *pts).kidney_failure is None

    def test_a_newest_value_above_the_cut_off_is_not_kidney_failure(self) -> None:
        """Months below 15 then a recovery to 18: not kidney failure now."""
        pts = (egfr_on(200, 12.0), egfr_on(100, 11.0), egfr_on(0, 18.0))
        assert judged(safety(), *pts).kidney_failure is None

    def test_no_egfr_is_no_kidney_failure(self) -> None:
        """Without any eGFR nothing is concluded (future results ignored)."""
        assert judged(safety(), egfr_on(-10, 5.0)).kidney_failure is None


class TestPregnancy:
    @pytest.mark.parametrize(("days", "pregnant"), [(294, True), (295, False)])
    def test_a_recorded_pregnancy_lasts_at_most_42_weeks(
        self, ruleset: Ruleset, days: int, pregnant: bool
    ) -> None:
        """A pregnancy recorded 294 days ago (42 weeks) with no end is current; at 295
        days it is not."""
        record = safety(event(SafetyKind.PREGNANCY, ago(days)))
        assert (judged(record, rs=ruleset).pregnancy is not None) is pregnant

    @pytest.mark.parametrize(("days", "pregnant"), [(294, True), (295, False)])
    def test_a_positive_test_counts_for_42_weeks(
        self, ruleset: Ruleset, days: int, pregnant: bool
    ) -> None:
        """A positive test 294 days ago is a pregnancy; one 295 days ago is not."""
        record = safety(tests=[pregnancy_test(ago(days), Result.POSITIVE)])
        fact = judged(record, rs=ruleset).pregnancy
        assert (fact is not None) is pregnant
        if fact is not None:
            assert fact.description == f"positive pregnancy test {ago(days).isoformat()}: Positive"

    def test_an_ended_pregnancy_is_not_current(self) -> None:
        """A delivery recorded after the pregnancy ends it."""
        record = safety(
            event(SafetyKind.PREGNANCY, ago(200)), event(SafetyKind.PREGNANCY_ENDED, ago(10))
        )
        assert judged(record).pregnancy is None

    def test_an_end_dated_only_by_its_end_still_ends_it(self) -> None:
        """A miscarriage recorded with an end date and no onset ends the pregnancy."""
        ended = event(SafetyKind.PREGNANCY_ENDED, None, end=ago(10))
        assert judged(safety(event(SafetyKind.PREGNANCY, ago(100)), ended)).pregnancy is None

    def test_an_earlier_delivery_does_not_end_a_new_pregnancy(self) -> None:
        """A delivery two years ago says nothing about a pregnancy recorded last month."""
        record = safety(
            event(SafetyKind.PREGNANCY, ago(30)), event(SafetyKind.PREGNANCY_ENDED, ago(700))
        )
        assert judged(record).pregnancy is not None

    def test_only_a_confirmed_end_clears_it(self) -> None:
        """A provisional miscarriage does not end a recorded pregnancy."""
        ended = event(SafetyKind.PREGNANCY_ENDED, ago(5), certainty=Certainty.POSSIBLE)
        assert judged(safety(event(SafetyKind.PREGNANCY, ago(60)), ended)).pregnancy is not None

    def test_a_negative_test_after_the_record_clears_it(self) -> None:
        """A negative test after the pregnancy was recorded: not pregnant."""
        record = safety(
            event(SafetyKind.PREGNANCY, ago(60)),
            tests=[pregnancy_test(ago(5), Result.NEGATIVE)],
        )
        assert judged(record).pregnancy is None

    def test_a_negative_test_before_the_record_does_not(self) -> None:
        """A negative test before the pregnancy was recorded changes nothing."""
        record = safety(
            event(SafetyKind.PREGNANCY, ago(60)),
            tests=[pregnancy_test(ago(90), Result.NEGATIVE)],
        )
        assert judged(record).pregnancy is not None

    def test_an_undated_pregnancy_counts(self) -> None:
        """A pregnancy recorded with no date errs towards holding the teratogens."""
        record = safety(
            event(SafetyKind.PREGNANCY, None), tests=[pregnancy_test(ago(5), Result.NEGATIVE)]
        )
        fact = judged(record).pregnancy
        assert fact is not None
        assert fact.description == "pregnancy recorded"

    def test_a_resolved_pregnancy_record_does_not_count(self) -> None:
        """A pregnancy record whose status is resolved is over."""
        assert judged(safety(event(SafetyKind.PREGNANCY, ago(30), ongoing=False))).pregnancy is None

    def test_a_possible_pregnancy_is_marked_possible(self) -> None:
        """A provisional pregnancy counts, marked as possible."""
        record = safety(event(SafetyKind.PREGNANCY, ago(10), certainty=Certainty.POSSIBLE))
        fact = judged(record).pregnancy
        assert fact is not None
        assert fact.possible
        assert fact.description.startswith("possible pregnancy recorded")

    def test_the_newest_record_is_the_one_cited(self) -> None:
        """Two current records: the newer one is the evidence."""
        record = safety(event(SafetyKind.PREGNANCY, ago(90)), event(SafetyKind.PREGNANCY, ago(20)))
        fact = judged(record).pregnancy
        assert fact is not None
        assert fact.when == ago(20)

    def test_a_negative_test_after_a_positive_one_clears_it(self) -> None:
        """Positive then negative: not pregnant; negative then positive: pregnant."""
        pos, neg = Result.POSITIVE, Result.NEGATIVE
        cleared = safety(tests=[pregnancy_test(ago(30), pos), pregnancy_test(ago(10), neg)])
        assert judged(cleared).pregnancy is None
        current = safety(tests=[pregnancy_test(ago(30), neg), pregnancy_test(ago(10), pos)])
        assert judged(current).pregnancy is not None

    def test_an_end_after_a_positive_test_clears_it(self) -> None:
        """A delivery after the positive test: not pregnant."""
        record = safety(
            event(SafetyKind.PREGNANCY_ENDED, ago(5)),
            tests=[pregnancy_test(ago(200), Result.POSITIVE)],
        )
        assert judged(record).pregnancy is None


class TestInfection:
    @pytest.mark.parametrize(("days", "active"), [(90, True), (91, False)])
    def test_an_infection_of_the_last_90_days_is_active(
        self, ruleset: Ruleset, days: int, active: bool
    ) -> None:
        """An infection recorded 90 days ago holds new immunosuppression; 91 days is stale."""
        record = safety(event(SafetyKind.SERIOUS_INFECTION, ago(days), display="Sepsis"))
        fact = judged(record, rs=ruleset).infection
        assert (fact is not None) is active
        if fact is not None:
            assert fact.description == f"active serious infection {ago(days).isoformat()} (Sepsis)"

    def test_an_undated_active_infection_counts(self) -> None:
        """An active infection with no date is taken as current."""
        assert judged(safety(event(SafetyKind.SERIOUS_INFECTION, None))).infection is not None

    def test_a_resolved_infection_does_not(self) -> None:
        """A resolved infection does not hold anything."""
        resolved = event(SafetyKind.SERIOUS_INFECTION, ago(5), ongoing=False)
        assert judged(safety(resolved)).infection is None

    def test_a_possible_infection_counts_as_possible(self) -> None:
        """A provisional infection holds the drafts too, worded as possible."""
        doubtful = event(SafetyKind.SERIOUS_INFECTION, ago(5), certainty=Certainty.POSSIBLE)
        fact = judged(safety(doubtful)).infection
        assert fact is not None
        assert fact.possible
        assert fact.description.startswith("possible serious infection recorded")

    def test_the_newest_infection_is_cited(self) -> None:
        """Two active infections: the newer one is the evidence."""
        record = safety(
            event(SafetyKind.SERIOUS_INFECTION, ago(60)),
            event(SafetyKind.SERIOUS_INFECTION, ago(7)),
        )
        fact = judged(record).infection
        assert fact is not None
        assert fact.when == ago(7)


class TestNeutropenia:
    @pytest.mark.parametrize(("value", "low"), [(1.29, True), (1.3, False)])
    def test_the_label_threshold(self, ruleset: Ruleset, value: float, low: bool) -> None:
        """CellCept label: neutrophils below 1.3 x 10^9/L hold the drafts; 1.3 does not."""
        fact = judged(safety(), neutrophils(3, value), rs=ruleset).neutropenia
        assert (fact is not None) is low
        if fact is not None:
            assert fact.description == (
                f"neutrophils 1.29 ×10⁹/L on {ago(3).isoformat()}, below 1.3 ×10⁹/L"
            )

    @pytest.mark.parametrize(("days", "counts"), [(30, True), (31, False)])
    def test_a_count_older_than_30_days_says_nothing_of_today(
        self, days: int, counts: bool
    ) -> None:
        """A low count 30 days ago holds; one 31 days ago does not."""
        fact = judged(safety(), neutrophils(days, 0.9)).neutropenia
        assert (fact is not None) is counts

    def test_the_latest_count_decides(self) -> None:
        """A low count followed by a normal one: no hold."""
        assert judged(safety(), neutrophils(20, 0.9), neutrophils(2, 2.5)).neutropenia is None

    def test_a_count_reported_below_a_higher_number_is_not_low(self) -> None:
        """'<1.5' may be 1.4: not certainly below 1.3."""
        assert judged(safety(), neutrophils(2, 1.5, "<")).neutropenia is None

    def test_no_count_no_hold(self) -> None:
        """No blood count: nothing is held (a future count is not read)."""
        assert judged(safety(), neutrophils(-2, 0.5)).neutropenia is None


class TestChildBearingPotential:
    @pytest.mark.parametrize(
        ("birth", "potential"),
        [
            (date(2014, 11, 1), True),  # 12 today
            (date(2014, 11, 2), False),  # 12 tomorrow
            (date(1970, 11, 2), True),  # 55, 56 tomorrow
            (date(1970, 11, 1), False),  # 56 today
        ],
    )
    def test_the_age_bounds(self, ruleset: Ruleset, birth: date, potential: bool) -> None:
        """Females aged 12 to 55 inclusive count (CTFG 2020, with the ruleset's bounds)."""
        record = safety(who=patient(birth=birth))
        assert judged(record, rs=ruleset).childbearing_potential is potential

    def test_men_do_not(self) -> None:
        """A man is not of child-bearing potential."""
        assert not judged(safety(who=patient(Sex.MALE))).childbearing_potential

    @pytest.mark.parametrize("sex", [Sex.OTHER, Sex.UNKNOWN])
    def test_a_sex_the_record_does_not_tell_makes_it_unknown(self, sex: Sex) -> None:
        """Sex other or unknown: not known either way (the reminders are given
        conditionally); a woman or a man is known."""
        unsure = judged(safety(who=patient(sex)))
        assert (unsure.childbearing_potential, unsure.childbearing_unknown) == (False, True)
        assert not judged(safety(who=patient(Sex.MALE))).childbearing_unknown
        assert not judged(safety()).childbearing_unknown

    def test_no_patient_makes_it_unknown(self) -> None:
        """No Patient read (the EHR prefetched none): unknown, never silently "no"."""
        record = replace(safety(), patient=None)
        assert judged(record).childbearing_unknown

    def test_no_birth_date_errs_towards_the_reminder(self) -> None:
        """A woman with no birth date recorded counts."""
        assert judged(safety(who=patient(birth=None))).childbearing_potential

    @pytest.mark.parametrize(
        ("certainty", "potential"), [(Certainty.CONFIRMED, False), (Certainty.POSSIBLE, True)]
    )
    def test_recorded_menopause_or_sterilisation(
        self, certainty: Certainty, potential: bool
    ) -> None:
        """A confirmed menopause removes the reminders; a provisional one does not."""
        record = safety(event(SafetyKind.NOT_CHILDBEARING, ago(400), certainty=certainty))
        assert judged(record).childbearing_potential is potential


class TestHold:
    def test_infection_or_neutropenia_hold(self) -> None:
        """The hold is the infection when there is one, else the neutropenia."""
        infection = event(SafetyKind.SERIOUS_INFECTION, ago(5))
        both = judged(safety(infection), neutrophils(2, 0.9))
        assert both.hold is both.infection
        only = judged(safety(), neutrophils(2, 0.9))
        assert only.hold is only.neutropenia
        assert judged(safety()).hold is None


# --- applying the context to findings ---------------------------------------------------

FACT = SafetyFact(
    "pregnancy", "pregnancy recorded 2026-09-01", None, "Condition/p", KDIGO_2024.sources.pregnancy
)
INFECTION = SafetyFact(
    "serious infection", "active serious infection", None, None, KDIGO_2024.sources.infection
)
DOSES = KDIGO_2024.doses


def card(*drafts: RecommendedAction) -> Finding:
    return Finding(Topic.THERAPY_SWITCH, Severity.WARNING, "s", "r", (), actions=drafts)


class TestApplySafety:
    def test_pregnancy_withholds_teratogens_and_keeps_compatible_drafts(self) -> None:
        """Cyclophosphamide withheld with a note and a trace; tacrolimus kept."""
        found = card(actions.euro_lupus(DOSES), actions.tacrolimus_multitarget(DOSES))
        (out,), traces = apply_safety([found], SafetyAssessment(pregnancy=FACT), KDIGO_2024)
        assert [a.agent for a in out.actions] == [Agent.TACROLIMUS.value]
        assert out.notes == (
            "Withheld: start IV cyclophosphamide (Euro-Lupus). Cyclophosphamide is not for use "
            "in pregnancy (ACR 2020 reproductive health): pregnancy recorded 2026-09-01; record "
            "Condition/p.",
        )
        assert out.traces == traces
        assert traces[0].effect == "draft order withheld: Start IV cyclophosphamide (Euro-Lupus)"

    def test_an_infection_holds_every_medication_draft_and_the_biopsy(self) -> None:
        """Infection: dose steps and new agents held, and the elective repeat biopsy that
        would decide a change of therapy with them."""
        biopsy = actions.biopsy("No response")
        step = actions.dose_step(Agent.MYCOPHENOLATE_MOFETIL, 3000.0, 1500.0, None)
        (out,), traces = apply_safety(
            [card(step, biopsy)], SafetyAssessment(infection=INFECTION), KDIGO_2024
        )
        assert out.actions == ()
        assert [t.effect for t in traces] == [
            "draft order held: Increase mycophenolate mofetil to 3 g/day",
            "draft order held: Order kidney biopsy",
        ]
        assert out.notes == (
            "Held: increase mycophenolate mofetil to 3 g/day. No dose increase or new "
            "immunosuppressant during it (Rituxan label): active serious infection.",
            "Held: order kidney biopsy. A repeat biopsy decides a change of therapy, which "
            "waits until the infection is treated: active serious infection.",
        )

    def test_neutropenia_holds_medication_drafts_but_not_a_biopsy(self) -> None:
        """A low neutrophil count holds immunosuppressant drafts; a biopsy stays."""
        biopsy = actions.biopsy("No response")
        step = actions.dose_step(Agent.MYCOPHENOLATE_MOFETIL, 3000.0, 1500.0, None)
        low = replace(INFECTION, rule="neutropenia", description="neutrophils 0.9")
        (out,), traces = apply_safety(
            [card(step, biopsy)], SafetyAssessment(neutropenia=low), KDIGO_2024
        )
        assert out.actions == (biopsy,)
        assert len(traces) == 1

    def test_a_decision_with_a_companion_not_for_pregnancy_is_withheld_whole(self) -> None:
        """Multitarget therapy reducing MMF: tacrolimus is compatible, its MMF companion is
        not, so the decision is withheld (never a half decision)."""
        draft = actions.tacrolimus_multitarget(DOSES, Agent.MYCOPHENOLATE_MOFETIL, 3000.0, "m")
        (out,), traces = apply_safety([card(draft)], SafetyAssessment(pregnancy=FACT), KDIGO_2024)
        assert out.actions == ()
        assert out.notes[0].startswith(
            "Withheld: add tacrolimus (multitarget); reduce mycophenolate mofetil to 1 g/day. "
            "Mycophenolate mofetil is not for use in pregnancy"
        )
        assert len(traces) == 1

    def test_unknown_child_bearing_gives_every_reminder_conditionally(self) -> None:
        """Sex or age not in the record: each note is said as a condition, none left out."""
        (out,), traces = apply_safety(
            [card(actions.euro_lupus(DOSES))],
            SafetyAssessment(childbearing_unknown=True),
            KDIGO_2024,
        )
        lead = "If the patient can become pregnant (sex or age not in the record): "
        assert out.actions[0].notes == (
            f"{lead}offer fertility preservation with a GnRH analogue during cyclophosphamide "
            "(ACR 2020; EULAR 2017).",
            f"{lead}effective contraception during treatment and for 1 year after the last dose.",
        )
        assert traces == ()

    def test_companion_orders_carry_their_own_reminders(self) -> None:
        """The MMF reduction that goes with tacrolimus carries the MMF reminders."""
        draft = actions.tacrolimus_multitarget(DOSES, Agent.MYCOPHENOLATE_MOFETIL, 3000.0, "m")
        (out,), _ = apply_safety(
            [card(draft)], SafetyAssessment(childbearing_potential=True), KDIGO_2024
        )
        (reduction,) = out.actions[0].also
        assert reduction.notes[0] == (
            "Woman of child-bearing potential: pregnancy tests at follow-up visits "
            "(CellCept label)."
        )

    def test_nothing_to_change_returns_the_same_finding(self) -> None:
        """No safety fact and no reminder: the finding is returned untouched."""
        found = card(actions.biopsy("x"))
        (out,), traces = apply_safety([found], SafetyAssessment(), KDIGO_2024)
        assert out is found
        assert traces == ()

    @pytest.mark.parametrize(
        ("draft", "notes"),
        [
            (
                actions.euro_lupus(DOSES),
                (
                    "Woman of child-bearing potential: offer fertility preservation with a "
                    "GnRH analogue during cyclophosphamide (ACR 2020; EULAR 2017).",
                    "Effective contraception during treatment and for 1 year after the last dose.",
                ),
            ),
            (
                actions.mycophenolate(DOSES),
                (
                    "Woman of child-bearing potential: pregnancy test immediately before "
                    "starting and another 8-10 days later, then at follow-up visits "
                    "(CellCept label).",
                    "Effective contraception during treatment and for 6 weeks after the last "
                    "dose (an IUD, or two methods together: ACR 2020).",
                ),
            ),
            (
                actions.dose_step(Agent.MYCOPHENOLATE_MOFETIL, 3000.0, 1500.0, None),
                (
                    "Woman of child-bearing potential: pregnancy tests at follow-up visits "
                    "(CellCept label).",
                    "Effective contraception during treatment and for 6 weeks after the last "
                    "dose (an IUD, or two methods together: ACR 2020).",
                ),
            ),
            (
                actions.dose_step(Agent.MYCOPHENOLATE_SODIUM, 2160.0, 1080.0, None),
                (
                    "Woman of child-bearing potential: pregnancy tests at follow-up visits "
                    "(Myfortic label).",
                    "Effective contraception during treatment and for 6 weeks after the last "
                    "dose (an IUD, or two methods together: ACR 2020).",
                ),
            ),
            (
                actions.rituximab(DOSES),
                (
                    "Effective contraception during treatment and for 12 months after the "
                    "last dose.",
                ),
            ),
            (
                actions.belimumab(DOSES),
                ("Effective contraception during treatment and for 4 months after the last dose.",),
            ),
            (
                actions.obinutuzumab(DOSES),
                ("Effective contraception during treatment and after, as its label states.",),
            ),
            (
                actions.voclosporin(DOSES),
                ("Avoid in pregnancy (its formulation contains alcohol: Lupkynis label).",),
            ),
        ],
    )
    def test_reminders_for_a_woman_of_child_bearing_potential(
        self, draft: RecommendedAction, notes: tuple[str, ...]
    ) -> None:
        """Each draft carries its label's reminders: cyclophosphamide fertility preservation
        and 1 year of contraception; a mycophenolate start the two pregnancy tests, a
        mycophenolate dose step the follow-up tests, both 6 weeks of contraception; the
        biologics their label's duration; voclosporin its pregnancy warning."""
        (out,), traces = apply_safety(
            [card(draft)], SafetyAssessment(childbearing_potential=True), KDIGO_2024
        )
        assert out.actions[0].notes == notes
        assert traces == ()

    @pytest.mark.parametrize(
        "draft",
        [
            actions.tacrolimus_multitarget(DOSES),
            actions.dose_step(Agent.TACROLIMUS, 4.0, 2.0, None),
            actions.dose_step(Agent.CYCLOSPORINE, 300.0, 150.0, None),
            actions.dose_step(Agent.AZATHIOPRINE, 150.0, 75.0, None),
            actions.biopsy("x"),
        ],
    )
    def test_no_reminder_on_other_drafts(self, draft: RecommendedAction) -> None:
        """Tacrolimus, cyclosporine, azathioprine and a biopsy order carry no reproductive
        reminder."""
        found = card(draft)
        (out,), _ = apply_safety([found], SafetyAssessment(childbearing_potential=True), KDIGO_2024)
        assert out is found

    def test_no_reminder_without_child_bearing_potential(self) -> None:
        """The same drafts for a patient without child-bearing potential carry nothing."""
        found = card(
            actions.euro_lupus(DOSES), actions.rituximab(DOSES), actions.mycophenolate(DOSES)
        )
        (out,), _ = apply_safety([found], SafetyAssessment(), KDIGO_2024)
        assert out is found

    def test_an_action_naming_no_known_agent_is_left_alone(self) -> None:
        """A draft whose agent is not one of ours is neither withheld nor annotated."""
        odd = RecommendedAction(ActionKind.START_THERAPY, "Start x", {"agent": "not-an-agent"})
        found = card(odd)
        (out,), _ = apply_safety(
            [found], SafetyAssessment(pregnancy=FACT, childbearing_potential=True), KDIGO_2024
        )
        assert out is found


def test_facts_unknown_are_carried() -> None:
    """What the record could not tell is carried into the assessment."""
    f: PatientFacts = facts(record=safety(unknown=["dialysis unknown"]))
    assert assess_safety(f, KDIGO_2024).unknown == ("dialysis unknown",)
