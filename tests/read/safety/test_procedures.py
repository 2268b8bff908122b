"""read_safety over Procedures: statuses, dates, dialysis under way, transplant and biopsy."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fhir_mappings.codes.conditions import TEXT_SYSTEM
from fhir_mappings.facts import Certainty, SafetyKind, SafetyRecord
from fhir_mappings.read.procedures import kidney_biopsies
from fhir_mappings.read.safety import read_safety

from ._fhir import CPT, SNOMED, coding, concept, procedure


def read(*procedures: dict[str, Any]) -> SafetyRecord:
    return read_safety(None, (), procedures, (), ())


class TestStatus:
    def test_completed_is_an_event_not_ongoing(self) -> None:
        """A completed dialysis session is an event dated by performedDateTime, not ongoing."""
        (event,) = read(procedure("p1", concept(coding(SNOMED, "265764009")))).events
        assert (event.kind, event.start, event.ongoing) == (
            SafetyKind.DIALYSIS,
            date(2026, 3, 2),
            False,
        )

    def test_in_progress_is_ongoing(self) -> None:
        """A dialysis in progress is ongoing, dated by performedPeriod.start."""
        (event,) = read(
            procedure(
                "p1",
                concept(coding(SNOMED, "238318009")),
                status="in-progress",
                performedPeriod={"start": "2025-11-01"},
            )
        ).events
        assert (event.ongoing, event.start, event.end) == (True, date(2025, 11, 1), None)

    @pytest.mark.parametrize(
        "status",
        ["preparation", "not-done", "on-hold", "stopped", "entered-in-error", "unknown", None],
    )
    def test_other_status_excluded(self, status: str | None) -> None:
        """Any other status (or none) is left out and listed with its reason."""
        record = read(procedure("p1", concept(coding(CPT, "90935")), status=status))
        assert record.events == ()
        (excluded,) = record.excluded
        assert excluded.source_id == "Procedure/p1"
        assert repr(status) in excluded.reason

    def test_period_end_is_end(self) -> None:
        """performedPeriod.end is the event's end."""
        (event,) = read(
            procedure(
                "p1",
                concept(coding(SNOMED, "70536003")),
                performedPeriod={"start": "2019-05-01T08:00:00Z", "end": "2019-05-01T13:00:00Z"},
            )
        ).events
        assert (event.kind, event.start, event.end) == (
            SafetyKind.KIDNEY_TRANSPLANT,
            date(2019, 5, 1),
            date(2019, 5, 1),
        )


class TestKinds:
    @pytest.mark.parametrize(
        ("code", "kind"),
        [
            (coding(CPT, "90960"), SafetyKind.DIALYSIS),
            (coding(SNOMED, "714749008"), SafetyKind.DIALYSIS),
            (coding(CPT, "50365"), SafetyKind.KIDNEY_TRANSPLANT),
            (coding(SNOMED, "11466000"), SafetyKind.PREGNANCY_ENDED),
            (coding(SNOMED, "116143008"), SafetyKind.NOT_CHILDBEARING),
            (coding(SNOMED, "287664005"), SafetyKind.NOT_CHILDBEARING),
        ],
    )
    def test_coded(self, code: dict[str, Any], kind: SafetyKind) -> None:
        """Coded procedures give their kind, confirmed."""
        (event,) = read(procedure("p1", concept(code))).events
        assert (event.kind, event.certainty) == (kind, Certainty.CONFIRMED)

    def test_dialysis_access_alone_is_nothing(self) -> None:
        """Removing a peritoneal dialysis catheter is access care, not dialysis."""
        record = read(
            procedure(
                "p1",
                concept(coding(SNOMED, "10848006"), text="Removal of peritoneal dialysis catheter"),
            )
        )
        assert record.events == ()

    def test_autotransplant_is_nothing(self) -> None:
        """Renal autotransplantation is not a kidney transplant."""
        assert read(procedure("p1", concept(coding(CPT, "50380")))).events == ()

    def test_text_only(self) -> None:
        """A text-only hemodialysis procedure is read from its text."""
        (event,) = read(procedure("p1", concept(text="Hemodialysis session"))).events
        assert (event.kind, event.system) == (SafetyKind.DIALYSIS, TEXT_SYSTEM)

    def test_text_of_a_diagnosis_is_not_read_in_a_procedure(self) -> None:
        """A Procedure's text naming an infection gives no infection event."""
        assert read(procedure("p1", concept(text="Drainage of empyema"))).events == ()


class TestGraftBiopsy:
    def test_transplant_biopsy_is_a_transplant_not_a_native_biopsy(self) -> None:
        """A graft biopsy is a transplant fact and not a lupus nephritis kidney biopsy."""
        resource = procedure(
            "p1",
            concept(
                coding(
                    SNOMED, "440512006", "Biopsy of transplanted kidney using ultrasound guidance"
                )
            ),
        )
        (event,) = read(resource).events
        assert event.kind is SafetyKind.KIDNEY_TRANSPLANT
        assert kidney_biopsies([resource]) == ()

    def test_native_biopsy_is_a_biopsy_and_no_safety_fact(self) -> None:
        """A native kidney biopsy is a biopsy, and no safety event."""
        resource = procedure("p1", concept(coding(SNOMED, "10106002")))
        assert read(resource).events == ()
        assert len(kidney_biopsies([resource])) == 1
