"""read_patient: death, birth date, sex (gender, then US Core birth sex)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fhir_mappings.facts import Sex
from fhir_mappings.read.patient import US_CORE_BIRTHSEX_URL, read_patient


def patient(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p1", **fields}


def birth_sex(code: str) -> list[dict[str, Any]]:
    return [
        {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", "extension": []},
        {"url": US_CORE_BIRTHSEX_URL, "valueCode": code},
    ]


class TestDeath:
    def test_deceased_boolean(self) -> None:
        """deceasedBoolean true is deceased, with no date."""
        record = read_patient(patient(deceasedBoolean=True))
        assert record is not None
        assert (record.deceased, record.deceased_on) == (True, None)

    def test_deceased_date_time(self) -> None:
        """A deceasedDateTime is deceased on that date."""
        record = read_patient(patient(deceasedDateTime="2026-02-03T04:05:00-05:00"))
        assert record is not None
        assert (record.deceased, record.deceased_on) == (True, date(2026, 2, 3))

    def test_unreadable_deceased_date_time_is_still_deceased(self) -> None:
        """A deceasedDateTime that is no date still says the patient died."""
        record = read_patient(patient(deceasedDateTime="early February"))
        assert record is not None
        assert (record.deceased, record.deceased_on) == (True, None)

    @pytest.mark.parametrize(
        "fields", [{}, {"deceasedBoolean": False}, {"deceasedBoolean": "true"}]
    )
    def test_alive(self, fields: dict[str, Any]) -> None:
        """No deceased[x], false, or a non-boolean is not deceased."""
        record = read_patient(patient(**fields))
        assert record is not None
        assert record.deceased is False


class TestBirthDate:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("1990-06-15", date(1990, 6, 15)),
            ("1990-06", date(1990, 6, 1)),
            ("1990", date(1990, 1, 1)),
            ("15/06/1990", None),
            (1990, None),
        ],
    )
    def test_partial_dates(self, raw: object, expected: date | None) -> None:
        """Partial birth dates read as their first day; unreadable ones as None."""
        record = read_patient(patient(birthDate=raw))
        assert record is not None
        assert record.birth_date == expected


class TestSex:
    @pytest.mark.parametrize(
        ("gender", "sex"),
        [
            ("female", Sex.FEMALE),
            ("male", Sex.MALE),
            ("other", Sex.OTHER),
            ("unknown", Sex.UNKNOWN),
            ("Female", Sex.FEMALE),
            ("f", Sex.UNKNOWN),
        ],
    )
    def test_gender(self, gender: str, sex: Sex) -> None:
        """AdministrativeGender codes map to Sex; anything else is unknown."""
        record = read_patient(patient(gender=gender))
        assert record is not None
        assert record.sex is sex

    @pytest.mark.parametrize(
        ("gender", "code", "sex"),
        [
            (None, "F", Sex.FEMALE),
            ("unknown", "F", Sex.FEMALE),
            (None, "M", Sex.MALE),
            (None, "UNK", Sex.UNKNOWN),
            (None, "X", Sex.UNKNOWN),
            ("male", "F", Sex.MALE),
        ],
    )
    def test_birth_sex_when_gender_missing_or_unknown(
        self, gender: str | None, code: str, sex: Sex
    ) -> None:
        """The US Core birth-sex extension is read only when gender is missing or unknown."""
        fields: dict[str, Any] = {"extension": birth_sex(code)}
        if gender is not None:
            fields["gender"] = gender
        record = read_patient(patient(**fields))
        assert record is not None
        assert record.sex is sex


class TestShape:
    @pytest.mark.parametrize("value", [None, [], "Patient", {"resourceType": "Observation"}])
    def test_not_a_patient(self, value: object) -> None:
        """Anything but a Patient gives None."""
        assert read_patient(value) is None

    def test_source_id(self) -> None:
        """The record cites Patient/<id>."""
        record = read_patient(patient())
        assert record is not None
        assert record.source_id == "Patient/p1"
