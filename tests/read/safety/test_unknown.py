"""read_safety: data gaps become caller-safe sentences; the patient is read."""

from __future__ import annotations

from datetime import date

from fhir_mappings.facts import Sex
from fhir_mappings.read.safety import read_safety
from fhir_mappings.resources import DataGap


class TestUnknown:
    def test_procedure_gap(self) -> None:
        """A missing Procedure search says which procedures are unknown, with its reason."""
        record = read_safety(
            None, (), (), (), (DataGap("Procedure", "this FHIR server does not provide Procedure"),)
        )
        assert record.unknown == (
            "Dialysis, transplant, delivery and sterilisation procedures unknown: "
            "this FHIR server does not provide Procedure.",
        )

    def test_every_safety_type(self) -> None:
        """Patient, Condition and Observation gaps each give one sentence."""
        gaps = [
            DataGap("Patient", "the Patient could not be read"),
            DataGap("Condition", "the Condition search failed."),
            DataGap("Observation", "the Observation search failed"),
        ]
        unknown = read_safety(None, (), (), (), gaps).unknown
        assert [u.split(" unknown:")[0] for u in unknown] == [
            "Death, birth date and sex",
            "Pregnancy, kidney failure, dialysis, transplant, infection and menopause diagnoses",
            "Pregnancy tests and blood counts",
        ]
        assert unknown[1].endswith("the Condition search failed.")

    def test_partial_gap(self) -> None:
        """A gap complete since a date says what before that date is unknown."""
        gap = DataGap("Condition", "paging stopped", complete_since=date(2024, 1, 1))
        (sentence,) = read_safety(None, (), (), (), (gap,)).unknown
        assert " before 2024-01-01 unknown: paging stopped." in sentence

    def test_other_gaps_are_not_safety_gaps(self) -> None:
        """A MedicationDispense gap hides no safety fact; duplicates give one sentence."""
        gaps = [
            DataGap("MedicationDispense", "not provided"),
            DataGap("Procedure", "not provided"),
            DataGap("Procedure", "not provided"),
        ]
        assert len(read_safety(None, (), (), (), gaps).unknown) == 1

    def test_odd_gaps_are_ignored(self) -> None:
        """Something other than a DataGap among the gaps, or gaps that are no list, are skipped."""
        gap = DataGap("Procedure", "not provided")
        assert len(read_safety(None, (), (), (), [gap, "Procedure", None]).unknown) == 1
        for odd in ("Procedure", {"Procedure": "x"}, b"x", 3, None):
            assert read_safety(None, (), (), (), odd).unknown == ()  # type: ignore[arg-type]


class TestPatient:
    def test_patient_is_read(self) -> None:
        """The Patient resource becomes the record's patient."""
        record = read_safety({"resourceType": "Patient", "id": "p", "gender": "female"}, (), (), ())
        assert record.patient is not None
        assert record.patient.sex is Sex.FEMALE

    def test_no_patient(self) -> None:
        """Without a Patient the record's patient is None."""
        assert read_safety(None, (), (), ()).patient is None
