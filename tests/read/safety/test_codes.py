"""codes.safety: code tables, ICD-10-CM prefixes, the traps, and the text fallback."""

from __future__ import annotations

import pytest

from fhir_mappings.codes.conditions import is_kidney_biopsy_coding, mentions_kidney_biopsy
from fhir_mappings.codes.safety import (
    Reading,
    answer_reading,
    condition_kind,
    condition_meaning,
    normalise_icd10cm,
    procedure_kind,
    result_words,
    text_kinds,
)
from fhir_mappings.facts import Certainty, SafetyKind

from ._fhir import CPT, ICD10CM, SNOMED

K = SafetyKind
POSSIBLE = Certainty.POSSIBLE


class TestNormaliseIcd10cm:
    @pytest.mark.parametrize(
        ("raw", "dotted"),
        [
            ("N186", "N18.6"),
            ("n18.6", "N18.6"),
            (" z99.2 ", "Z99.2"),
            ("O0990", "O09.90"),
            ("T8144XA", "T81.44XA"),
            ("Z3A20", "Z3A.20"),
            ("A41", "A41"),
            ("N18.", "N18"),
        ],
    )
    def test_dot_and_case(self, raw: str, dotted: str) -> None:
        """Codes with or without the dot, in any case, read as the dotted upper-case code."""
        assert normalise_icd10cm(raw) == dotted

    @pytest.mark.parametrize("raw", ["009.90", "0099", "", "   ", "N", "N18.12345", 186, None])
    def test_not_a_code(self, raw: object) -> None:
        """A leading digit (0 for O), a wrong length or a non-string is refused, not guessed."""
        assert normalise_icd10cm(raw) is None


