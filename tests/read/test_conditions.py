"""Lupus nephritis Conditions and the lupus nephritis / biopsy code sets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fhir_mappings.codes.conditions import (
    CPT_SYSTEM,
    ICD10CM_SYSTEM,
    LN_SNOMED,
    SNOMED_SYSTEM,
    TEXT_SYSTEM,
    is_kidney_biopsy_coding,
    is_lupus_nephritis_coding,
    isn_rps_class_for,
    isn_rps_class_from_text,
    kidney_biopsy_display,
    lupus_nephritis_display,
    mentions_kidney_biopsy,
    mentions_lupus_nephritis,
)
from fhir_mappings.read.conditions import (
    lupus_nephritis_conditions,
    lupus_nephritis_conditions_with_exclusions,
)

CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def condition(
    rid: str | None = "c1",
    coding: list[dict[str, Any]] | None = None,
    *,
    clinical: str | None = "active",
    verification: str | None = "confirmed",
    text: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Condition"}
    if rid is not None:
        out["id"] = rid
    code: dict[str, Any] = {}
    if coding is None:
        coding = [{"system": ICD10CM_SYSTEM, "code": "M32.14"}]
    if coding:
        code["coding"] = coding
    if text is not None:
        code["text"] = text
    out["code"] = code
    if clinical is not None:
        out["clinicalStatus"] = {"coding": [{"system": CLIN, "code": clinical}]}
    if verification is not None:
        out["verificationStatus"] = {"coding": [{"system": VER, "code": verification}]}
    out.update(extra)
    return out


class TestLupusNephritisCodes:
    @pytest.mark.parametrize(
        ("system", "code", "expected"),
        [
            (ICD10CM_SYSTEM, "M32.14", True),
            (ICD10CM_SYSTEM, "M3214", True),
            (ICD10CM_SYSTEM, "m32.15", True),
            (ICD10CM_SYSTEM, "M32.10", False),
            (ICD10CM_SYSTEM, "M32", False),
            (SNOMED_SYSTEM, "197608009", True),
            (SNOMED_SYSTEM, "308751000119106", True),
            (SNOMED_SYSTEM, "295101000119105", True),
            (SNOMED_SYSTEM, "68815009", True),
            (SNOMED_SYSTEM, "36402006", True),
            (SNOMED_SYSTEM, "55464009", False),
            ("http://example.org", "M32.14", False),
            (None, "M32.14", False),
            (ICD10CM_SYSTEM, None, False),
        ],
    )
    def test_value_set(self, system: Any, code: Any, expected: bool) -> None:
        """ICD-10-CM (dot optional) and SNOMED CT lupus nephritis codes are recognised."""
        assert is_lupus_nephritis_coding(system, code) is expected

    @pytest.mark.parametrize(
        ("code", "klass"),
        [
            ("73286009", "I"),
            ("4676006", "II"),
            ("76521009", "III"),
            ("36402006", "IV"),
            ("52042003", "V"),
            ("11013005", "VI"),
            ("68815009", None),
            ("1", None),
        ],
    )
    def test_class_from_snomed(self, code: str, klass: str | None) -> None:
        """SNOMED WHO class concepts give the ISN/RPS class."""
        assert isn_rps_class_for(SNOMED_SYSTEM, code) == klass

    def test_class_needs_snomed(self) -> None:
        """Only SNOMED CT concepts carry a class."""
        assert isn_rps_class_for(ICD10CM_SYSTEM, "M32.14") is None

    @pytest.mark.parametrize(
        ("text", "klass"),
        [
            ("Lupus nephritis class IV", "IV"),
            ("ISN/RPS class III + V", "III+V"),
            ("class 4", "IV"),
            ("classes III and V", "III+V"),
            ("class IV-G (A)", "IV"),
            ("Class V/IV", "IV+V"),
            ("class VII", None),
            ("no class here", None),
            ("", None),
            (None, None),
        ],
    )
    def test_class_from_text(self, text: str | None, klass: str | None) -> None:
        """Class numbers in text are read, combinations ordered and joined by '+'."""
        assert isn_rps_class_from_text(text) == klass

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Lupus nephritis", True),
            ("History of lupus glomerulonephritis", True),
            ("SLE nephritis", True),
            ("No lupus nephritis", False),
            ("rule out lupus nephritis", False),
            ("suspected lupus nephritis", False),
            ("Systemic lupus erythematosus", False),
            (None, False),
        ],
    )
    def test_text_fallback(self, text: str | None, expected: bool) -> None:
        """Text naming lupus nephritis counts unless negated or doubted."""
        assert mentions_lupus_nephritis(text) is expected

    @pytest.mark.parametrize(
        ("system", "code", "display"),
        [
            (ICD10CM_SYSTEM, "M3214", "Glomerular disease in systemic lupus erythematosus"),
            (SNOMED_SYSTEM, "36402006", "SLE glomerulonephritis syndrome, WHO class IV"),
            (SNOMED_SYSTEM, "1", None),
            (CPT_SYSTEM, "50200", None),
            (ICD10CM_SYSTEM, None, None),
        ],
    )
    def test_display(self, system: str, code: str | None, display: str | None) -> None:
        """Table displays are returned for value-set codes only."""
        assert lupus_nephritis_display(system, code) == display

    def test_snomed_table_codes_are_digits(self) -> None:
        """Every SNOMED CT concept id in the table is numeric."""
        assert all(code.isdigit() for code in LN_SNOMED)


class TestKidneyBiopsyCodes:
    @pytest.mark.parametrize(
        ("system", "code", "expected"),
        [
            (CPT_SYSTEM, "50200", True),
            (CPT_SYSTEM, "50205", True),
            (CPT_SYSTEM, "50300", False),
            (SNOMED_SYSTEM, "48426002", True),
            (SNOMED_SYSTEM, "86273004", False),
            ("http://example.org", "50200", False),
            (None, None, False),
        ],
    )
    def test_value_set(self, system: Any, code: Any, expected: bool) -> None:
        """CPT and SNOMED CT kidney biopsy codes are recognised."""
        assert is_kidney_biopsy_coding(system, code) is expected

    @pytest.mark.parametrize(
        ("system", "code", "display"),
        [
            (CPT_SYSTEM, "50200", "Renal biopsy; percutaneous, by trocar or needle"),
            (SNOMED_SYSTEM, "48426002", "Fine needle biopsy of kidney"),
            ("http://example.org", "50200", None),
            (CPT_SYSTEM, None, None),
        ],
    )
    def test_display(self, system: str, code: str | None, display: str | None) -> None:
        """Table displays are returned for value-set codes only."""
        assert kidney_biopsy_display(system, code) == display

    @pytest.mark.parametrize(
        ("text", "site", "expected"),
        [
            ("Renal biopsy", None, True),
            ("Kidney biopsy", None, True),
            ("Percutaneous biopsy of kidney", None, True),
            ("Biopsy", "Left kidney", True),
            ("Biopsy", "Skin of arm", False),
            ("Biopsy of skin", None, False),
            ("Renal ultrasound", None, False),
            (None, "kidney", False),
        ],
    )
    def test_text_fallback(self, text: str | None, site: str | None, expected: bool) -> None:
        """Biopsy text naming the kidney (or a kidney body site) counts."""
        assert mentions_kidney_biopsy(text, site) is expected


class TestConditionMapping:
    @pytest.mark.parametrize("clinical", ["active", "recurrence", "relapse"])
    def test_current_statuses_kept(self, clinical: str) -> None:
        """active, recurrence and relapse lupus nephritis count."""
        assert len(lupus_nephritis_conditions([condition(clinical=clinical)])) == 1

    @pytest.mark.parametrize("clinical", ["inactive", "remission", "resolved"])
    def test_past_statuses_excluded(self, clinical: str) -> None:
        """inactive, remission and resolved are history, listed as excluded."""
        facts, excluded = lupus_nephritis_conditions_with_exclusions([condition(clinical=clinical)])
        assert facts == ()
        assert "not current disease" in excluded[0].reason

    @pytest.mark.parametrize(
        "verification",
        ["refuted", "entered-in-error", "unconfirmed", "provisional", "differential"],
    )
    def test_untrusted_verification_excluded(self, verification: str) -> None:
        """Refuted, erroneous and unconfirmed diagnoses are excluded."""
        facts, excluded = lupus_nephritis_conditions_with_exclusions(
            [condition(verification=verification)]
        )
        assert facts == ()
        assert verification in excluded[0].reason

    def test_missing_statuses_count(self) -> None:
        """No clinical or verification status: counted as current."""
        assert len(lupus_nephritis_conditions([condition(clinical=None, verification=None)])) == 1

    def test_missing_clinical_status_with_abatement(self) -> None:
        """No clinicalStatus but an abatement: ended, excluded."""
        facts, excluded = lupus_nephritis_conditions_with_exclusions(
            [condition(clinical=None, abatementDateTime="2020-01-01")]
        )
        assert facts == ()
        assert "abatement" in excluded[0].reason

    def test_fact_fields(self) -> None:
        """Code, system, display, class, onset and recorded date are carried over."""
        res = condition(
            coding=[
                {"system": "http://example.org", "code": "x"},
                {"system": SNOMED_SYSTEM, "code": "36402006", "display": "LN IV"},
            ],
            onsetPeriod={"start": "2023-05-02"},
            recordedDate="2023-05-10T10:00:00Z",
        )
        (fact,) = lupus_nephritis_conditions([res])
        assert (fact.system, fact.code, fact.display) == (SNOMED_SYSTEM, "36402006", "LN IV")
        assert fact.isn_rps_class == "IV"
        assert fact.onset == date(2023, 5, 2)
        assert fact.recorded == date(2023, 5, 10)
        assert fact.source_id == "Condition/c1"

    def test_display_from_table_and_class_from_text(self) -> None:
        """Without a coding display the table display is used; the class comes from text."""
        res = condition(text="Lupus nephritis ISN/RPS class III+V", onsetDateTime="2022-01-01")
        (fact,) = lupus_nephritis_conditions([res])
        assert fact.display == "Glomerular disease in systemic lupus erythematosus"
        assert fact.isn_rps_class == "III+V"
        assert fact.onset == date(2022, 1, 1)

    def test_class_from_note(self) -> None:
        """A class written in a note is read."""
        res = condition(note=[{"text": "biopsy: class IV"}, "bad"])
        assert lupus_nephritis_conditions([res])[0].isn_rps_class == "IV"

    def test_text_fallback(self) -> None:
        """A Condition known only by text is recorded with system 'text'."""
        res = condition(coding=[], text="Lupus nephritis class V")
        (fact,) = lupus_nephritis_conditions([res])
        assert (fact.system, fact.code, fact.isn_rps_class) == (
            TEXT_SYSTEM,
            "Lupus nephritis class V",
            "V",
        )

    def test_other_conditions_ignored(self) -> None:
        """Conditions that are not lupus nephritis are neither returned nor listed."""
        res = condition(coding=[{"system": SNOMED_SYSTEM, "code": "55464009"}], text="SLE")
        assert lupus_nephritis_conditions_with_exclusions([res]) == ((), ())

    def test_odd_input_and_duplicates(self) -> None:
        """Non-objects and other types are skipped; the same id is read once."""
        items: list[Any] = [None, "x", {"resourceType": "Observation"}, condition(), condition()]
        assert len(lupus_nephritis_conditions(items)) == 1

    def test_no_id(self) -> None:
        """Conditions without an id are each read."""
        assert len(lupus_nephritis_conditions([condition(None), condition(None)])) == 2

    def test_status_coding_without_code_reads_as_missing(self) -> None:
        """A clinicalStatus whose codings carry no code counts as missing (current)."""
        res = condition(clinical=None)
        res["clinicalStatus"] = {"coding": [{"system": CLIN}], "text": "whatever"}
        assert len(lupus_nephritis_conditions([res])) == 1
