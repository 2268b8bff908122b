"""How a code or a text is read for safety; the code sets are in ``codes.pregnancy``,
``codes.kidney_replacement``, ``codes.infection``, ``codes.reproductive`` and
``codes.pregnancy_tests``.

Each table is ``code -> display``; each row names its sources in a comment. Displays are
labels only: codes are matched on (system, code). SNOMED CT and CPT match exactly;
ICD-10-CM by prefix of the dotted code after normalising (``n186`` -> ``N18.6``), within
one group of tables, the longest prefix winning (so ``O10.02`` "complicating childbirth"
beats nothing shorter, and ``T86.13`` is both a transplant and an infection). A code can
name several facts (236436003 "End stage renal failure with renal transplant" is kidney
failure and a transplant). "No fact" tables hold codes that are known and state no safety
fact (latent tuberculosis, Libman-Sacks endocarditis, Z90.712, access care for dialysis):
they are recognised, so the text fallback does not read their displays either.

Which facts the groups give (``SafetyKind``):

* PREGNANCY: an ongoing pregnancy. Possible pregnancy, ectopic and molar pregnancy give
  ``Certainty.POSSIBLE`` (clinician review; a code never clears the patient). Z3A and
  O09-O48 are also coded on the delivery encounter: a PREGNANCY_ENDED code dated on or after
  them closes that pregnancy (the rules compare the dates).
* PREGNANCY_ENDED: delivery, abortive outcome, puerperium, postpartum.
* KIDNEY_FAILURE: end-stage kidney disease, CKD stage 5.
* DIALYSIS: dependence on dialysis, dialysis sessions, ESRD monthly services, and acute or
  intensive-care renal replacement (also outside the refractory algorithm). Not access care
  alone, not a history of dialysis.
* KIDNEY_TRANSPLANT: transplant status, complications, allograft procedures, graft biopsies.
  Not autotransplantation.
* SERIOUS_INFECTION: active serious infection. Not latent tuberculosis, not lupus
  endocarditis, not the broad parents that need a clinician's review.
* NOT_CHILDBEARING: postmenopausal state, uterus removed, both ovaries removed, female
  sterilisation. Not Z90.712 (cervix removed, uterus remaining), not sterilisation failure.

The text fallback (``text_kinds``) is read only when no coding of a resource is known here.
It is negation-aware ("no", "not", "negative for", "history of", "ruled out", "r/o" ...
before the term, "ruled out" or "negative" after it) and reads doubt ("possible",
"suspected", "?") as ``Certainty.POSSIBLE``.

Sources (tags used in the tables; VSAC value sets are U.S. NLM Value Set Authority Center
content, canonical URL ``http://cts.nlm.nih.gov/fhir/ValueSet/<OID>``, read as the FHIR
expansions shipped in the CQF eCQM content repositories ``cqframework/ecqm-content-qicore-2024``,
``-qicore-2025`` and ``-r4-2021``; re-expand from VSAC before release):

* ``[CDC-ICD10CM]`` CDC / NCHS, ICD-10-CM Tabular List, FY2026 (April 1, 2026 update),
  with its instructional notes. https://www.cdc.gov/nchs/icd/icd-10-cm/
* ``[THO-OIDS]`` HL7 Terminology (THO) CodeSystem pages giving each system's OID:
  ICD-10-CM urn:oid:2.16.840.1.113883.6.90, SNOMED CT urn:oid:2.16.840.1.113883.6.96, CPT
  urn:oid:2.16.840.1.113883.6.12. https://terminology.hl7.org/CodeSystem-CPT.html
* ``[VSAC-PREG-SCT]`` VSAC "Pregnancy" (SNOMED CT part), 2.16.840.1.113883.3.526.2.532,
  v20250128.
* ``[VSAC-PREG-ICD]`` VSAC "Pregnancy" (ICD-10-CM part), 2.16.840.1.113883.3.526.2.242,
  v20240202; grouping 2.16.840.1.113883.3.526.3.378, v20210218.
* ``[VSAC-PREGSTATE]`` VSAC "Pregnant State", 2.16.840.1.113883.3.3157.4055, v20190216.
* ``[VSAC-COMPL-PREG]`` VSAC "Complications of Pregnancy, Childbirth and the Puerperium",
  2.16.840.1.113883.3.464.1003.111.12.1012, v20200310.
* ``[VSAC-DELIV-PROC]`` VSAC "Delivery Procedures", 2.16.840.1.113762.1.4.1045.59, v20210611.
* ``[VSAC-DELIV-SINGLETON]`` VSAC "Delivery of Singleton", 2.16.840.1.113762.1.4.1045.99,
  v20210611.
* ``[VSAC-SEXACT-PROC]`` VSAC "Procedures Used to Indicate Sexual Activity",
  2.16.840.1.113883.3.464.1003.111.12.1017, v20210220.
* ``[VSAC-SEXACT-DX]`` VSAC "Diagnoses Used to Indicate Sexual Activity",
  2.16.840.1.113883.3.464.1003.111.12.1018, v20210224.
* ``[VSAC-CKD5]`` VSAC "Chronic Kidney Disease, Stage 5", 2.16.840.1.113883.3.526.3.1002,
  v20200307.
* ``[VSAC-ESRD]`` VSAC "End Stage Renal Disease", 2.16.840.1.113883.3.526.3.353, v20200307.
* ``[VSAC-RENAL-DIS]`` VSAC "Renal Disease", 2.16.840.1.113762.1.4.1029.335, v20220127.
* ``[VSAC-DIAL-SVC]`` VSAC "Dialysis Services", 2.16.840.1.113883.3.464.1003.109.12.1013,
  v20170504.
* ``[VSAC-HOSP-DIAL]`` VSAC "Hospital Based Dialysis Services", 2.16.840.1.113762.1.4.1248.199,
  v20230205.
* ``[VSAC-HD]`` VSAC "Hemodialysis", 2.16.840.1.113883.3.526.3.1083, v20180331.
* ``[VSAC-PD]`` VSAC "Peritoneal Dialysis", 2.16.840.1.113883.3.526.3.1084, v20170504.
* ``[VSAC-ESRD-MONTHLY]`` VSAC "ESRD Monthly Outpatient Services",
  2.16.840.1.113883.3.464.1003.109.12.1014, v20170504.
* ``[VSAC-KTX]`` VSAC "Kidney Transplant", 2.16.840.1.113883.3.464.1003.109.12.1012, v20190315.
* ``[VSAC-KTX-RECIP]`` VSAC "Kidney Transplant Recipient",
  2.16.840.1.113883.3.464.1003.109.12.1029, v20180310 and v20240112.
* ``[VSAC-SEPSIS]`` VSAC "Sepsis", 2.16.840.1.113762.1.4.1029.237, v20240210.
* ``[VSAC-ACTIVE-TB]`` VSAC "Active Tuberculosis for Urology Care",
  2.16.840.1.113762.1.4.1151.56, v20180406.
* ``[VSAC-TB-URO]`` VSAC "Tuberculosis for Urology Care", 2.16.840.1.113762.1.4.1248.350 /
  .351, v20250312.
* ``[VSAC-RESP-COMORB]`` VSAC "Comorbid Conditions for Respiratory Conditions",
  2.16.840.1.113883.3.464.1003.102.12.1025, v20200310.
* ``[VSAC-RESP-COMPETE]`` VSAC "Competing Conditions for Respiratory Conditions",
  2.16.840.1.113883.3.464.1003.102.12.1017, v20210220.
* ``[VSAC-IMMUNOCOMP]`` VSAC "Immunocompromised Conditions", 2.16.840.1.113762.1.4.1248.362 /
  .363, v20250312.
* ``[VSAC-PREM-MENO]`` VSAC "Premature Menopause", 2.16.840.1.113883.3.464.1003.1013, v20240112.
* ``[VSAC-HYST]`` VSAC "Hysterectomy", 2.16.840.1.113762.1.4.1029.358, v20210121.
* ``[VSAC-HYST-NORESID]`` VSAC "Hysterectomy with No Residual Cervix",
  2.16.840.1.113883.3.464.1003.198.12.1014, v20210220.
* ``[VSAC-NO-CERVIX]`` VSAC "Congenital or Acquired Absence of Cervix",
  2.16.840.1.113883.3.464.1003.111.12.1016, v20210224.
* ``[VSAC-BILAT-OOPH]`` VSAC "Bilateral Oophorectomy", 2.16.840.1.113883.3.526.3.471, v20240105.
* ``[VSAC-GYN-SURG]`` VSAC "Gynecological Surgery", 2.16.840.1.113883.3.117.1.7.1.257,
  v20210220.
* ``[VSAC-MAJOR-SURG]`` VSAC "Major Surgical Procedure", 2.16.840.1.113883.3.3157.4056,
  v20190216.
* ``[SYNTHEA-*]`` Synthea (MITRE) patient-generator modules, ``src/main/resources/modules/``:
  ``[SYNTHEA-PREG]`` pregnancy.json, ``[SYNTHEA-GU-PREG]`` uti/gu_pregnancy_check.json,
  ``[SYNTHEA-FSTER]`` contraceptives/female_sterilization.json, ``[SYNTHEA-CKD]``
  chronic_kidney_disease.json, ``[SYNTHEA-DIALYSIS]`` dialysis.json, ``[SYNTHEA-KTX]``
  kidney_transplant.json, ``[SYNTHEA-AVRR]`` heart/avrr/outcomes.json, ``[SYNTHEA-SEPSIS]``
  sepsis.json, ``[SYNTHEA-COVID]`` covid19/*.json, ``[SYNTHEA-CF]`` cystic_fibrosis.json,
  ``[SYNTHEA-CABG]`` heart/cabg/outcomes.json, ``[SYNTHEA-AML]`` acute_myeloid_leukemia.json.
  https://github.com/synthetichealth/synthea
* ``[OHDSI-PL]`` OHDSI Phenotype Library, cohort concept sets (OMOP names, SNOMED names
  without semantic tags). https://github.com/OHDSI/PhenotypeLibrary
* ``[PEDSNET-*]`` PEDSnet Variable Dictionary code sets: ``[PEDSNET-PREG]``
  conditions/dx_2023_10_Pregnancy_V1.csv, ``[PEDSNET-DIAL]`` dx_2021_11_KidneyDialysis_V1.csv,
  ``[PEDSNET-KTX]`` dx_2021_11_KidneyTransplant_V1.csv, ``[PEDSNET-SEPSIS]``
  dx_2023_10_Sepsis_V1.csv, ``[PEDSNET-SHOCK]`` dx_2021_11_Shock_V1.csv, ``[PEDSNET-PNEU]``
  dx_2021_11_Pneumonia_V1.csv, ``[PEDSNET-RESP]`` dx_2023_10_RespiratoryInfections_V1.csv,
  ``[PEDSNET-KBX]`` procedures/px_2023_04_KidneyBiopsy_V1.csv.
  https://github.com/PEDSnet/Variable-Dictionary
* ``[DICOM-CID6096]`` DICOM PS3.16 CID 6096 "Pregnancy Status" (1.2.840.10008.6.1.418).
* ``[IPS-PREG-MAP]`` HL7 International Patient Summary 1.1.0, ConceptMap
  loinc-pregnancy-status-to-snomed-ct-uv-ips.
  http://hl7.org/fhir/uv/ips/STU1.1/ConceptMap-loinc-pregnancy-status-to-snomed-ct-uv-ips.html
* ``[WHO-SMART-IMMZ]`` WHO SMART Guidelines immunization example IG, ValueSet
  pregnancystatus-values. https://github.com/WorldHealthOrganization/smart-example-immz
* ``[USCORE-PREGSTATUS]`` HL7 US Core, Observation Pregnancy Status profile and example.
  https://hl7.org/fhir/us/core/StructureDefinition-us-core-observation-pregnancystatus.html
* ``[ISIK-PREG]`` gematik ISiK ValueSet SchwangerschaftsstatusVS (supplementary).
* ``[IHE-MAPS]`` IHE PCC mAPS (US) example Observation (supplementary).
* ``[HL7-GENOMICS-EX]`` HL7 Genomics Reporting IG, example overall-interp-1a.
  https://github.com/HL7/genomics-reporting
* ``[LOINC-80385-8]`` Regenstrief LOINC term 80385-8 (answer list LL360-9: Positive =
  SNOMED 10828004; kit sensitivity 25 mIU/mL). https://loinc.org/80385-8/
* ``[THO-OBSINTERP]`` HL7 Terminology, CodeSystem v3-ObservationInterpretation (POS
  "Positive", NEG "Negative", DET "Detected", ND "Not detected").
  https://terminology.hl7.org/CodeSystem-v3-ObservationInterpretation.html
* ``[MII-MENOPAUSE-VS]`` Medizininformatik-Initiative, Modul Onkologie, ValueSet
  mii-vs-onko-mamma-menopause-status.
* hCG cut-offs: ``[MAYO-THCG]`` Mayo Clinic Laboratories test THCG, "Negative: <5 IU/L"
  (https://mml.testcatalog.org/show/THCG); ``[MAYO-UHCG]`` Mayo qualitative urine beta-hCG,
  "Specimens containing 25 mIU/mL hCG will test positive"
  (https://mercyonedubuque.testcatalog.org/show/224); ``[UNITYPOINT-HCG]`` UnityPoint Health,
  5-25 mIU/mL "may be indicative of early pregnancy"
  (https://unitypointfinley.testcatalog.org/show/HCGQNT-1); ``[PRMC-HCG]`` Peninsula Regional
  Medical Center, 7-25 mIU/mL borderline, repeat in 48 h
  (https://prmc.testcatalog.org/show/LAB2813-1); ``[FAIRVIEW-HCG]`` M Health Fairview, adult
  0-5 IU/L non-pregnant (https://labguide.fairview.org/showtest.asp?testid=3078&format=long).

SNOMED CT codes of the UK and Canadian extensions are left out on purpose; US-extension
codes are kept. Codes that could not be confirmed are listed in
``docs/clinical-sources.md``, not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from fhir_mappings.codes.conditions import CPT_SYSTEM, ICD10CM_SYSTEM, SNOMED_SYSTEM
from fhir_mappings.codes.infection import (
    SERIOUS_INFECTION_ICD10CM,
    SERIOUS_INFECTION_NO_FACT_ICD10CM,
    SERIOUS_INFECTION_NO_FACT_SNOMED,
    SERIOUS_INFECTION_SNOMED,
)
from fhir_mappings.codes.kidney_replacement import (
    DIALYSIS_ACUTE_SNOMED,
    DIALYSIS_CPT,
    DIALYSIS_DEPENDENCE_SNOMED,
    DIALYSIS_ICD10CM,
    DIALYSIS_NO_FACT_ICD10CM,
    DIALYSIS_NO_FACT_SNOMED,
    DIALYSIS_SESSION_SNOMED,
    ESRD_MONTHLY_SERVICES_CPT,
    KIDNEY_FAILURE_ICD10CM,
    KIDNEY_FAILURE_SNOMED,
    KIDNEY_GRAFT_BIOPSY_SNOMED,
    KIDNEY_TRANSPLANT_CONDITION_SNOMED,
    KIDNEY_TRANSPLANT_CPT,
    KIDNEY_TRANSPLANT_ICD10CM,
    KIDNEY_TRANSPLANT_NO_FACT_CPT,
    KIDNEY_TRANSPLANT_NO_FACT_SNOMED,
    KIDNEY_TRANSPLANT_PROCEDURE_SNOMED,
)
from fhir_mappings.codes.loinc import LOINC_SYSTEM
from fhir_mappings.codes.pregnancy import (
    PREGNANCY_ENDED_ICD10CM,
    PREGNANCY_ENDED_MIXED_ICD10CM,
    PREGNANCY_ENDED_SNOMED,
    PREGNANCY_ICD10CM,
    PREGNANCY_MIXED_ICD10CM,
    PREGNANCY_NO_FACT_SNOMED,
    PREGNANCY_NOT_VIABLE_ICD10CM,
    PREGNANCY_NOT_VIABLE_SNOMED,
    PREGNANCY_PERSON_SNOMED,
    PREGNANCY_POSSIBLE_SNOMED,
    PREGNANCY_SNOMED,
)
from fhir_mappings.codes.pregnancy_tests import (
    INTERPRETATION_READINGS,
    PREGNANCY_ANSWERS,
    V3_INTERPRETATION_SYSTEM,
    Reading,
)
from fhir_mappings.codes.reproductive import (
    BILATERAL_OOPHORECTOMY_ICD10CM,
    BILATERAL_OOPHORECTOMY_SNOMED,
    CHILDBEARING_NO_FACT_ICD10CM,
    CHILDBEARING_NO_FACT_SNOMED,
    NO_UTERUS_ICD10CM,
    NO_UTERUS_SNOMED,
    POSTMENOPAUSAL_ICD10CM,
    POSTMENOPAUSAL_SNOMED,
    TUBAL_STERILISATION_CPT,
    TUBAL_STERILISATION_ICD10CM,
    TUBAL_STERILISATION_SNOMED,
)
from fhir_mappings.facts.safety import Certainty, SafetyKind

#: The same systems named by OID (``urn:oid:``), as some EHR feeds send them [THO-OIDS].
SYSTEM_ALIASES: Mapping[str, str] = {
    "urn:oid:2.16.840.1.113883.6.90": ICD10CM_SYSTEM,
    "urn:oid:2.16.840.1.113883.6.96": SNOMED_SYSTEM,
    "urn:oid:2.16.840.1.113883.6.12": CPT_SYSTEM,
}
# --- Classification ------------------------------------------------------------------------------

Fact = tuple[SafetyKind, Certainty | None]
_K = SafetyKind
_PREGNANCY: tuple[Fact, ...] = ((_K.PREGNANCY, None),)
_PREGNANCY_POSSIBLE: tuple[Fact, ...] = ((_K.PREGNANCY, Certainty.POSSIBLE),)
_ENDED: tuple[Fact, ...] = ((_K.PREGNANCY_ENDED, None),)
_KIDNEY_FAILURE: tuple[Fact, ...] = ((_K.KIDNEY_FAILURE, None),)
_DIALYSIS: tuple[Fact, ...] = ((_K.DIALYSIS, None),)
_TRANSPLANT: tuple[Fact, ...] = ((_K.KIDNEY_TRANSPLANT, None),)
_INFECTION: tuple[Fact, ...] = ((_K.SERIOUS_INFECTION, None),)
_NOT_CHILDBEARING: tuple[Fact, ...] = ((_K.NOT_CHILDBEARING, None),)
_NO_FACT: tuple[Fact, ...] = ()


@dataclass(frozen=True, slots=True)
class CodeMeaning:
    """What a known code says for safety: its facts (none for a "no fact" code), its display."""

    facts: tuple[Fact, ...]
    display: str


_TableGroup = tuple[tuple[Mapping[str, str], tuple[Fact, ...]], ...]

#: SNOMED CT tables, read in Conditions and Procedures alike.
_SNOMED_TABLES: _TableGroup = (
    (PREGNANCY_SNOMED, _PREGNANCY),
    (PREGNANCY_POSSIBLE_SNOMED, _PREGNANCY_POSSIBLE),
    (PREGNANCY_NOT_VIABLE_SNOMED, _PREGNANCY_POSSIBLE),
    (PREGNANCY_ENDED_SNOMED, _ENDED),
    (PREGNANCY_NO_FACT_SNOMED, _NO_FACT),
    (KIDNEY_FAILURE_SNOMED, _KIDNEY_FAILURE),
    (DIALYSIS_DEPENDENCE_SNOMED, _DIALYSIS),
    (DIALYSIS_SESSION_SNOMED, _DIALYSIS),
    (DIALYSIS_ACUTE_SNOMED, _DIALYSIS),
    (DIALYSIS_NO_FACT_SNOMED, _NO_FACT),
    (KIDNEY_TRANSPLANT_CONDITION_SNOMED, _TRANSPLANT),
    (KIDNEY_TRANSPLANT_PROCEDURE_SNOMED, _TRANSPLANT),
    (KIDNEY_GRAFT_BIOPSY_SNOMED, _TRANSPLANT),
    (KIDNEY_TRANSPLANT_NO_FACT_SNOMED, _NO_FACT),
    (SERIOUS_INFECTION_SNOMED, _INFECTION),
    (SERIOUS_INFECTION_NO_FACT_SNOMED, _NO_FACT),
    (POSTMENOPAUSAL_SNOMED, _NOT_CHILDBEARING),
    (NO_UTERUS_SNOMED, _NOT_CHILDBEARING),
    (BILATERAL_OOPHORECTOMY_SNOMED, _NOT_CHILDBEARING),
    (TUBAL_STERILISATION_SNOMED, _NOT_CHILDBEARING),
    (CHILDBEARING_NO_FACT_SNOMED, _NO_FACT),
)
#: SNOMED CT tables read in Conditions only (a person concept is no procedure).
_SNOMED_CONDITION_ONLY: _TableGroup = ((PREGNANCY_PERSON_SNOMED, _PREGNANCY),)
_CPT_TABLES: _TableGroup = (
    (DIALYSIS_CPT, _DIALYSIS),
    (ESRD_MONTHLY_SERVICES_CPT, _DIALYSIS),
    (KIDNEY_TRANSPLANT_CPT, _TRANSPLANT),
    (KIDNEY_TRANSPLANT_NO_FACT_CPT, _NO_FACT),
    (TUBAL_STERILISATION_CPT, _NOT_CHILDBEARING),
)
#: ICD-10-CM prefix tables in groups; within a group the longest matching prefix decides.
_ICD10CM_GROUPS: tuple[_TableGroup, ...] = (
    (
        (PREGNANCY_ICD10CM, _PREGNANCY),
        (PREGNANCY_MIXED_ICD10CM, _PREGNANCY),
        (PREGNANCY_NOT_VIABLE_ICD10CM, _PREGNANCY_POSSIBLE),
        (PREGNANCY_ENDED_MIXED_ICD10CM, _ENDED),
        (PREGNANCY_ENDED_ICD10CM, _ENDED),
    ),
    ((KIDNEY_FAILURE_ICD10CM, _KIDNEY_FAILURE),),
    ((DIALYSIS_ICD10CM, _DIALYSIS), (DIALYSIS_NO_FACT_ICD10CM, _NO_FACT)),
    ((KIDNEY_TRANSPLANT_ICD10CM, _TRANSPLANT),),
    ((SERIOUS_INFECTION_ICD10CM, _INFECTION), (SERIOUS_INFECTION_NO_FACT_ICD10CM, _NO_FACT)),
    (
        (POSTMENOPAUSAL_ICD10CM, _NOT_CHILDBEARING),
        (NO_UTERUS_ICD10CM, _NOT_CHILDBEARING),
        (BILATERAL_OOPHORECTOMY_ICD10CM, _NOT_CHILDBEARING),
        (TUBAL_STERILISATION_ICD10CM, _NOT_CHILDBEARING),
        (CHILDBEARING_NO_FACT_ICD10CM, _NO_FACT),
    ),
)


def _merge(groups: Iterable[_TableGroup]) -> dict[str, CodeMeaning]:
    """code -> meaning, the facts of every table holding the code (first display kept)."""
    out: dict[str, CodeMeaning] = {}
    for group in groups:
        for table, facts in group:
            for code, display in table.items():
                known = out.get(code)
                if known is None:
                    out[code] = CodeMeaning(facts, display)
                else:
                    merged = (*known.facts, *(f for f in facts if f not in known.facts))
                    out[code] = CodeMeaning(merged, known.display)
    return out


_SNOMED_PROCEDURE: Mapping[str, CodeMeaning] = _merge((_SNOMED_TABLES,))
_SNOMED_CONDITION: Mapping[str, CodeMeaning] = _merge((_SNOMED_TABLES, _SNOMED_CONDITION_ONLY))
_CPT: Mapping[str, CodeMeaning] = _merge((_CPT_TABLES,))
_ICD10CM: tuple[Mapping[str, CodeMeaning], ...] = tuple(_merge((g,)) for g in _ICD10CM_GROUPS)

_ICD10CM_RE = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?")
_CANONICAL_BY_LOWER: Mapping[str, str] = {
    **{s.lower(): s for s in (ICD10CM_SYSTEM, SNOMED_SYSTEM, CPT_SYSTEM, LOINC_SYSTEM)},
    **{alias.lower(): s for alias, s in SYSTEM_ALIASES.items()},
}


def _clean(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def canonical_system(system: object) -> str | None:
    """The canonical URI of a code system this module knows (case, a trailing "/" and the
    OID forms forgiven), else the system as given (stripped), else ``None``."""
    clean = _clean(system)
    if clean is None:
        return None
    return _CANONICAL_BY_LOWER.get(clean.rstrip("/").lower(), clean)


def normalise_icd10cm(code: object) -> str | None:
    """An ICD-10-CM code in dotted upper case (``n186`` -> ``N18.6``), or ``None`` if it is
    not shaped like one. A leading digit (``009.90`` for ``O09.90``) is refused, not guessed."""
    clean = _clean(code)
    if clean is None:
        return None
    text = "".join(clean.split()).upper().rstrip(".")
    if "." not in text and len(text) > 3:
        text = f"{text[:3]}.{text[3:]}"
    return text if _ICD10CM_RE.fullmatch(text) else None


def _is_sequela(code: str) -> bool:
    """ICD-10-CM 7th character S (sequela) on an injury/external-cause code: not current."""
    return code[0] in "ST" and len(code) == 8 and code[7] == "S"


def _icd10cm_meaning(code: object) -> CodeMeaning | None:
    dotted = normalise_icd10cm(code)
    if dotted is None:
        return None
    found: list[CodeMeaning] = []
    for table in _ICD10CM:
        for end in range(len(dotted), 2, -1):
            meaning = table.get(dotted[:end])
            if meaning is not None:
                found.append(meaning)
                break
    if not found:
        return None
    if _is_sequela(dotted):
        return CodeMeaning(_NO_FACT, found[0].display)
    facts: list[Fact] = []
    for meaning in found:
        facts.extend(f for f in meaning.facts if f not in facts)
    return CodeMeaning(tuple(facts), found[0].display)


def condition_meaning(system: object, code: object) -> CodeMeaning | None:
    """What a Condition coding says for safety; ``None`` when the code is in no table."""
    system_s, code_s = canonical_system(system), _clean(code)
    if system_s is None or code_s is None:
        return None
    if system_s == SNOMED_SYSTEM:
        return _SNOMED_CONDITION.get(code_s)
    if system_s == ICD10CM_SYSTEM:
        return _icd10cm_meaning(code_s)
    return None


def procedure_meaning(system: object, code: object) -> CodeMeaning | None:
    """What a Procedure coding says for safety; ``None`` when the code is in no table."""
    system_s, code_s = canonical_system(system), _clean(code)
    if system_s is None or code_s is None:
        return None
    if system_s == SNOMED_SYSTEM:
        return _SNOMED_PROCEDURE.get(code_s)
    if system_s == CPT_SYSTEM:
        return _CPT.get(code_s)
    return None


def condition_kind(system: object, code: object) -> Fact | None:
    """The (first) safety fact a Condition coding states: its kind, and ``Certainty.POSSIBLE``
    when the code itself is doubtful (possible or ectopic pregnancy), else ``None`` as the
    certainty. ``None`` for a code that states no safety fact. ``condition_meaning`` gives
    every fact of a code that states two (T86.13, 236436003)."""
    meaning = condition_meaning(system, code)
    return meaning.facts[0] if meaning is not None and meaning.facts else None


def procedure_kind(system: object, code: object) -> SafetyKind | None:
    """The (first) safety fact kind a Procedure coding states, or ``None``."""
    meaning = procedure_meaning(system, code)
    return meaning.facts[0][0] if meaning is not None and meaning.facts else None


# --- Text fallback -------------------------------------------------------------------------------

_FLAGS = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class _TextRule:
    """A kind named in free text. ``exclude`` in the same clause means the text is about
    something else (latent tuberculosis, access for dialysis, a kidney donor)."""

    kind: SafetyKind
    pattern: re.Pattern[str]
    certainty: Certainty | None = None
    exclude: re.Pattern[str] | None = None
    history_negates: bool = True  # "history of" means over (infection) or still true (transplant)
    future_negates: bool = False  # "planned" means not yet (hysterectomy), or nothing (pregnancy)


_TEXT_RULES: tuple[_TextRule, ...] = (
    _TextRule(
        _K.PREGNANCY,
        re.compile(
            r"\b(?:ectopic|tubal|molar|cornual)\s+pregnan\w*|\bhydatidiform\s+mole\b", _FLAGS
        ),
        Certainty.POSSIBLE,
    ),
    _TextRule(
        _K.PREGNANCY_ENDED,
        re.compile(
            r"\b(?:post[- ]?partum|puerper\w*|miscarriage|still[- ]?birth|live\s+birth|"
            r"(?:spontaneous|missed|induced|complete|incomplete|elective|therapeutic)\s+abortion|"
            r"termination\s+of\s+(?:the\s+)?pregnancy|pregnancy\s+terminat\w*|"
            r"c(?:a)?esarean\s+(?:section|delivery)|c[- ]section|delivered|"
            r"(?:normal|vaginal|spontaneous|term|preterm|forceps|vacuum|breech|instrumental|"
            r"assisted)\s+(?:vaginal\s+)?delivery)\b",
            _FLAGS,
        ),
        exclude=re.compile(r"\b(?:threatened|recurrent|habitual)\b", _FLAGS),
    ),
    _TextRule(
        _K.PREGNANCY,
        re.compile(
            r"\bpregnan(?:t|cy)\b|\bgravid\b|\bweeks?\s+(?:of\s+)?gestation\b",
            _FLAGS,
        ),
        exclude=re.compile(
            r"\b(?:ectopic|tubal|molar|cornual|termination|terminated|post[- ]?partum|puerper\w*|"
            r"delivered|miscarriage|loss|test|planning|trying|desires?|wants?)\b",
            _FLAGS,
        ),
    ),
    _TextRule(_K.PREGNANCY, re.compile(r"\bthreatened\s+(?:miscarriage|abortion)\b", _FLAGS)),
    _TextRule(
        _K.PREGNANCY,
        re.compile(
            r"\bpositive\s+(?:urine\s+|serum\s+)?pregnancy\s+test\b|"
            r"\bpregnancy\s+test\b[^.;]*\bpositive\b",
            _FLAGS,
        ),
    ),
    _TextRule(
        _K.KIDNEY_FAILURE,
        re.compile(
            r"\bend[- ]stage\s+(?:renal|kidney)\s+(?:disease|failure)\b|\bES(?:RD|KD|RF)\b|"
            r"\bCKD\s*(?:stage\s*)?(?:5|V|G5)(?![0-9])|"
            r"\bchronic\s+kidney\s+disease,?\s+stage\s*(?:5|V)\b|"
            r"\bstage\s*(?:5|V)\s+(?:CKD|chronic\s+kidney\s+disease)\b",
            _FLAGS,
        ),
    ),
    _TextRule(
        _K.DIALYSIS,
        re.compile(
            r"\b(?:h(?:a)?emo)?dialysis\b|\bperitoneal\s+dialysis\b|"
            r"\bh(?:a)?emo(?:dia)?filtration\b|\b(?:CAPD|CCPD|CRRT|CVVH(?:D|DF)?)\b|"
            r"\b(?:renal|kidney)\s+replacement\s+therapy\b",
            _FLAGS,
        ),
        exclude=re.compile(
            r"\b(?:catheter|access|fistula|shunt|graft|line|port|education|evaluation|"
            r"pre-?dialysis|pre-?emptive)\b|\bnot\s+(?:yet\s+)?(?:on|requiring|required)\b",
            _FLAGS,
        ),
        future_negates=True,
    ),
    _TextRule(
        _K.KIDNEY_TRANSPLANT,
        re.compile(
            r"\b(?:kidney|renal)(?:[- ]pancreas)?\s+(?:allo)?(?:transplant\w*|graft|allograft)\b|"
            r"\btransplant(?:ed)?\s+kidney\b|\bKTx\b|\b(?:kidney|renal)\s+tx\b",
            _FLAGS,
        ),
        exclude=re.compile(
            r"\bauto-?transplant\w*|\b(?:donor|donation|evaluation|candidate|work-?up|"
            r"wait(?:ing)?[- ]?list\w*|listed|referr\w*)\b",
            _FLAGS,
        ),
        history_negates=False,
        future_negates=True,
    ),
    _TextRule(
        _K.SERIOUS_INFECTION,
        re.compile(
            r"\b(?:sepsis|septic(?:a?emia)?|septic\s+shock|urosepsis|bacter(?:a)?emia|"
            r"(?:broncho)?pneumonia|empyema|lung\s+abscess|brain\s+abscess|tuberculosis|"
            r"(?:active|pulmonary|miliary|disseminated)\s+TB|"
            r"(?:infective|bacterial)\s+endocarditis|"
            r"(?:bacterial|cryptococcal|meningococcal|pneumococcal|tuberculous|fungal)\s+"
            r"meningitis|osteomyelitis|(?:septic|pyogenic)\s+arthritis|pneumocystis|"
            r"aspergillosis|mucormycosis|cryptococcosis|histoplasmosis|"
            r"(?:invasive|disseminated)\s+candidiasis|candid(?:a)?emia|"
            r"(?:CMV|cytomegalovirus)\s+(?:disease|pneumonia|pneumonitis|colitis|hepatitis)|"
            r"necroti[sz]ing\s+fasciitis)\b",
            _FLAGS,
        ),
        exclude=re.compile(
            r"\b(?:latent|LTBI|inactive|libman\w*|lupus\s+endocarditis|non-?infective|marantic|"
            r"aseptic|screen\w*|vaccin\w*|immuni[sz]\w*|exposure|exposed|contact|prophyla\w*|"
            r"tuberculin|quantiferon|IGRA|PPD|skin\s+test)\b",
            _FLAGS,
        ),
    ),
    _TextRule(
        _K.NOT_CHILDBEARING,
        re.compile(
            r"\bpost[- ]?menopaus\w*|\bmenopause\b|\bmenopausal\s+(?:state|status)\b|"
            r"\bhysterectomy\b|\bbilateral\s+(?:salpingo-?)?oophorectomy\b|\bBSO\b|"
            r"\bTAH\b|\btubal\s+(?:ligation|sterili[sz]ation)\b|\bBTL\b|"
            r"\bfemale\s+sterili[sz]ation\b|\bsterili[sz]ation\b",
            _FLAGS,
        ),
        exclude=re.compile(
            r"\b(?:peri-?menopaus\w*|pre-?menopaus\w*|failure|failed|reversal|reversed|"
            r"unilateral|male|vasectomy|encounter|counsel\w*|request\w*|desires?|consult\w*)\b",
            _FLAGS,
        ),
        history_negates=False,
        future_negates=True,
    ),
)

#: A clause ends at a full stop, semicolon, line break, "but" or "however".
_CLAUSE_END = re.compile(r"[.;\n]|\bbut\b|\bhowever\b", _FLAGS)
#: The words before a term belong to it back to the previous comma or clause end.
_CLAUSE_START = re.compile(r"[.;,\n]|\bbut\b|\bhowever\b", _FLAGS)
#: Doubt phrases that contain a negation word: read as doubt, then removed.
_DOUBT_NEGATED = re.compile(
    r"\b(?:not\s+(?:excluded|ruled\s+out)|cannot\s+(?:be\s+)?(?:excluded?|ruled?\s+out)|"
    r"can't\s+(?:be\s+)?(?:excluded?|ruled?\s+out)|to\s+be\s+ruled\s+out)\b",
    _FLAGS,
)
_DOUBT = re.compile(
    r"\?|\b(?:possible|possibly|suspected|suspect|suspicion\s+of|probable|probably|presumed|"
    r"presumptive|likely|query|questionable|concern\s+for|worrisome\s+for|differential|"
    r"versus|vs)\b",
    _FLAGS,
)
_NEGATION = re.compile(
    r"\b(?:no|not|without|denies|denied|negative\s+for|neg\s+for|free\s+of|absence\s+of|"
    r"ruled\s+out|rule\s+out|r/o|never|resolved|unlikely|risk\s+of|at\s+risk\s+for|"
    r"screening\s+for|prevention\s+of|exposure\s+to|family\s+history\s+of|"
    r"fh(?:x)?\s+of|planning|scheduled|pending|awaiting|candidate\s+for|evaluation\s+for|"
    r"referral\s+for|referred\s+for|consider|considering)(?![\w/])|\bnon-?$",
    _FLAGS,
)
_HISTORY = re.compile(
    r"\b(?:history\s+of|hx\s+of|h/o|s/p|status\s+post|previous|prior|past)(?![\w/])", _FLAGS
)
_FUTURE = re.compile(r"\b(?:planned|future|upcoming|elective\s+future)\b", _FLAGS)
_AFTER_NEGATION = re.compile(
    r"^[\s:,\-]*(?:\w+\s+){0,3}?(?:ruled\s+out|excluded|negative|absent|resolved|unlikely|"
    r"not\s+(?:present|found|seen|detected|confirmed))\b",
    _FLAGS,
)
_AFTER_DOUBT = re.compile(
    r"^\s*\?|^[\s:,\-]*(?:\w+\s+){0,3}?(?:suspected|possible|probable|query|likely|versus|vs|"
    r"not\s+excluded|cannot\s+be\s+(?:excluded|ruled\s+out)|to\s+be\s+ruled\s+out)\b",
    _FLAGS,
)


def _mention(rule: _TextRule, text: str, start: int, end: int) -> Certainty | Literal[False] | None:
    """How one mention reads: ``False`` if negated or about something else, else the
    certainty (``None`` for plain, ``Certainty.POSSIBLE`` for doubted)."""
    starts = [m.end() for m in _CLAUSE_START.finditer(text, 0, start)]
    before = text[starts[-1] if starts else 0 : start]
    after_end = _CLAUSE_END.search(text, end)
    after = text[end : after_end.start() if after_end else len(text)]
    clause = f"{before}{text[start:end]}{after}"
    if rule.exclude is not None and rule.exclude.search(clause):
        return False
    doubt = bool(_DOUBT_NEGATED.search(before) or _DOUBT.search(before))
    doubt = doubt or bool(_AFTER_DOUBT.search(after))
    before_plain = _DOUBT_NEGATED.sub(" ", before)
    if _NEGATION.search(before_plain):
        return False
    if rule.history_negates and _HISTORY.search(before_plain):
        return False
    if rule.future_negates and _FUTURE.search(before_plain):
        return False
    if not _AFTER_DOUBT.search(after) and _AFTER_NEGATION.search(after):
        return False
    if doubt:
        return Certainty.POSSIBLE
    return rule.certainty


def text_kinds(text: object) -> tuple[Fact, ...]:
    """The safety facts a free text names (concept text, a display), negation-aware.

    A mention after "no", "not", "negative for", "ruled out", "r/o", "family history of",
    "screening for" ... in its clause is not read, nor one followed by "ruled out" or
    "negative". "History of" (and "s/p", "prior") ends a pregnancy, an infection, dialysis
    or kidney failure, but not a transplant or a hysterectomy, which last. Doubt ("possible",
    "suspected", "?", "not excluded") gives ``Certainty.POSSIBLE``. Each kind once; a plain
    mention wins over a doubted one.
    """
    clean = _clean(text)
    if clean is None:
        return ()
    found: dict[SafetyKind, Certainty | None] = {}
    for rule in _TEXT_RULES:
        for match in rule.pattern.finditer(clean):
            reading = _mention(rule, clean, match.start(), match.end())
            if reading is False:
                continue
            certainty = reading if isinstance(reading, Certainty) else None
            if rule.kind not in found or certainty is None:
                found[rule.kind] = certainty
    return tuple(found.items())


# --- Pregnancy test results ---------------------------------------------------------------


def answer_reading(system: object, code: object) -> tuple[Reading, str] | None:
    """(reading, display) of a coded answer, or ``None`` if it is not a known answer."""
    system_s, code_s = canonical_system(system), _clean(code)
    if system_s is None or code_s is None:
        return None
    return PREGNANCY_ANSWERS.get((system_s, code_s))


def interpretation_reading(system: object, code: object) -> Reading | None:
    """Reading of an ``Observation.interpretation`` coding (POS, NEG, DET, ND)."""
    if _clean(system) != V3_INTERPRETATION_SYSTEM:
        return None
    code_s = _clean(code)
    return INTERPRETATION_READINGS.get(code_s.upper()) if code_s is not None else None


_RESULT_UNSURE = re.compile(
    r"\b(?:indeterminate|equivocal|borderline|inconclusive|invalid|unknown|pending|"
    r"possible|possibly|probable|suspected|unclear|see\s+(?:note|comment))\b|\?",
    re.IGNORECASE,
)
_RESULT_NEGATIVE = re.compile(
    r"\b(?:not|no)\s+(?:detected|pregnant|pregnancy|reactive|positive)\b|"
    r"\bnon[- ]?(?:pregnant|reactive)\b|\bneg(?:ative)?\b|\bnone\s+detected\b|"
    r"\bundetectable\b",
    re.IGNORECASE,
)
_RESULT_POSITIVE = re.compile(
    r"\bpos(?:itive)?\b|\bdetected\b|\bpregnant\b|\breactive\b", re.IGNORECASE
)


def result_words(text: object) -> Reading | None:
    """Reading of a result written in words: "Positive", "NEG", "not detected", "Pregnant".

    Negations are read first ("not pregnant" is negative, never positive); doubt words and
    both answers at once are indeterminate; no answer word gives ``None``.
    """
    clean = _clean(text)
    if clean is None:
        return None
    if _RESULT_UNSURE.search(clean):
        return Reading.INDETERMINATE
    negative = _RESULT_NEGATIVE.search(clean) is not None
    positive = _RESULT_POSITIVE.search(_RESULT_NEGATIVE.sub(" ", clean)) is not None
    if negative and positive:
        return Reading.INDETERMINATE
    if negative:
        return Reading.NEGATIVE
    if positive:
        return Reading.POSITIVE
    return None