class TestConditionCodes:
    @pytest.mark.parametrize(
        ("system", "code", "expected"),
        [
            (SNOMED, "77386006", (K.PREGNANCY, None)),
            (ICD10CM, "Z331", (K.PREGNANCY, None)),
            (ICD10CM, "Z3A.20", (K.PREGNANCY, None)),
            (ICD10CM, "O10011", (K.PREGNANCY, None)),
            (SNOMED, "102874004", (K.PREGNANCY, POSSIBLE)),
            (ICD10CM, "O00.101", (K.PREGNANCY, POSSIBLE)),
            (ICD10CM, "O01.9", (K.PREGNANCY, POSSIBLE)),
            (SNOMED, "79586000", (K.PREGNANCY, POSSIBLE)),
            (ICD10CM, "O80", (K.PREGNANCY_ENDED, None)),
            (ICD10CM, "O10.02", (K.PREGNANCY_ENDED, None)),
            (ICD10CM, "Z37.0", (K.PREGNANCY_ENDED, None)),
            (SNOMED, "289256000", (K.PREGNANCY_ENDED, None)),
            (ICD10CM, "N18.6", (K.KIDNEY_FAILURE, None)),
            (ICD10CM, "N185", (K.KIDNEY_FAILURE, None)),
            (SNOMED, "46177005", (K.KIDNEY_FAILURE, None)),
            (ICD10CM, "Z99.2", (K.DIALYSIS, None)),
            (ICD10CM, "Z91.151", (K.DIALYSIS, None)),
            (SNOMED, "105502003", (K.DIALYSIS, None)),
            (SNOMED, "129721000119106", (K.DIALYSIS, None)),
            (ICD10CM, "Z94.0", (K.KIDNEY_TRANSPLANT, None)),
            (SNOMED, "161665007", (K.KIDNEY_TRANSPLANT, None)),
            (ICD10CM, "A41.9", (K.SERIOUS_INFECTION, None)),
            (ICD10CM, "J189", (K.SERIOUS_INFECTION, None)),
            (SNOMED, "91302008", (K.SERIOUS_INFECTION, None)),
            (ICD10CM, "Z78.0", (K.NOT_CHILDBEARING, None)),
            (ICD10CM, "Z90.710", (K.NOT_CHILDBEARING, None)),
            (ICD10CM, "Z90.722", (K.NOT_CHILDBEARING, None)),
            (SNOMED, "76498008", (K.NOT_CHILDBEARING, None)),
            (SNOMED, "255409004", (K.PREGNANCY, None)),
            ("urn:oid:2.16.840.1.113883.6.96", "77386006", (K.PREGNANCY, None)),
            ("urn:oid:2.16.840.1.113883.6.90", "N186", (K.KIDNEY_FAILURE, None)),
        ],
    )
    def test_kind(self, system: str, code: str, expected: tuple[SafetyKind, object]) -> None:
        """Each coded Condition gives its kind and, for doubtful codes, POSSIBLE."""
        assert condition_kind(system, code) == expected

    @pytest.mark.parametrize(
        ("system", "code"),
        [
            (ICD10CM, "M32.11"),  # Libman-Sacks endocarditis
            (SNOMED, "72181000119109"),  # endocarditis due to SLE
            (ICD10CM, "Z22.7"),  # latent tuberculosis
            (ICD10CM, "R76.11"),  # positive TST without active TB
            (SNOMED, "428697002"),  # inactive tuberculosis of lung
            (SNOMED, "56819008"),  # endocarditis, broad parent
            (ICD10CM, "I33.9"),
            (ICD10CM, "Z90.712"),  # cervix absent, uterus remaining
            (ICD10CM, "N95.1"),
            (SNOMED, "169550004"),  # female sterilization failure
            (SNOMED, "161693006"),  # history of dialysis
            (ICD10CM, "Z49.01"),  # dialysis catheter fitting
            (ICD10CM, "T81.44XS"),  # sepsis after a procedure, sequela
            (SNOMED, "60001007"),  # not pregnant
        ],
    )
    def test_known_without_fact(self, system: str, code: str) -> None:
        """Trap codes are known (so their text is not read) but state no safety fact."""
        meaning = condition_meaning(system, code)
        assert meaning is not None
        assert meaning.facts == ()
        assert condition_kind(system, code) is None

    def test_active_tb_is_infection(self) -> None:
        """Active (respiratory) tuberculosis is a serious infection, latent TB is not."""
        assert condition_kind(ICD10CM, "A15.0") == (K.SERIOUS_INFECTION, None)
        assert condition_kind(ICD10CM, "Z22.7") is None

    def test_sepsis_initial_encounter_is_infection(self) -> None:
        """T81.44XA (initial encounter) is an active infection, unlike the sequela."""
        assert condition_kind(ICD10CM, "T8144XA") == (K.SERIOUS_INFECTION, None)

    def test_transplant_infection_names_both(self) -> None:
        """T86.13 is a kidney transplant and a serious infection."""
        meaning = condition_meaning(ICD10CM, "T86.13")
        assert meaning is not None
        assert {kind for kind, _ in meaning.facts} == {K.KIDNEY_TRANSPLANT, K.SERIOUS_INFECTION}

    def test_esrf_with_transplant_names_both(self) -> None:
        """236436003 is kidney failure and a transplant."""
        meaning = condition_meaning(SNOMED, "236436003")
        assert meaning is not None
        assert {kind for kind, _ in meaning.facts} == {K.KIDNEY_FAILURE, K.KIDNEY_TRANSPLANT}

    def test_puerperal_sepsis_ends_pregnancy_and_is_infection(self) -> None:
        """O85 ends a pregnancy and is a serious infection."""
        meaning = condition_meaning(ICD10CM, "O85")
        assert meaning is not None
        assert {kind for kind, _ in meaning.facts} == {K.PREGNANCY_ENDED, K.SERIOUS_INFECTION}

    @pytest.mark.parametrize(
        ("system", "code"),
        [("http://loinc.org", "77386006"), (SNOMED, "Z33.1"), (ICD10CM, "009.90"), (None, "N18.6")],
    )
    def test_wrong_system_is_unknown(self, system: object, code: str) -> None:
        """A code under another system (or none) is not read."""
        assert condition_meaning(system, code) is None


