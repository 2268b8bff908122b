"""LOINC codes per ``Analyte``, each with the source it was checked against.

Sources (read with the project's search tools; confidence letters follow
``/work/shared/reference/clinical.md``):

* ``[CLIN]`` clinical.md "Codes" table (confidence H).
* ``[MAYO]`` Mayo Clinic Laboratories test catalog pages (testcatalog.org), section
  "LOINC Code Information": TAKRO -> 77348-1, CYSPR -> 3520-4, MPA -> 23905-3,
  HCQWB -> 95921-3, ADNA/DSDNA -> 33799-8 (result reported in IU/mL).
* ``[PCHILD]`` HL7 Europe PROTECT-CHILD IG, ValueSet imm-pat-pk-measurement-vs
  (build.fhir.org/ig/hl7-eu/protect-child): 77348-1 tacrolimus --trough, 53828-0
  cyclosporine --trough, 72667-9 mycophenolate in serum/plasma --trough,
  115789-0 mycophenolate [AUC] of blood.
* ``[BILL]`` Billings Clinic test catalog "Tacrolimus, Blood": 11253-2; also
  loinc.org display "Tacrolimus [Mass/volume] in Blood".
* ``[LOINC-TAC-IA]`` loinc.org/74096-9 "Tacrolimus IA (Bld) [Mass/Vol]".
* ``[ARUP]`` ARUP test 0090213 "Mycophenolic Acid by HPLC-MS/MS": 55806-4.
* ``[LG40868]`` loinc.org LOINC group LG40868-8 (erythrocytes in urine): 13945-1
  [#/area] by microscopy HPF, 46419-8 [#/area] automated count, 5808-1 by microscopy
  HPF. Counts per volume (30391-7, 20409-9 ...) are left out: not per HPF.

Left out on purpose: eGFR 48643-1, the race-specific estimate "among blacks" (display in
the official FHIR R4 example Observation/f205, where it is a component next to 48642-3
"among non-blacks" from the same sample): keeping both would put two eGFR values on one
instant. Hydroxychloroquine *serum* level 3684-8 ([MAYO] test HCQ): the
``HYDROXYCHLOROQUINE`` analyte is the whole-blood level, and serum thresholds differ
(clinical.md: whole blood < 200 ng/mL vs serum < 106 ng/mL). Any time-rate or
concentration code of urine protein other than 2889-4 (none verified).

``property`` records what the code measures where it matters for units: a mass
ratio (mg/g), a molar ratio (mg/mmol), a ratio with no stated property, a molar
concentration (umol/L) ... Units are still converted from the Observation's own
unit (``fhir_mappings.read.units``); the property documents what to expect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from fhir_mappings.facts import Analyte

LOINC_SYSTEM = "http://loinc.org"

_LOINC_RE = re.compile(r"[0-9]{1,10}-[0-9]")


class LoincProperty(StrEnum):
    """The LOINC property axis, as far as unit conversion cares."""

    MASS_RATIO = "MRto"  # e.g. mg/g
    MOLAR_RATIO = "SRto"  # e.g. mg/mmol, as labs report it
    RATIO = "Ratio"  # no mass/molar property stated
    MASS_RATE = "MRat"  # e.g. g/(24.h)
    MASS_CONCENTRATION = "MCnc"  # e.g. mg/dL, ng/mL
    MOLAR_CONCENTRATION = "SCnc"  # e.g. umol/L
    ARBITRARY_CONCENTRATION = "ACnc"  # e.g. [IU]/mL
    NUMBER_AREIC = "Naric"  # e.g. /[HPF]
    VOLUME_RATE_AREA = "VRat/ArVol"  # eGFR mL/min/{1.73_m2}
    AUC = "AUC"  # mg.h/L
    MASS = "Mass"
    LENGTH = "Len"


@dataclass(frozen=True, slots=True)
class LoincEntry:
    code: str
    analyte: Analyte
    display: str
    property: LoincProperty
    source: str


_E = LoincEntry
_A = Analyte
_P = LoincProperty

#: Every LOINC code the service understands. One row per code.
LOINC_TABLE: tuple[LoincEntry, ...] = (
    # Urine protein/creatinine ratio [CLIN]
    _E("2890-2", _A.UPCR, "Protein/Creatinine [Mass Ratio] in Urine", _P.MASS_RATIO, "CLIN"),
    _E(
        "13801-6",
        _A.UPCR,
        "Protein/Creatinine [Mass Ratio] in 24 hour Urine",
        _P.MASS_RATIO,
        "CLIN",
    ),
    _E("34366-5", _A.UPCR, "Protein/Creatinine [Ratio] in Urine", _P.RATIO, "CLIN"),
    _E(
        "60678-0",
        _A.UPCR,
        "Protein/Creatinine [Mass Ratio] in 12 hour Urine",
        _P.MASS_RATIO,
        "CLIN",
    ),
    _E("40486-3", _A.UPCR, "Protein/Creatinine [Ratio] in 24 hour Urine", _P.RATIO, "CLIN"),
    # Protein excretion, 24 h urine [CLIN]
    _E("2889-4", _A.PROTEIN_24H, "Protein [Mass/time] in 24 hour Urine", _P.MASS_RATE, "CLIN"),
    # Serum/plasma/blood creatinine [CLIN]
    _E(
        "2160-0",
        _A.CREATININE,
        "Creatinine [Mass/volume] in Serum or Plasma",
        _P.MASS_CONCENTRATION,
        "CLIN",
    ),
    _E(
        "14682-9",
        _A.CREATININE,
        "Creatinine [Moles/volume] in Serum or Plasma",
        _P.MOLAR_CONCENTRATION,
        "CLIN",
    ),
    _E(
        "38483-4", _A.CREATININE, "Creatinine [Mass/volume] in Blood", _P.MASS_CONCENTRATION, "CLIN"
    ),
    # eGFR [CLIN]; 98979-8 is the CKD-EPI 2021 (race-free) equation
    _E("33914-3", _A.EGFR, "eGFR per 1.73 m2", _P.VOLUME_RATE_AREA, "CLIN"),
    _E("48642-3", _A.EGFR, "eGFR per 1.73 m2", _P.VOLUME_RATE_AREA, "CLIN"),
    _E("50044-7", _A.EGFR, "eGFR per 1.73 m2", _P.VOLUME_RATE_AREA, "CLIN"),
    _E("62238-1", _A.EGFR, "eGFR per 1.73 m2", _P.VOLUME_RATE_AREA, "CLIN"),
    _E("98979-8", _A.EGFR, "eGFR (CKD-EPI 2021) per 1.73 m2", _P.VOLUME_RATE_AREA, "CLIN"),
    _E("77147-7", _A.EGFR, "eGFR per 1.73 m2", _P.VOLUME_RATE_AREA, "CLIN"),
    _E("69405-9", _A.EGFR, "eGFR per 1.73 m2", _P.VOLUME_RATE_AREA, "CLIN"),
    # Urine RBC per high-power field [CLIN] 13945-1; others [LG40868]
    _E(
        "13945-1",
        _A.URINE_RBC,
        "Erythrocytes [#/area] in Urine sediment by Microscopy HPF",
        _P.NUMBER_AREIC,
        "CLIN",
    ),
    _E(
        "46419-8",
        _A.URINE_RBC,
        "Erythrocytes [#/area] in Urine sediment by Automated count",
        _P.NUMBER_AREIC,
        "LG40868",
    ),
    _E(
        "5808-1",
        _A.URINE_RBC,
        "Erythrocytes in Urine sediment by Microscopy HPF",
        _P.NUMBER_AREIC,
        "LG40868",
    ),
    # Urine albumin/creatinine [CLIN]
    _E("9318-7", _A.UACR, "Albumin/Creatinine [Mass Ratio] in Urine", _P.MASS_RATIO, "CLIN"),
    _E("14959-1", _A.UACR, "Microalbumin/Creatinine [Ratio] in Urine", _P.RATIO, "CLIN"),
    _E("14585-4", _A.UACR, "Albumin/Creatinine [Molar ratio] in Urine", _P.MOLAR_RATIO, "CLIN"),
    # Complement [CLIN]
    _E(
        "4485-9",
        _A.C3,
        "Complement C3 [Mass/volume] in Serum or Plasma",
        _P.MASS_CONCENTRATION,
        "CLIN",
    ),
    _E(
        "4498-2",
        _A.C4,
        "Complement C4 [Mass/volume] in Serum or Plasma",
        _P.MASS_CONCENTRATION,
        "CLIN",
    ),
    # Anti-dsDNA [MAYO]
    _E(
        "33799-8",
        _A.ANTI_DSDNA,
        "DNA double strand IgG Ab [Units/volume] in Serum",
        _P.ARBITRARY_CONCENTRATION,
        "MAYO",
    ),
    # Mycophenolic acid
    _E(
        "23905-3",
        _A.MPA_TROUGH,
        "Mycophenolate [Mass/volume] in Serum or Plasma",
        _P.MASS_CONCENTRATION,
        "MAYO",
    ),
    _E(
        "72667-9",
        _A.MPA_TROUGH,
        "Mycophenolate [Mass/volume] in Serum or Plasma --trough",
        _P.MASS_CONCENTRATION,
        "PCHILD",
    ),
    _E("55806-4", _A.MPA_TROUGH, "Mycophenolic acid by HPLC-MS/MS", _P.MASS_CONCENTRATION, "ARUP"),
    _E("115789-0", _A.MPA_AUC, "Mycophenolate [AUC] of Blood", _P.AUC, "PCHILD"),
    # Calcineurin inhibitors (whole blood)
    _E(
        "77348-1",
        _A.TACROLIMUS_TROUGH,
        "Tacrolimus [Mass/volume] in Blood --trough",
        _P.MASS_CONCENTRATION,
        "MAYO, PCHILD",
    ),
    _E(
        "11253-2",
        _A.TACROLIMUS_TROUGH,
        "Tacrolimus [Mass/volume] in Blood",
        _P.MASS_CONCENTRATION,
        "BILL",
    ),
    _E(
        "74096-9",
        _A.TACROLIMUS_TROUGH,
        "Tacrolimus IA [Mass/volume] in Blood",
        _P.MASS_CONCENTRATION,
        "LOINC-TAC-IA",
    ),
    _E(
        "53828-0",
        _A.CYCLOSPORINE_TROUGH,
        "Cyclosporine [Mass/volume] in Blood --trough",
        _P.MASS_CONCENTRATION,
        "PCHILD",
    ),
    _E(
        "3520-4",
        _A.CYCLOSPORINE_TROUGH,
        "Cyclosporine [Mass/volume] in Blood",
        _P.MASS_CONCENTRATION,
        "MAYO",
    ),
    # Hydroxychloroquine, whole blood [MAYO] (HCQWB)
    _E(
        "95921-3",
        _A.HYDROXYCHLOROQUINE,
        "Hydroxychloroquine [Mass/volume] in Blood",
        _P.MASS_CONCENTRATION,
        "MAYO",
    ),
    # Body measures (task brief; US Core vital signs)
    _E("29463-7", _A.WEIGHT, "Body weight", _P.MASS, "CLIN"),
    _E("8302-2", _A.HEIGHT, "Body height", _P.LENGTH, "CLIN"),
)

LOINC_BY_CODE: Mapping[str, LoincEntry] = {entry.code: entry for entry in LOINC_TABLE}

#: Analytes the assessment reads; their codes make up the Observation prefetch.
_PREFETCH_ANALYTES: frozenset[Analyte] = frozenset(
    {
        Analyte.UPCR,
        Analyte.PROTEIN_24H,
        Analyte.CREATININE,
        Analyte.EGFR,
        Analyte.URINE_RBC,
        Analyte.MPA_TROUGH,
        Analyte.MPA_AUC,
        Analyte.TACROLIMUS_TROUGH,
        Analyte.CYCLOSPORINE_TROUGH,
        Analyte.HYDROXYCHLOROQUINE,
        Analyte.WEIGHT,
        Analyte.HEIGHT,
        Analyte.UACR,
        Analyte.C3,
        Analyte.C4,
        Analyte.ANTI_DSDNA,
    }
)

#: Flat tuple of LOINC codes for the Observation prefetch template (engineer D).
PREFETCH_LOINC_CODES: tuple[str, ...] = tuple(
    entry.code for entry in LOINC_TABLE if entry.analyte in _PREFETCH_ANALYTES
)


def analyte_for_loinc(code: str) -> Analyte | None:
    """The analyte a LOINC code identifies, or ``None`` when the code is not in the table."""
    entry = LOINC_BY_CODE.get(code.strip()) if isinstance(code, str) else None
    return entry.analyte if entry is not None else None


def loinc_check_digit_ok(code: str) -> bool:
    """LOINC mod-10 check digit (LOINC Users' Guide, appendix "Calculating Mod 10 Check Digits").

    Digits of the base number are taken from the right: every other digit, starting with
    the rightmost, is doubled; the digits of those products and the remaining digits are
    summed; the check digit is ``(10 - sum % 10) % 10``.
    """
    if not isinstance(code, str) or _LOINC_RE.fullmatch(code) is None:
        return False
    base, _, check = code.partition("-")
    total = 0
    for position, char in enumerate(reversed(base)):
        digit = int(char)
        if position % 2 == 0:
            doubled = digit * 2
            total += doubled // 10 + doubled % 10
        else:
            total += digit
    return (10 - total % 10) % 10 == int(check)
