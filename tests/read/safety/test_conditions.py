"""read_safety over Conditions: every kind coded, in text, negated, ended, refuted, doubted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from fhir_mappings.codes.conditions import TEXT_SYSTEM
from fhir_mappings.facts import Certainty, SafetyKind, SafetyRecord
from fhir_mappings.read.safety import read_safety

from ._fhir import ICD10CM, SNOMED, coding, concept, condition, epic_condition, text_condition


@dataclass(frozen=True)
class Case:
    kind: SafetyKind
    snomed: str
    icd: str  # without the dot, as Epic often sends it
    text: str
    negated: str


CASES = [
    Case(SafetyKind.PREGNANCY, "77386006", "Z331", "Pregnant", "Not pregnant"),
    Case(SafetyKind.PREGNANCY_ENDED, "289256000", "O80", "Postpartum state", "No miscarriage"),
    Case(SafetyKind.KIDNEY_FAILURE, "46177005", "N186", "End stage renal disease", "No ESRD"),
    Case(SafetyKind.DIALYSIS, "105502003", "Z992", "On hemodialysis", "Not on dialysis"),
    Case(
        SafetyKind.KIDNEY_TRANSPLANT,
        "161665007",
        "Z940",
        "Kidney transplant recipient",
        "No kidney transplant",
    ),
    Case(SafetyKind.SERIOUS_INFECTION, "91302008", "A419", "Sepsis", "Negative for sepsis"),
    Case(SafetyKind.NOT_CHILDBEARING, "76498008", "Z780", "Postmenopausal", "Not postmenopausal"),
]
IDS = [c.kind.value for c in CASES]


def read(*conditions: dict[str, Any]) -> SafetyRecord:
    return read_safety(None, conditions, (), (), ())


class TestEveryKind:
    @pytest.mark.parametrize("case", CASES, ids=IDS)
    def test_snomed(self, case: Case) -> None:
        """A SNOMED CT coded Condition (after an Epic local code) gives one confirmed event."""
        record = read(epic_condition("c1", "Local name", coding(SNOMED, case.snomed)))
        assert [(e.kind, e.system, e.code, e.certainty) for e in record.events] == [
            (case.kind, SNOMED, case.snomed, Certainty.CONFIRMED)
        ]

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    def test_icd10cm_without_dot(self, case: Case) -> None:
        """An ICD-10-CM code sent without its dot gives the event, dated by its onset."""
        record = read(
            condition("c1", concept(coding(ICD10CM, case.icd)), onsetDateTime="2026-01-05")
        )
        (event,) = record.events
        assert (event.kind, event.code, event.start, event.ongoing) == (
            case.kind,
            case.icd,
            date(2026, 1, 5),
            True,
        )

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    def test_text_only(self, case: Case) -> None:
        """A free-text problem is read from its text, recorded with system "text"."""
        (event,) = read(text_condition("c1", case.text)).events
        assert (event.kind, event.system, event.code) == (case.kind, TEXT_SYSTEM, case.text)

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    def test_negated_text(self, case: Case) -> None:
        """Negated text gives no event and no exclusion."""
        record = read(text_condition("c1", case.negated))
        assert record.events == ()
        assert record.excluded == ()

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    @pytest.mark.parametrize("status", ["resolved", "inactive", "remission"])
    def test_ended_status_is_not_ongoing(self, case: Case, status: str) -> None:
        """A resolved, inactive or remitted Condition is kept as an event that is not ongoing."""
        (event,) = read(
            condition("c1", concept(coding(SNOMED, case.snomed)), clinical=status)
        ).events
        assert event.kind is case.kind
        assert event.ongoing is False

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    @pytest.mark.parametrize("status", ["refuted", "entered-in-error"])
    def test_refuted_or_error_is_excluded(self, case: Case, status: str) -> None:
        """A refuted or entered-in-error Condition is left out and listed with its reason."""
        record = read(condition("c1", concept(coding(SNOMED, case.snomed)), verification=status))
        assert record.events == ()
        (excluded,) = record.excluded
        assert excluded.source_id == "Condition/c1"
        assert status in excluded.reason
        assert case.kind.value in excluded.reason

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    @pytest.mark.parametrize("status", ["provisional", "unconfirmed", "differential"])
    def test_doubtful_is_possible(self, case: Case, status: str) -> None:
        """An unconfirmed, provisional or differential Condition counts as POSSIBLE."""
        (event,) = read(
            condition("c1", concept(coding(ICD10CM, case.icd)), verification=status)
        ).events
        assert (event.kind, event.certainty) == (case.kind, Certainty.POSSIBLE)


class TestStatusAndDates:
    def test_missing_clinical_status_is_ongoing(self) -> None:
        """No clinicalStatus and no abatement: ongoing (problem lists often omit it)."""
        (event,) = read(condition("c1", concept(coding(SNOMED, "91302008")), clinical=None)).events
        assert event.ongoing is True

    def test_missing_clinical_status_with_abatement_is_over(self) -> None:
        """No clinicalStatus but an abatement: over, and the abatement is the end."""
        (event,) = read(
            condition(
                "c1",
                concept(coding(SNOMED, "91302008")),
                clinical=None,
                onsetDateTime="2026-01-01",
                abatementDateTime="2026-01-20T00:00:00Z",
            )
        ).events
        assert (event.ongoing, event.start, event.end) == (
            False,
            date(2026, 1, 1),
            date(2026, 1, 20),
        )

    def test_recurrence_is_ongoing(self) -> None:
        """clinicalStatus recurrence is ongoing."""
        (event,) = read(
            condition("c1", concept(coding(SNOMED, "91302008")), clinical="recurrence")
        ).events
        assert event.ongoing is True

    def test_onset_period_then_recorded_date(self) -> None:
        """start is onsetPeriod.start when there is no onsetDateTime, else recordedDate."""
        record = read(
            condition(
                "c1",
                concept(coding(SNOMED, "77386006")),
                onsetPeriod={"start": "2026-02"},
                abatementPeriod={"end": "2026-09-30"},
            ),
            condition("c2", concept(coding(SNOMED, "91302008")), recordedDate="2026-04-03"),
        )
        starts = {e.source_id: (e.start, e.end) for e in record.events}
        assert starts == {
            "Condition/c1": (date(2026, 2, 1), date(2026, 9, 30)),
            "Condition/c2": (date(2026, 4, 3), None),
        }

    def test_no_date_is_kept(self) -> None:
        """A safety fact with no date is kept with start None, not dropped."""
        (event,) = read(condition("c1", concept(coding(SNOMED, "77386006")), note=[])).events
        assert event.start is None


class TestEhrShapes:
    def test_several_codings_one_event(self) -> None:
        """An Epic problem with local, ICD-10-CM and SNOMED codings of one kind gives one event
        from the first standard coding, with its display."""
        record = read(
            epic_condition(
                "c1",
                "Pregnancy",
                coding(ICD10CM, "Z3A20", "20 weeks gestation of pregnancy"),
                coding(SNOMED, "72892002", "Normal pregnancy"),
            )
        )
        (event,) = record.events
        assert (event.system, event.code, event.display) == (
            ICD10CM,
            "Z3A20",
            "20 weeks gestation of pregnancy",
        )

    def test_known_no_fact_code_blocks_text(self) -> None:
        """Libman-Sacks coded M32.11 is not an infection even though its text says endocarditis."""
        record = read(
            condition(
                "c1",
                concept(
                    coding(ICD10CM, "M3211", "Endocarditis in SLE"), text="Infective endocarditis"
                ),
            )
        )
        assert record.events == ()

    def test_latent_tb_is_not_active_tb(self) -> None:
        """Latent TB (Z22.7) gives no infection; active pulmonary TB (A15.0) does."""
        record = read(
            condition("c1", concept(coding(ICD10CM, "Z227"), text="Latent tuberculosis")),
            condition("c2", concept(coding(SNOMED, "154283005"), text="Pulmonary tuberculosis")),
        )
        assert [(e.source_id, e.kind) for e in record.events] == [
            ("Condition/c2", SafetyKind.SERIOUS_INFECTION)
        ]

    def test_cervix_only_keeps_childbearing_potential(self) -> None:
        """Z90.712 (cervix absent, uterus remaining) does not remove child-bearing potential."""
        record = read(
            condition(
                "c1",
                concept(coding(ICD10CM, "Z90.712"), text="Acquired absence of cervix with uterus"),
            )
        )
        assert record.of_kind(SafetyKind.NOT_CHILDBEARING) == ()

    def test_transplant_infection_gives_two_events(self) -> None:
        """T86.13 gives a transplant event and an infection event from one Condition."""
        record = read(condition("c1", concept(coding(ICD10CM, "T8613"))))
        assert {e.kind for e in record.events} == {
            SafetyKind.KIDNEY_TRANSPLANT,
            SafetyKind.SERIOUS_INFECTION,
        }

    def test_ectopic_is_possible_pregnancy(self) -> None:
        """An ectopic pregnancy code is a pregnancy with POSSIBLE certainty."""
        (event,) = read(condition("c1", concept(coding(ICD10CM, "O00.101")))).events
        assert (event.kind, event.certainty) == (SafetyKind.PREGNANCY, Certainty.POSSIBLE)

    def test_pregnancy_ended_by_delivery_code(self) -> None:
        """A pregnancy and a later delivery code give both events, the delivery dated after."""
        record = read(
            condition("c1", concept(coding(ICD10CM, "Z3A32")), onsetDateTime="2026-01-10"),
            condition(
                "c2",
                concept(coding(ICD10CM, "O80"), coding(SNOMED, "289256000")),
                onsetDateTime="2026-03-20",
            ),
        )
        (pregnancy,) = record.of_kind(SafetyKind.PREGNANCY)
        (ended,) = record.of_kind(SafetyKind.PREGNANCY_ENDED)
        assert pregnancy.start is not None
        assert ended.start is not None
        assert ended.start >= pregnancy.start

    def test_other_conditions_ignored(self) -> None:
        """Conditions that are not safety facts give neither events nor exclusions."""
        record = read(
            condition("c1", concept(coding(ICD10CM, "M3214"), text="Lupus nephritis")),
            condition("c2", concept(coding(ICD10CM, "I10")), verification="refuted"),
        )
        assert (record.events, record.excluded) == ((), ())

    def test_same_id_read_once(self) -> None:
        """A Condition seen twice (same id) gives one event."""
        resource = condition("c1", concept(coding(SNOMED, "91302008")))
        assert len(read(resource, dict(resource)).events) == 1