class TestProcedureCodes:
    @pytest.mark.parametrize(
        ("system", "code", "kind"),
        [
            (SNOMED, "265764009", K.DIALYSIS),
            (SNOMED, "714749008", K.DIALYSIS),  # CRRT: acute, still dialysis
            (CPT, "90935", K.DIALYSIS),
            (CPT, "90960", K.DIALYSIS),
            (SNOMED, "70536003", K.KIDNEY_TRANSPLANT),
            (CPT, "50360", K.KIDNEY_TRANSPLANT),
            (SNOMED, "440512006", K.KIDNEY_TRANSPLANT),  # biopsy of transplanted kidney
            (SNOMED, "11466000", K.PREGNANCY_ENDED),
            (SNOMED, "445912000", K.PREGNANCY_ENDED),
            (SNOMED, "116144002", K.NOT_CHILDBEARING),
            (SNOMED, "287664005", K.NOT_CHILDBEARING),
            (CPT, "58600", K.NOT_CHILDBEARING),
        ],
    )
    def test_kind(self, system: str, code: str, kind: SafetyKind) -> None:
        """Each coded Procedure gives its kind."""
        assert procedure_kind(system, code) is kind

    @pytest.mark.parametrize(
        ("system", "code"),
        [
            (SNOMED, "175899003"),  # autotransplantation
            (CPT, "50380"),
            (SNOMED, "10848006"),  # removal of PD catheter: access care
            (SNOMED, "176873000"),  # transcervical resection of endometrium
            (SNOMED, "387626007"),  # amputation of cervix
            (SNOMED, "255409004"),  # a person concept is no procedure
        ],
    )
    def test_no_fact(self, system: str, code: str) -> None:
        """Autotransplant, dialysis-access care and uterus-sparing operations give no kind."""
        assert procedure_kind(system, code) is None

    @pytest.mark.parametrize(
        ("system", "code"),
        [
            (None, "90935"),  # no system
            (CPT, None),  # no code
            (CPT, 90935),  # a number where FHIR has a string
            ("   ", "90935"),
            ("http://loinc.org", "90935"),  # a dialysis CPT code under another system
            (ICD10CM, "N18.6"),  # ICD-10-CM is no procedure system
        ],
    )
    def test_odd_or_foreign_coding(self, system: object, code: object) -> None:
        """A Procedure coding without a system or code, or from another system, says nothing."""
        assert procedure_kind(system, code) is None


class TestKidneyBiopsy:
    def test_transplant_biopsy_is_not_native(self) -> None:
        """A biopsy of a transplanted kidney is not a lupus nephritis kidney biopsy."""
        assert not is_kidney_biopsy_coding(SNOMED, "440512006")
        assert not is_kidney_biopsy_coding(SNOMED, "6501000179109")
        assert not mentions_kidney_biopsy("Biopsy of transplanted kidney using ultrasound")
        assert not mentions_kidney_biopsy("Renal allograft biopsy")

    @pytest.mark.parametrize("code", ["7246002", "10106002", "274326000", "438813007"])
    def test_native_biopsy_codes(self, code: str) -> None:
        """Native kidney biopsy SNOMED CT codes are kidney biopsies."""
        assert is_kidney_biopsy_coding(SNOMED, code)

    def test_renal_lesion_biopsy_is_not_kidney_biopsy(self) -> None:
        """A biopsy of a renal lesion (a mass) is not in the biopsy table."""
        assert not is_kidney_biopsy_coding(SNOMED, "175967008")

    def test_native_biopsy_text(self) -> None:
        """Plain kidney biopsy text still reads as a kidney biopsy."""
        assert mentions_kidney_biopsy("Percutaneous renal biopsy")


