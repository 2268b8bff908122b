"""LOINC codes per ``Analyte``, each with the source it was checked against.

Sources (each listed in ``docs/clinical-sources.md``):

* ``[LOINC]`` the Regenstrief LOINC term pages (https://loinc.org/<code>/): urine
  protein/creatinine ratios, 24 h urine protein, creatinine, eGFR, urine RBC per HPF,
  urine albumin/creatinine, C3, C4, body weight and height.
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

* ``[VSAC-PREG-TEST]`` NLM VSAC "Pregnancy Test", 2.16.840.1.113883.3.464.1003.111.12.1011,
  v20170504 (CMS153), read as the FHIR expansion in the CQF eCQM content repositories.
* ``[MAYO-THCG]`` Mayo Clinic Laboratories test THCG, quantitative pregnancy hCG in serum,
  reported in IU/L under 83086-9. https://mml.testcatalog.org/show/THCG
* ``[USCORE-PREGSTATUS]`` HL7 US Core Observation Pregnancy Status profile (code 82810-3).
  https://hl7.org/fhir/us/core/StructureDefinition-us-core-observation-pregnancystatus.html
* ``[AKTIN-11449]`` AKTIN emergency-department registry, ART-DECOR template requiring
  11449-6 for pregnancy status.
* ``[SYNTHEA-*]`` Synthea (MITRE) modules: ``[SYNTHEA-PREG]`` pregnancy.json (82810-3),
  ``[SYNTHEA-GU-PREG]`` uti/gu_pregnancy_check.json (2106-3), ``[SYNTHEA-AML]``
  acute_myeloid_leukemia.json (751-8), ``[SYNTHEA-LABS]`` encounter/hospital_basic_labs.json
  (6690-2, 777-3 in 10*3/uL), ``[SYNTHEA-GALLSTONES]`` gallstones.json (26464-8 in 10*3/uL,
  26515-7 in K/uL). https://github.com/synthetichealth/synthea
* ``[VSAC-WBC]`` VSAC "White Blood Cells Count Lab Test", 2.16.840.1.113762.1.4.1045.129,
  v20230214; ``[VSAC-PLT]`` VSAC "Platelet Count Lab Test", 2.16.840.1.113762.1.4.1045.127,
  v20230214.
* ``[OHDSI-PL]`` OHDSI Phenotype Library concept sets (LOINC long names).
  https://github.com/OHDSI/PhenotypeLibrary
* ``[PEDSNET-*]`` PEDSnet Variable Dictionary lab code sets (OMOP concept names = LOINC long
  names), https://github.com/PEDSnet/Variable-Dictionary: ``[PEDSNET-WBC]``
  lab_meas/lab_2022_03_SerumWBC_V1.csv, ``[PEDSNET-PLT]`` lab_meas/lab_2023_07_PlateletCount_V1.csv,
  ``[PEDSNET-UPROT]`` lab_meas/lab_2021_11_UrineProteinQuantitative_V1.csv (2888-6 "Protein
  [Mass/volume] in Urine"), ``[PEDSNET-UCREA]`` lab_meas/urine_creatinine.csv (2161-8
  "Creatinine [Mass/volume] in Urine", 14683-7 "Creatinine [Moles/volume] in Urine").
* ``[HL7-THO-RACE]`` HL7 Terminology, CDC Race & Ethnicity code system
  (``http://terminology.hl7.org/CodeSystem/v3-Race``): 2106-3 "White", 2118-8 "Middle
  Eastern or North African", 2119-6 "Assyrian". The same strings are hCG LOINC codes, so a
  code counts only under ``http://loinc.org``.

Left out on purpose: eGFR 48643-1, the race-specific estimate "among blacks" (display in
the official FHIR R4 example Observation/f205, where it is a component next to 48642-3
"among non-blacks" from the same sample): keeping both would put two eGFR values on one
instant. Hydroxychloroquine *serum* level 3684-8 ([MAYO] test HCQ): the
``HYDROXYCHLOROQUINE`` analyte is the whole-blood level, and serum thresholds differ
(Blanchet 2020: whole blood < 200 ng/mL vs serum < 106 ng/mL). Any time-rate or
concentration code of urine protein other than 2889-4 and 2888-6 (none verified).
hCG: 2119-6 is molar ("Choriogonadotropin [Moles/volume]", pmol/L; and "Assyrian" in the
race code system), 34670-0 / 55869-2 / 93769-8 are mass concentrations, and 25372-4 is urine:
the IU/L cut-offs read in ``read.safety`` are for serum or plasma. Free beta-subunit codes
(19180-9, 2115-4, 25373-2) are tumour markers or prenatal screening. Platelets 13056-7
(in plasma) is not a blood count.

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
    NUMBER_CONCENTRATION = "NCnc"  # e.g. 10*3/uL


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
    # Urine protein/creatinine ratio [LOINC]
    _E("2890-2", _A.UPCR, "Protein/Creatinine [Mass Ratio] in Urine", _P.MASS_RATIO, "LOINC"),
    _E(
        "13801-6",
        _A.UPCR,
        "Protein/Creatinine [Mass Ratio] in 24 hour Urine",
        _P.MASS_RATIO,
        "LOINC",
    ),
    _E("34366-5", _A.UPCR, "Protein/Creatinine [Ratio] in Urine", _P.RATIO, "LOINC"),
    _E(
        "60678-0",
        _A.UPCR,
        "Protein/Creatinine [Mass Ratio] in 12 hour Urine",
        _P.MASS_RATIO,
        "LOINC",
    ),
    _E("40486-3", _A.UPCR, "Protein/Creatinine [Ratio] in 24 hour Urine", _P.RATIO, "LOINC"),
    # Protein excretion, 24 h urine [LOINC]
    _E("2889-4", _A.PROTEIN_24H, "Protein [Mass/time] in 24 hour Urine", _P.MASS_RATE, "LOINC"),
    # Serum/plasma/blood creatinine [LOINC]
    _E(
        "2160-0",
        _A.CREATININE,
        "Creatinine [Mass/volume] in Serum or Plasma",
        _P.MASS_CONCENTRATION,
        "LOINC",
    ),
    _E(
        "14682-9",
        _A.CREATININE,
        "Creatinine [Moles/volume] in Serum or Plasma",
        _P.MOLAR_CONCENTRATION,
        "LOINC",
    ),
    _E(
        "38483-4",
        _A.CREATININE,
        "Creatinine [Mass/volume] in Blood",
        _P.MASS_CONCENTRATION,
        "LOINC",
    ),
    # eGFR [LOINC]; 98979-8 is the CKD-EPI 2021 (race-free) equation
    _E("33914-3", _A.EGFR, "eGFR per 1.73 m2", _P.VOLUME_RATE_AREA, "LOINC"),
    _E("48642-3", _A.EGFR, "eGFR per 1.73 m2", _P.VOLUME_RATE_AREA, "LOINC"),
    _E("50044-7", _A.EGFR, "eGFR per 1.73 m2", _P.VOLUME_RATE_AREA, "LOINC"),
    _E("62238-1", _A.EGFR, "eGFR per 1.73 m2", _P.VOLUME_RATE_AREA, "LOINC"),
    _E("98979-8", _A.EGFR, "eGFR (CKD-EPI 2021) per 1.73 m2", _P.VOLUME_RATE_AREA, "LOINC"),
    _E("77147-7", _A.EGFR, "eGFR per 1.73 m2", _P.VOLUME_RATE_AREA, "LOINC"),
    _E("69405-9", _A.EGFR, "eGFR per 1.73 m2", _P.VOLUME_RATE_AREA, "LOINC"),
    # Urine RBC per high-power field [LOINC] 13945-1; others [LG40868]
    _E(
        "13945-1",
        _A.URINE_RBC,
        "Erythrocytes [#/area] in Urine sediment by Microscopy HPF",
        _P.NUMBER_AREIC,
        "LOINC",
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
    # Urine albumin/creatinine [LOINC]
    _E("9318-7", _A.UACR, "Albumin/Creatinine [Mass Ratio] in Urine", _P.MASS_RATIO, "LOINC"),
    _E("14959-1", _A.UACR, "Microalbumin/Creatinine [Ratio] in Urine", _P.RATIO, "LOINC"),
    _E("14585-4", _A.UACR, "Albumin/Creatinine [Molar ratio] in Urine", _P.MOLAR_RATIO, "LOINC"),
    # Complement [LOINC]
    _E(
        "4485-9",
        _A.C3,
        "Complement C3 [Mass/volume] in Serum or Plasma",
        _P.MASS_CONCENTRATION,
        "LOINC",
    ),
    _E(
        "4498-2",
        _A.C4,
        "Complement C4 [Mass/volume] in Serum or Plasma",
        _P.MASS_CONCENTRATION,
        "LOINC",
    ),
    # Anti-dsDNA [MAYO]
    _E(
        "33799-8",
        _A.ANTI_DSDNA,
        "DNA double strand IgG Ab [Units/volume] in Serum",
        _P.ARBITRARY_CONCENTRATION,
        "MAYO",
    ),
    # Mycophenolic acid. Only 72667-9 says "--trough". Mayo [MAYO] and ARUP [ARUP] draw 23905-3
    # and 55806-4 as troughs by their own protocol, but the code does not say so, and a level of
    # unstated timing is read as random: a random level is not a trough.
    _E(
        "72667-9",
        _A.MPA_TROUGH,
        "Mycophenolate [Mass/volume] in Serum or Plasma --trough",
        _P.MASS_CONCENTRATION,
        "PCHILD",
    ),
    _E(
        "23905-3",
        _A.MPA_RANDOM,
        "Mycophenolate [Mass/volume] in Serum or Plasma",
        _P.MASS_CONCENTRATION,
        "MAYO",
    ),
    # display as the lab names the component; the LOINC long name was not confirmed
    _E("55806-4", _A.MPA_RANDOM, "Mycophenolic acid by HPLC-MS/MS", _P.MASS_CONCENTRATION, "ARUP"),
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
    # Blood counts, [#/volume] (a percentage is another code and another unit)
    _E(
        "751-8",
        _A.NEUTROPHILS,
        "Neutrophils [#/volume] in Blood by Automated count",
        _P.NUMBER_CONCENTRATION,
        "SYNTHEA-AML, OHDSI-PL",
    ),
    _E(
        "753-4",
        _A.NEUTROPHILS,
        "Neutrophils [#/volume] in Blood by Manual count",
        _P.NUMBER_CONCENTRATION,
        "OHDSI-PL",
    ),
    _E(
        "26499-4",
        _A.NEUTROPHILS,
        "Neutrophils [#/volume] in Blood",
        _P.NUMBER_CONCENTRATION,
        "OHDSI-PL",
    ),
    _E(
        "6690-2",
        _A.LEUKOCYTES,
        "Leukocytes [#/volume] in Blood by Automated count",
        _P.NUMBER_CONCENTRATION,
        "VSAC-WBC, PEDSNET-WBC, SYNTHEA-LABS",
    ),
    _E(
        "26464-8",
        _A.LEUKOCYTES,
        "Leukocytes [#/volume] in Blood",
        _P.NUMBER_CONCENTRATION,
        "VSAC-WBC, PEDSNET-WBC, SYNTHEA-GALLSTONES",
    ),
    _E(
        "804-5",
        _A.LEUKOCYTES,
        "Leukocytes [#/volume] in Blood by Manual count",
        _P.NUMBER_CONCENTRATION,
        "VSAC-WBC, PEDSNET-WBC",
    ),
    _E(
        "49498-9",
        _A.LEUKOCYTES,
        "Leukocytes [#/volume] in Blood by Estimate",
        _P.NUMBER_CONCENTRATION,
        "VSAC-WBC, PEDSNET-WBC",
    ),
    _E(
        "12227-5",
        _A.LEUKOCYTES,
        "Leukocytes [#/volume] corrected for nucleated erythrocytes in Blood",
        _P.NUMBER_CONCENTRATION,
        "VSAC-WBC, PEDSNET-WBC",
    ),
    _E(
        "33256-9",
        _A.LEUKOCYTES,
        "Leukocytes [#/volume] corrected for nucleated erythrocytes in Blood by Automated count",
        _P.NUMBER_CONCENTRATION,
        "VSAC-WBC",
    ),
    _E(
        "777-3",
        _A.PLATELETS,
        "Platelets [#/volume] in Blood by Automated count",
        _P.NUMBER_CONCENTRATION,
        "VSAC-PLT, PEDSNET-PLT, SYNTHEA-LABS",
    ),
    _E(
        "26515-7",
        _A.PLATELETS,
        "Platelets [#/volume] in Blood",
        _P.NUMBER_CONCENTRATION,
        "VSAC-PLT, PEDSNET-PLT, SYNTHEA-GALLSTONES",
    ),
    _E(
        "778-1",
        _A.PLATELETS,
        "Platelets [#/volume] in Blood by Manual count",
        _P.NUMBER_CONCENTRATION,
        "VSAC-PLT, PEDSNET-PLT",
    ),
    _E(
        "49497-1",
        _A.PLATELETS,
        "Platelets [#/volume] in Blood by Estimate",
        _P.NUMBER_CONCENTRATION,
        "PEDSNET-PLT, OHDSI-PL",
    ),
    _E(
        "97995-5",
        _A.PLATELETS,
        "Platelets [#/volume] in Blood by Automated count.optical",
        _P.NUMBER_CONCENTRATION,
        "VSAC-PLT",
    ),
    # Quantitative hCG in international units (serum or plasma); read as a pregnancy test by
    # ``read.safety`` too. Units: m[IU]/mL = [IU]/L.
    _E(
        "19080-1",
        _A.HCG,
        "Choriogonadotropin [Units/volume] in Serum or Plasma",
        _P.ARBITRARY_CONCENTRATION,
        "VSAC-PREG-TEST",
    ),
    _E(
        "21198-7",
        _A.HCG,
        "Choriogonadotropin.beta subunit [Units/volume] in Serum or Plasma",
        _P.ARBITRARY_CONCENTRATION,
        "VSAC-PREG-TEST",
    ),
    _E(
        "83086-9",
        _A.HCG,
        "Choriogonadotropin [Units/volume] in Serum or Plasma by Immunoassay",
        _P.ARBITRARY_CONCENTRATION,
        "VSAC-PREG-TEST, MAYO-THCG",
    ),
    _E(
        "20415-6",
        _A.HCG,
        "Choriogonadotropin.beta subunit [Units/volume] in Serum or Plasma by Immunoassay "
        "(EIA) 3rd IS",
        _P.ARBITRARY_CONCENTRATION,
        "VSAC-PREG-TEST",
    ),
    _E(
        "45194-8",
        _A.HCG,
        "Choriogonadotropin.intact+Beta subunit [Units/volume] in Serum or Plasma",
        _P.ARBITRARY_CONCENTRATION,
        "VSAC-PREG-TEST",
    ),
    # Urine protein and creatinine concentrations of one sample: the computed UPCR
    # (``read.observations``) when no measured ratio is reported.
    _E(
        "2888-6",
        _A.URINE_PROTEIN,
        "Protein [Mass/volume] in Urine",
        _P.MASS_CONCENTRATION,
        "PEDSNET-UPROT",
    ),
    _E(
        "2161-8",
        _A.URINE_CREATININE,
        "Creatinine [Mass/volume] in Urine",
        _P.MASS_CONCENTRATION,
        "PEDSNET-UCREA",
    ),
    _E(
        "14683-7",
        _A.URINE_CREATININE,
        "Creatinine [Moles/volume] in Urine",
        _P.MOLAR_CONCENTRATION,
        "PEDSNET-UCREA",
    ),
    # Body measures (US Core vital signs)
    _E("29463-7", _A.WEIGHT, "Body weight", _P.MASS, "LOINC"),
    _E("8302-2", _A.HEIGHT, "Body height", _P.LENGTH, "LOINC"),
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
        Analyte.MPA_RANDOM,
        Analyte.NEUTROPHILS,
        Analyte.LEUKOCYTES,
        Analyte.PLATELETS,
        Analyte.HCG,
        Analyte.URINE_PROTEIN,
        Analyte.URINE_CREATININE,
    }
)

#: Qualitative pregnancy tests (the value says positive or negative). Only under
#: ``http://loinc.org``: 2106-3 and 2118-8 are also race codes [HL7-THO-RACE].
PREGNANCY_TEST_QUALITATIVE_LOINC: Mapping[str, str] = {
    # [VSAC-PREG-TEST], [SYNTHEA-GU-PREG] (shown there as "Choriogonadotropin [Presence] in Urine")
    "2106-3": "Choriogonadotropin (pregnancy test) [Presence] in Urine",
    # [VSAC-PREG-TEST]
    "2112-1": "Choriogonadotropin.beta subunit (pregnancy test) [Presence] in Urine",
    # [VSAC-PREG-TEST]
    "80384-1": "Choriogonadotropin (pregnancy test) [Presence] in Urine by Rapid immunoassay",
    # [VSAC-PREG-TEST]
    "2118-8": "Choriogonadotropin (pregnancy test) [Presence] in Serum or Plasma",
    # [VSAC-PREG-TEST]
    "2110-5": "Choriogonadotropin.beta subunit (pregnancy test) [Presence] in Serum or Plasma",
    # [VSAC-PREG-TEST]
    "80385-8": "Choriogonadotropin (pregnancy test) [Presence] in Serum by Rapid immunoassay",
}

#: Pregnancy status (the value says pregnant, not pregnant or unknown).
PREGNANCY_STATUS_LOINC: Mapping[str, str] = {
    "82810-3": "Pregnancy status",  # [USCORE-PREGSTATUS], [SYNTHEA-PREG]
    "11449-6": "Pregnancy status",  # [AKTIN-11449] (the older code)
}

#: Every Observation code read as a pregnancy test: qualitative tests, pregnancy status and
#: quantitative hCG (the ``Analyte.HCG`` codes).
PREGNANCY_TEST_LOINC_CODES: tuple[str, ...] = (
    *PREGNANCY_TEST_QUALITATIVE_LOINC,
    *PREGNANCY_STATUS_LOINC,
    *(entry.code for entry in LOINC_TABLE if entry.analyte is Analyte.HCG),
)

#: Flat tuple of LOINC codes for the Observation prefetch template: the analytes the
#: assessment reads, and the pregnancy tests.
PREFETCH_LOINC_CODES: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            *(entry.code for entry in LOINC_TABLE if entry.analyte in _PREFETCH_ANALYTES),
            *PREGNANCY_TEST_LOINC_CODES,
        )
    )
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