class TestTextKinds:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Pregnancy", ((K.PREGNANCY, None),)),
            ("Pregnancy, no complications", ((K.PREGNANCY, None),)),
            ("Threatened miscarriage", ((K.PREGNANCY, None),)),
            ("Ectopic pregnancy", ((K.PREGNANCY, POSSIBLE),)),
            ("Postpartum state", ((K.PREGNANCY_ENDED, None),)),
            ("Termination of pregnancy", ((K.PREGNANCY_ENDED, None),)),
            ("End stage renal disease", ((K.KIDNEY_FAILURE, None),)),
            ("CKD stage 5", ((K.KIDNEY_FAILURE, None),)),
            ("Peritoneal dialysis", ((K.DIALYSIS, None),)),
            ("Kidney transplant recipient", ((K.KIDNEY_TRANSPLANT, None),)),
            ("History of kidney transplant", ((K.KIDNEY_TRANSPLANT, None),)),
            ("Community acquired pneumonia", ((K.SERIOUS_INFECTION, None),)),
            ("Pneumonia in a patient with lupus", ((K.SERIOUS_INFECTION, None),)),
            ("Postmenopausal", ((K.NOT_CHILDBEARING, None),)),
            ("s/p TAH-BSO", ((K.NOT_CHILDBEARING, None),)),
        ],
    )
    def test_names_kind(self, text: str, expected: tuple[object, ...]) -> None:
        """Plain mentions give their kind."""
        assert text_kinds(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "Not pregnant",
            "non-pregnant",
            "No evidence of pneumonia",
            "Negative for tuberculosis",
            "History of sepsis",
            "h/o pregnancy",
            "Sepsis ruled out",
            "r/o sepsis",
            "Rule out pregnancy",
            "Family history of kidney transplant",
            "Latent tuberculosis",
            "LTBI, on isoniazid",
            "Libman-Sacks endocarditis",
            "Lupus endocarditis",
            "AV fistula for dialysis",
            "Peritoneal dialysis catheter",
            "Kidney transplant evaluation",
            "Perimenopausal",
            "Encounter for sterilization",
            "Sterilization failure",
            "Planned hysterectomy",
            "Pregnancy test negative",
            "History of miscarriage",
            "Pneumococcal vaccine",
        ],
    )
    def test_negated_or_other(self, text: str) -> None:
        """Negated, historical, planned or look-alike text names no kind."""
        assert text_kinds(text) == ()

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("Possible pregnancy", K.PREGNANCY),
            ("Pregnancy?", K.PREGNANCY),
            ("? pregnant", K.PREGNANCY),
            ("Suspected sepsis", K.SERIOUS_INFECTION),
            ("Tuberculosis cannot be excluded", K.SERIOUS_INFECTION),
            ("Pneumonia vs atelectasis", K.SERIOUS_INFECTION),
        ],
    )
    def test_doubt_is_possible(self, text: str, kind: SafetyKind) -> None:
        """Doubt words give POSSIBLE, never nothing."""
        assert text_kinds(text) == ((kind, POSSIBLE),)

    def test_two_kinds(self) -> None:
        """One text can name two kinds."""
        assert set(text_kinds("ESRD on hemodialysis")) == {
            (K.KIDNEY_FAILURE, None),
            (K.DIALYSIS, None),
        }

    def test_negation_stays_in_its_clause(self) -> None:
        """A negation in one clause does not reach a term in the next."""
        assert text_kinds("No fever; pneumonia") == ((K.SERIOUS_INFECTION, None),)

    def test_a_plain_mention_wins_over_a_doubted_one_in_either_order(self) -> None:
        """The same kind named twice, once doubted: the plain mention decides."""
        assert text_kinds("sepsis; possible pneumonia") == ((K.SERIOUS_INFECTION, None),)
        assert text_kinds("possible pneumonia; sepsis") == ((K.SERIOUS_INFECTION, None),)

    @pytest.mark.parametrize("text", [None, "", "   ", 42, ["Pregnancy"]])
    def test_not_text(self, text: object) -> None:
        """No text gives no kind."""
        assert text_kinds(text) == ()


class TestResultWords:
    @pytest.mark.parametrize(
        ("text", "reading"),
        [
            ("Positive", Reading.POSITIVE),
            ("POS", Reading.POSITIVE),
            ("hCG detected", Reading.POSITIVE),
            ("Pregnant", Reading.POSITIVE),
            ("Negative", Reading.NEGATIVE),
            ("neg", Reading.NEGATIVE),
            ("Not detected", Reading.NEGATIVE),
            ("Not pregnant", Reading.NEGATIVE),
            ("Equivocal", Reading.INDETERMINATE),
            ("Positive?", Reading.INDETERMINATE),
            ("positive and negative", Reading.INDETERMINATE),
            ("see comment", Reading.INDETERMINATE),
            ("specimen received", None),
            ("", None),
            ("   ", None),
            (None, None),
            (1, None),  # a number is no result in words
        ],
    )
    def test_reading(self, text: object, reading: Reading | None) -> None:
        """Result words read as positive, negative, indeterminate, or nothing."""
        assert result_words(text) is reading


class TestAnswerReading:
    @pytest.mark.parametrize(
        ("system", "code"), [(None, "10828004"), (SNOMED, None), (SNOMED, " ")]
    )
    def test_no_system_or_code_is_no_answer(self, system: object, code: object) -> None:
        """A coded answer without its system or code reads as no answer (never a guess)."""
        assert answer_reading(system, code) is None
