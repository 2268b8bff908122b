"""Safety code sets (SNOMED CT, ICD-10-CM, CPT) and how a code or a text is read for safety.

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
from enum import StrEnum
from typing import Literal

from fhir_mappings.codes.conditions import CPT_SYSTEM, ICD10CM_SYSTEM, SNOMED_SYSTEM
from fhir_mappings.codes.loinc import LOINC_SYSTEM
from fhir_mappings.facts.safety import Certainty, SafetyKind

#: The same systems named by OID (``urn:oid:``), as some EHR feeds send them [THO-OIDS].
SYSTEM_ALIASES: Mapping[str, str] = {
    "urn:oid:2.16.840.1.113883.6.90": ICD10CM_SYSTEM,
    "urn:oid:2.16.840.1.113883.6.96": SNOMED_SYSTEM,
    "urn:oid:2.16.840.1.113883.6.12": CPT_SYSTEM,
}

# --- Pregnancy ------------------------------------------------------------------------------

#: Pregnancy, ongoing (SNOMED CT): the whole SNOMED part of VSAC "Pregnancy" (64 codes).
PREGNANCY_SNOMED: Mapping[str, str] = {
    "11082009": "Abnormal pregnancy (finding)",  # [VSAC-PREG-SCT]
    "41991004": "Angiectasis pregnancy (disorder)",  # [VSAC-PREG-SCT]
    "237233002": "Concealed pregnancy (finding)",  # [VSAC-PREG-SCT]
    # [VSAC-PREG-SCT]
    "199306007": "Continuing pregnancy after abortion of one fetus or more (disorder)",
    # [VSAC-PREG-SCT]
    "472321009": (
        "Continuing pregnancy after intrauterine death of one twin with intrauterine retention of"
        " dead twin (disorder)"
    ),
    # [VSAC-PREG-SCT]
    "429187001": "Continuing pregnancy after intrauterine death of twin fetus (disorder)",
    # [VSAC-PREG-SCT]
    "36801000119105": (
        "Continuing triplet pregnancy after spontaneous abortion of one or more fetuses (disorder)"
    ),
    "713575004": "Dizygotic twin pregnancy (finding)",  # [VSAC-PREG-SCT]
    "314204000": "Early stage of pregnancy (finding)",  # [VSAC-PREG-SCT]
    "9279009": "Extra-amniotic pregnancy (finding)",  # [VSAC-PREG-SCT]
    "45307008": "Extrachorial pregnancy (finding)",  # [VSAC-PREG-SCT]
    "57630001": "First trimester pregnancy (finding)",  # [VSAC-PREG-SCT]
    "47200007": "High risk pregnancy (finding)",  # [VSAC-PREG-SCT]
    "444661007": "High risk pregnancy due to history of preterm labor (finding)",  # [VSAC-PREG-SCT]
    # [VSAC-PREG-SCT]
    "134781000119106": "High risk pregnancy due to recurrent miscarriage (finding)",
    "14080002": "Illegitimate pregnancy, life event (finding)",  # [VSAC-PREG-SCT]
    "10231000132102": "In-vitro fertilization pregnancy (finding)",  # [VSAC-PREG-SCT]
    "65727000": "Intrauterine pregnancy (finding)",  # [VSAC-PREG-SCT]
    "237239003": "Low risk pregnancy (finding)",  # [VSAC-PREG-SCT]
    # [VSAC-PREG-SCT]
    "459170001": (
        "Monochorionic diamniotic twin pregnancy with dissimilar amniotic fluid volumes (disorder)"
    ),
    # [VSAC-PREG-SCT]
    "459169002": (
        "Monochorionic diamniotic twin pregnancy with similar amniotic fluid volumes (finding)"
    ),
    "459167000": "Monochorionic twin pregnancy (finding)",  # [VSAC-PREG-SCT]
    "713576003": "Monozygotic twin pregnancy (finding)",  # [VSAC-PREG-SCT]
    "16356006": "Multiple pregnancy (finding)",  # [VSAC-PREG-SCT]
    # [VSAC-PREG-SCT]
    "442478007": (
        "Multiple pregnancy involving intrauterine pregnancy and tubal pregnancy (disorder)"
    ),
    # [VSAC-PREG-SCT], [SYNTHEA-PREG], [OHDSI-PL], [PEDSNET-PREG]
    "72892002": "Normal pregnancy (finding)",
    "457821000124106": "Normal pregnancy in multigravida (finding)",  # [VSAC-PREG-SCT]
    "457811000124103": "Normal pregnancy in primigravida (finding)",  # [VSAC-PREG-SCT]
    "22281000119101": "Post-term pregnancy of 40 to 42 weeks (finding)",  # [VSAC-PREG-SCT]
    "14418008": "Precocious pregnancy (finding)",  # [VSAC-PREG-SCT]
    # [VSAC-PREG-SCT], [SYNTHEA-PREG], [OHDSI-PL]; also shown as "Pregnant (finding)"
    "77386006": "Pregnancy (finding)",
    "102872000": "Pregnancy on oral contraceptive (finding)",  # [VSAC-PREG-SCT]
    "169567006": "Pregnancy unplanned and unwanted (finding)",  # [VSAC-PREG-SCT]
    "169566002": "Pregnancy unplanned but wanted (finding)",  # [VSAC-PREG-SCT]
    "567941000005109": "Pregnancy with certain dates (finding)",  # [VSAC-PREG-SCT]
    "237238006": "Pregnancy with uncertain dates (finding)",  # [VSAC-PREG-SCT]
    "169561007": "Pregnant - blood test confirms (finding)",  # [VSAC-PREG-SCT]
    "169564004": "Pregnant - on abdominal palpation (finding)",  # [VSAC-PREG-SCT]
    "169563005": "Pregnant - on history (finding)",  # [VSAC-PREG-SCT]
    "169565003": "Pregnant - planned (finding)",  # [VSAC-PREG-SCT]
    "169560008": "Pregnant - urine test confirms (finding)",  # [VSAC-PREG-SCT]
    "169562000": "Pregnant - vaginal examination confirms (finding)",  # [VSAC-PREG-SCT]
    "248985009": "Presentation of pregnancy (finding)",  # [VSAC-PREG-SCT]
    "127364007": "Primigravida (finding)",  # [VSAC-PREG-SCT]
    "90968009": "Prolonged pregnancy (disorder)",  # [VSAC-PREG-SCT]
    "60810003": "Quadruplet pregnancy (finding)",  # [VSAC-PREG-SCT]
    # [VSAC-PREG-SCT]
    "35381000119101": "Quadruplet pregnancy with loss of one or more fetuses (disorder)",
    "80997009": "Quintuplet pregnancy (finding)",  # [VSAC-PREG-SCT]
    "59466002": "Second trimester pregnancy (finding)",  # [VSAC-PREG-SCT]
    "38720006": "Septuplet pregnancy (finding)",  # [VSAC-PREG-SCT]
    "43990006": "Sextuplet pregnancy (finding)",  # [VSAC-PREG-SCT]
    "1290152008": "Singleton pregnancy (finding)",  # [VSAC-PREG-SCT]
    "102875003": "Surrogate pregnancy (finding)",  # [VSAC-PREG-SCT]
    "237240001": "Teenage pregnancy (finding)",  # [VSAC-PREG-SCT]
    "87527008": "Term pregnancy (finding)",  # [VSAC-PREG-SCT]
    "41587001": "Third trimester pregnancy (finding)",  # [VSAC-PREG-SCT]
    "64254006": "Triplet pregnancy (finding)",  # [VSAC-PREG-SCT]
    "65147003": "Twin pregnancy (finding)",  # [VSAC-PREG-SCT]
    "281307002": "Uncertain viability of pregnancy (finding)",  # [VSAC-PREG-SCT]
    "83074005": "Unplanned pregnancy (finding)",  # [VSAC-PREG-SCT]
    "169568001": "Unplanned pregnancy unknown if child is wanted (finding)",  # [VSAC-PREG-SCT]
    "58532003": "Unwanted pregnancy (finding)",  # [VSAC-PREG-SCT]
    "237241002": "Viable pregnancy (finding)",  # [VSAC-PREG-SCT]
    "276367008": "Wanted pregnancy (finding)",  # [VSAC-PREG-SCT]
}

#: A person concept: a pregnancy when it is a Condition (a problem-list entry), nothing else.
PREGNANCY_PERSON_SNOMED: Mapping[str, str] = {
    "255409004": "Pregnant woman (person)",  # [VSAC-PREGSTATE]
}

#: Possible pregnancy: ``Certainty.POSSIBLE``. Never clears a patient; a test decides.
PREGNANCY_POSSIBLE_SNOMED: Mapping[str, str] = {
    "102874004": "Possible pregnancy (finding)",  # [VSAC-COMPL-PREG]
    # [DICOM-CID6096] (disagrees with VSAC; likely an older duplicate concept)
    "146799005": "possible pregnancy",
}

#: Ectopic pregnancy: pregnancy tissue present, not a viable pregnancy. A pregnancy with
#: ``Certainty.POSSIBLE``: clinician review, never cleared by the code alone.
PREGNANCY_NOT_VIABLE_SNOMED: Mapping[str, str] = {
    "79586000": "Tubal pregnancy (disorder)",  # [SYNTHEA-PREG]
}

#: Pregnancy, ongoing (ICD-10-CM prefixes): whole categories that always mean a pregnancy.
#: Z3A (weeks of gestation) and O09-O48 are also coded on the delivery encounter (CDC note
#: under Z3A: "Code first ... encounter for delivery"): a PREGNANCY_ENDED code dated on or
#: after them closes the pregnancy, which the rules check by date.
PREGNANCY_ICD10CM: Mapping[str, str] = {
    "Z33.1": "Pregnant state, incidental",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "Z33.3": "Pregnant state, gestational carrier",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "Z34": "Encounter for supervision of normal pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]; also coded at delivery (see above)
    "Z3A": "Weeks of gestation",
    "Z32.01": "Encounter for pregnancy test, result positive",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O09": "Supervision of high risk pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O20": "Hemorrhage in early pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O21": "Excessive vomiting in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O22": "Venous complications and hemorrhoids in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O23": "Infections of genitourinary tract in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O28": "Abnormal findings on antenatal screening of mother",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O29": "Complications of anesthesia during pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O30": "Multiple gestation",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O31": "Complications specific to multiple gestation",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O32": "Maternal care for malpresentation of fetus",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O33": "Maternal care for disproportion",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O34": "Maternal care for abnormality of pelvic organs",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O35": "Maternal care for known or suspected fetal abnormality and damage",
    "O36": "Maternal care for other fetal problems",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O40": "Polyhydramnios",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O41": "Other disorders of amniotic fluid and membranes",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O42": "Premature rupture of membranes",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O43": "Placental disorders",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O44": "Placenta previa",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O45": "Premature separation of placenta [abruptio placentae]",
    "O46": "Antepartum hemorrhage, not elsewhere classified",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O47": "False labor",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O48": "Late pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
}

#: Pregnancy, ongoing: the "in pregnancy" / trimester branches of the mixed categories
#: (O10-O16, O24-O26, O60, O71, O88, O90-O92, O98, O99, O9A). Their childbirth, puerperium
#: and lactation branches are in ``PREGNANCY_ENDED_MIXED_ICD10CM``.
PREGNANCY_MIXED_ICD10CM: Mapping[str, str] = {
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O10.01": "Pre-existing essential hypertension complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O10.11": "Pre-existing hypertensive heart disease complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O10.21": "Pre-existing hypertensive chronic kidney disease complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O10.31": "Pre-existing hypertensive heart and chronic kidney disease complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O10.41": "Pre-existing secondary hypertension complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O10.91": "Unspecified pre-existing hypertension complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O11.1": "Pre-existing hypertension with pre-eclampsia, first trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O11.2": "Pre-existing hypertension with pre-eclampsia, second trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O11.3": "Pre-existing hypertension with pre-eclampsia, third trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O11.9": "Pre-existing hypertension with pre-eclampsia, unspecified trimester",
    "O12.00": "Gestational edema, unspecified trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O12.01": "Gestational edema, first trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O12.02": "Gestational edema, second trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O12.03": "Gestational edema, third trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O12.10": "Gestational proteinuria, unspecified trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O12.11": "Gestational proteinuria, first trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O12.12": "Gestational proteinuria, second trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O12.13": "Gestational proteinuria, third trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O12.20": "Gestational edema with proteinuria, unspecified trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O12.21": "Gestational edema with proteinuria, first trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O12.22": "Gestational edema with proteinuria, second trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O12.23": "Gestational edema with proteinuria, third trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O13.1": (
        "Gestational [pregnancy-induced] hypertension without significant proteinuria, first "
        "trimester"
    ),
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O13.2": (
        "Gestational [pregnancy-induced] hypertension without significant proteinuria, second "
        "trimester"
    ),
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O13.3": (
        "Gestational [pregnancy-induced] hypertension without significant proteinuria, third "
        "trimester"
    ),
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O13.9": (
        "Gestational [pregnancy-induced] hypertension without significant proteinuria, "
        "unspecified trimester"
    ),
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O14.00": "Mild to moderate pre-eclampsia, unspecified trimester",
    "O14.02": "Mild to moderate pre-eclampsia, second trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O14.03": "Mild to moderate pre-eclampsia, third trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O14.10": "Severe pre-eclampsia, unspecified trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O14.12": "Severe pre-eclampsia, second trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O14.13": "Severe pre-eclampsia, third trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O14.20": "HELLP syndrome (HELLP), unspecified trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O14.22": "HELLP syndrome (HELLP), second trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O14.23": "HELLP syndrome (HELLP), third trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O14.90": "Unspecified pre-eclampsia, unspecified trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O14.92": "Unspecified pre-eclampsia, second trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O14.93": "Unspecified pre-eclampsia, third trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O15.0": "Eclampsia complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O16.1": "Unspecified maternal hypertension, first trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O16.2": "Unspecified maternal hypertension, second trimester",
    "O16.3": "Unspecified maternal hypertension, third trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O16.9": "Unspecified maternal hypertension, unspecified trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O24.01": "Pre-existing type 1 diabetes mellitus, in pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O24.11": "Pre-existing type 2 diabetes mellitus, in pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O24.31": "Unspecified pre-existing diabetes mellitus in pregnancy",
    "O24.41": "Gestational diabetes mellitus in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O24.81": "Other pre-existing diabetes mellitus in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O24.91": "Unspecified diabetes mellitus in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O25.1": "Malnutrition in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O26.0": "Excessive weight gain in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O26.1": "Low weight gain in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O26.2": "Pregnancy care for patient with recurrent pregnancy loss",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O26.3": "Retained intrauterine contraceptive device in pregnancy",
    "O26.4": "Herpes gestationis",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O26.5": "Maternal hypotension syndrome",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O26.61": "Liver and biliary tract disorders in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O26.64": "Intrahepatic cholestasis of pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O26.71": "Subluxation of symphysis (pubis) in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O26.8": "Other specified pregnancy related conditions",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O26.9": "Pregnancy related conditions, unspecified",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O60.0": "Preterm labor without delivery",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O71.0": "Rupture of uterus (spontaneous) before onset of labor",
    "O88.01": "Obstetric air embolism in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O88.11": "Amniotic fluid embolism in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O88.21": "Thromboembolism in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O88.31": "Pyemic and septic embolism in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O88.81": "Other embolism in pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O90.3": "Peripartum cardiomyopathy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O91.01": "Infection of nipple associated with pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O91.11": "Abscess of breast associated with pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O91.21": "Nonpurulent mastitis associated with pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O92.01": "Retracted nipple associated with pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O92.11": "Cracked nipple associated with pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD] ("...and the puerperium": VSAC counts it as pregnancy)
    "O92.2": (
        "Other and unspecified disorders of breast associated with pregnancy and the puerperium"
    ),
    "O98.01": "Tuberculosis complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O98.11": "Syphilis complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O98.21": "Gonorrhea complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O98.31": (
        "Other infections with a predominantly sexual mode of transmission complicating pregnancy"
    ),
    "O98.41": "Viral hepatitis complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O98.51": "Other viral diseases complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O98.61": "Protozoal diseases complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O98.71": "Human immunodeficiency virus [HIV] disease complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O98.81": "Other maternal infectious and parasitic diseases complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O98.91": "Unspecified maternal infectious and parasitic disease complicating pregnancy",
    "O99.01": "Anemia complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.11": (
        "Other diseases of the blood and blood-forming organs and certain disorders involving the"
        " immune mechanism complicating pregnancy"
    ),
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.210": "Obesity complicating pregnancy, unspecified trimester",
    "O99.211": "Obesity complicating pregnancy, first trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.212": "Obesity complicating pregnancy, second trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.213": "Obesity complicating pregnancy, third trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.280": (
        "Endocrine, nutritional and metabolic diseases complicating pregnancy, unspecified "
        "trimester"
    ),
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.281": (
        "Endocrine, nutritional and metabolic diseases complicating pregnancy, first trimester"
    ),
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.282": (
        "Endocrine, nutritional and metabolic diseases complicating pregnancy, second trimester"
    ),
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.283": (
        "Endocrine, nutritional and metabolic diseases complicating pregnancy, third trimester"
    ),
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.310": "Alcohol use complicating pregnancy, unspecified trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.311": "Alcohol use complicating pregnancy, first trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.312": "Alcohol use complicating pregnancy, second trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.313": "Alcohol use complicating pregnancy, third trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.320": "Drug use complicating pregnancy, unspecified trimester",
    "O99.321": "Drug use complicating pregnancy, first trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.322": "Drug use complicating pregnancy, second trimester",
    "O99.323": "Drug use complicating pregnancy, third trimester",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.330": "Smoking (tobacco) complicating pregnancy, unspecified trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.331": "Smoking (tobacco) complicating pregnancy, first trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.332": "Smoking (tobacco) complicating pregnancy, second trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.333": "Smoking (tobacco) complicating pregnancy, third trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.340": "Other mental disorders complicating pregnancy, unspecified trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.341": "Other mental disorders complicating pregnancy, first trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.342": "Other mental disorders complicating pregnancy, second trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.343": "Other mental disorders complicating pregnancy, third trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.350": "Diseases of the nervous system complicating pregnancy, unspecified trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.351": "Diseases of the nervous system complicating pregnancy, first trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.352": "Diseases of the nervous system complicating pregnancy, second trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.353": "Diseases of the nervous system complicating pregnancy, third trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.41": "Diseases of the circulatory system complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.51": "Diseases of the respiratory system complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.61": "Diseases of the digestive system complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.71": "Diseases of the skin and subcutaneous tissue complicating pregnancy",
    "O99.810": "Abnormal glucose complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.820": "Streptococcus B carrier state complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.830": "Other infection carrier state complicating pregnancy",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.840": "Bariatric surgery status complicating pregnancy, unspecified trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.841": "Bariatric surgery status complicating pregnancy, first trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.842": "Bariatric surgery status complicating pregnancy, second trimester",
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O99.843": "Bariatric surgery status complicating pregnancy, third trimester",
    # [CDC-ICD10CM] (newer than [VSAC-PREG-ICD])
    "O99.891": "Other specified diseases and conditions complicating pregnancy",
    "O9A.11": "Malignant neoplasm complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O9A.21": (
        "Injury, poisoning and certain other consequences of external causes complicating pregnancy"
    ),
    "O9A.31": "Physical abuse complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O9A.41": "Sexual abuse complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
    "O9A.51": "Psychological abuse complicating pregnancy",  # [CDC-ICD10CM], [VSAC-PREG-ICD]
}

#: Ectopic, molar, abnormal products of conception, encounter for elective termination:
#: a pregnancy with ``Certainty.POSSIBLE`` (clinician review; the code does not clear it).
PREGNANCY_NOT_VIABLE_ICD10CM: Mapping[str, str] = {
    "O00": "Ectopic pregnancy",  # [CDC-ICD10CM]
    "O01": "Hydatidiform mole",  # [CDC-ICD10CM]
    "O02": "Other abnormal products of conception",  # [CDC-ICD10CM]
    "Z33.2": "Encounter for elective termination of pregnancy",  # [CDC-ICD10CM]
}

#: Pregnancy ended: the childbirth, puerperium and lactation branches of the mixed categories.
PREGNANCY_ENDED_MIXED_ICD10CM: Mapping[str, str] = {
    "O10.02": "Pre-existing essential hypertension complicating childbirth",  # [CDC-ICD10CM]
    "O10.03": "Pre-existing essential hypertension complicating the puerperium",  # [CDC-ICD10CM]
    "O10.12": "Pre-existing hypertensive heart disease complicating childbirth",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "O10.13": "Pre-existing hypertensive heart disease complicating the puerperium",
    # [CDC-ICD10CM]
    "O10.22": "Pre-existing hypertensive chronic kidney disease complicating childbirth",
    # [CDC-ICD10CM]
    "O10.23": "Pre-existing hypertensive chronic kidney disease complicating the puerperium",
    # [CDC-ICD10CM]
    "O10.32": "Pre-existing hypertensive heart and chronic kidney disease complicating childbirth",
    # [CDC-ICD10CM]
    "O10.33": (
        "Pre-existing hypertensive heart and chronic kidney disease complicating the puerperium"
    ),
    "O10.42": "Pre-existing secondary hypertension complicating childbirth",  # [CDC-ICD10CM]
    "O10.43": "Pre-existing secondary hypertension complicating the puerperium",  # [CDC-ICD10CM]
    "O10.92": "Unspecified pre-existing hypertension complicating childbirth",  # [CDC-ICD10CM]
    "O10.93": "Unspecified pre-existing hypertension complicating the puerperium",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "O11.4": "Pre-existing hypertension with pre-eclampsia, complicating childbirth",
    # [CDC-ICD10CM]
    "O11.5": "Pre-existing hypertension with pre-eclampsia, complicating the puerperium",
    "O12.04": "Gestational edema, complicating childbirth",  # [CDC-ICD10CM]
    "O12.05": "Gestational edema, complicating the puerperium",  # [CDC-ICD10CM]
    "O12.14": "Gestational proteinuria, complicating childbirth",  # [CDC-ICD10CM]
    "O12.15": "Gestational proteinuria, complicating the puerperium",  # [CDC-ICD10CM]
    "O12.24": "Gestational edema with proteinuria, complicating childbirth",  # [CDC-ICD10CM]
    "O12.25": "Gestational edema with proteinuria, complicating the puerperium",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "O13.4": (
        "Gestational [pregnancy-induced] hypertension without significant proteinuria, "
        "complicating childbirth"
    ),
    # [CDC-ICD10CM]
    "O13.5": (
        "Gestational [pregnancy-induced] hypertension without significant proteinuria, "
        "complicating the puerperium"
    ),
    "O14.04": "Mild to moderate pre-eclampsia, complicating childbirth",  # [CDC-ICD10CM]
    "O14.05": "Mild to moderate pre-eclampsia, complicating the puerperium",  # [CDC-ICD10CM]
    "O14.14": "Severe pre-eclampsia complicating childbirth",  # [CDC-ICD10CM]
    "O14.15": "Severe pre-eclampsia, complicating the puerperium",  # [CDC-ICD10CM]
    "O14.24": "HELLP syndrome, complicating childbirth",  # [CDC-ICD10CM]
    "O14.25": "HELLP syndrome, complicating the puerperium",  # [CDC-ICD10CM]
    "O14.94": "Unspecified pre-eclampsia, complicating childbirth",  # [CDC-ICD10CM]
    "O14.95": "Unspecified pre-eclampsia, complicating the puerperium",  # [CDC-ICD10CM]
    "O15.1": "Eclampsia complicating labor",  # [CDC-ICD10CM]
    "O15.2": "Eclampsia complicating the puerperium",  # [CDC-ICD10CM]
    # [CDC-ICD10CM] time period unspecified; VSAC leaves it out of "Pregnancy"
    "O15.9": "Eclampsia, unspecified as to time period",
    "O16.4": "Unspecified maternal hypertension, complicating childbirth",  # [CDC-ICD10CM]
    "O16.5": "Unspecified maternal hypertension, complicating the puerperium",  # [CDC-ICD10CM]
    "O24.02": "Pre-existing type 1 diabetes mellitus, in childbirth",  # [CDC-ICD10CM]
    "O24.03": "Pre-existing type 1 diabetes mellitus, in the puerperium",  # [CDC-ICD10CM]
    "O24.12": "Pre-existing type 2 diabetes mellitus, in childbirth",  # [CDC-ICD10CM]
    "O24.13": "Pre-existing type 2 diabetes mellitus, in the puerperium",  # [CDC-ICD10CM]
    "O24.32": "Unspecified pre-existing diabetes mellitus in childbirth",  # [CDC-ICD10CM]
    "O24.33": "Unspecified pre-existing diabetes mellitus in the puerperium",  # [CDC-ICD10CM]
    "O24.42": "Gestational diabetes mellitus in childbirth",  # [CDC-ICD10CM]
    "O24.43": "Gestational diabetes mellitus in the puerperium",  # [CDC-ICD10CM]
    "O24.82": "Other pre-existing diabetes mellitus in childbirth",  # [CDC-ICD10CM]
    "O24.83": "Other pre-existing diabetes mellitus in the puerperium",  # [CDC-ICD10CM]
    "O24.92": "Unspecified diabetes mellitus in childbirth",  # [CDC-ICD10CM]
    "O24.93": "Unspecified diabetes mellitus in the puerperium",  # [CDC-ICD10CM]
    "O25.2": "Malnutrition in childbirth",  # [CDC-ICD10CM]
    "O25.3": "Malnutrition in the puerperium",  # [CDC-ICD10CM]
    "O26.62": "Liver and biliary tract disorders in childbirth",  # [CDC-ICD10CM]
    "O26.63": "Liver and biliary tract disorders in the puerperium",  # [CDC-ICD10CM]
    "O26.72": "Subluxation of symphysis (pubis) in childbirth",  # [CDC-ICD10CM]
    "O26.73": "Subluxation of symphysis (pubis) in the puerperium",  # [CDC-ICD10CM]
    "O60.1": "Preterm labor with preterm delivery",  # [CDC-ICD10CM]
    "O60.2": "Term delivery with preterm labor",  # [CDC-ICD10CM]
    "O71.1": "Rupture of uterus during labor",  # [CDC-ICD10CM]
    "O71.2": "Postpartum inversion of uterus",  # [CDC-ICD10CM]
    "O71.3": "Obstetric laceration of cervix",  # [CDC-ICD10CM]
    "O71.4": "Obstetric high vaginal laceration alone",  # [CDC-ICD10CM]
    "O71.5": "Other obstetric injury to pelvic organs",  # [CDC-ICD10CM]
    "O71.6": "Obstetric damage to pelvic joints and ligaments",  # [CDC-ICD10CM]
    "O71.7": "Obstetric hematoma of pelvis",  # [CDC-ICD10CM]
    "O71.8": "Other specified obstetric trauma",  # [CDC-ICD10CM]
    "O71.9": "Obstetric trauma, unspecified",  # [CDC-ICD10CM]
    "O88.02": "Air embolism in childbirth",  # [CDC-ICD10CM]
    "O88.03": "Air embolism in the puerperium",  # [CDC-ICD10CM]
    "O88.12": "Amniotic fluid embolism in childbirth",  # [CDC-ICD10CM]
    "O88.13": "Amniotic fluid embolism in the puerperium",  # [CDC-ICD10CM]
    "O88.22": "Thromboembolism in childbirth",  # [CDC-ICD10CM]
    "O88.23": "Thromboembolism in the puerperium",  # [CDC-ICD10CM]
    "O88.32": "Pyemic and septic embolism in childbirth",  # [CDC-ICD10CM]
    "O88.33": "Pyemic and septic embolism in the puerperium",  # [CDC-ICD10CM]
    "O88.82": "Other embolism in childbirth",  # [CDC-ICD10CM]
    "O88.83": "Other embolism in the puerperium",  # [CDC-ICD10CM]
    "O90.0": "Disruption of cesarean delivery wound",  # [CDC-ICD10CM]
    "O90.1": "Disruption of perineal obstetric wound",  # [CDC-ICD10CM]
    "O90.2": "Hematoma of obstetric wound",  # [CDC-ICD10CM]
    "O90.4": "Postpartum acute kidney failure",  # [CDC-ICD10CM]
    "O90.5": "Postpartum thyroiditis",  # [CDC-ICD10CM]
    "O90.6": "Postpartum mood disturbance",  # [CDC-ICD10CM]
    "O90.8": "Other complications of the puerperium, not elsewhere classified",  # [CDC-ICD10CM]
    "O90.9": "Complication of the puerperium, unspecified",  # [CDC-ICD10CM]
    "O91.02": "Infection of nipple associated with the puerperium",  # [CDC-ICD10CM]
    "O91.03": "Infection of nipple associated with lactation",  # [CDC-ICD10CM]
    "O91.12": "Abscess of breast associated with the puerperium",  # [CDC-ICD10CM]
    "O91.13": "Abscess of breast associated with lactation",  # [CDC-ICD10CM]
    "O91.22": "Nonpurulent mastitis associated with the puerperium",  # [CDC-ICD10CM]
    "O91.23": "Nonpurulent mastitis associated with lactation",  # [CDC-ICD10CM]
    "O92.02": "Retracted nipple associated with the puerperium",  # [CDC-ICD10CM]
    "O92.03": "Retracted nipple associated with lactation",  # [CDC-ICD10CM]
    "O92.12": "Cracked nipple associated with the puerperium",  # [CDC-ICD10CM]
    "O92.13": "Cracked nipple associated with lactation",  # [CDC-ICD10CM]
    "O92.3": "Agalactia",  # [CDC-ICD10CM]
    "O92.4": "Hypogalactia",  # [CDC-ICD10CM]
    "O92.5": "Suppressed lactation",  # [CDC-ICD10CM]
    "O92.6": "Galactorrhea",  # [CDC-ICD10CM]
    "O92.7": "Other and unspecified disorders of lactation",  # [CDC-ICD10CM]
    "O98.02": "Tuberculosis complicating childbirth",  # [CDC-ICD10CM]
    "O98.03": "Tuberculosis complicating the puerperium",  # [CDC-ICD10CM]
    "O98.12": "Syphilis complicating childbirth",  # [CDC-ICD10CM]
    "O98.13": "Syphilis complicating the puerperium",  # [CDC-ICD10CM]
    "O98.22": "Gonorrhea complicating childbirth",  # [CDC-ICD10CM]
    "O98.23": "Gonorrhea complicating the puerperium",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "O98.32": (
        "Other infections with a predominantly sexual mode of transmission complicating childbirth"
    ),
    # [CDC-ICD10CM]
    "O98.33": (
        "Other infections with a predominantly sexual mode of transmission complicating the "
        "puerperium"
    ),
    "O98.42": "Viral hepatitis complicating childbirth",  # [CDC-ICD10CM]
    "O98.43": "Viral hepatitis complicating the puerperium",  # [CDC-ICD10CM]
    "O98.52": "Other viral diseases complicating childbirth",  # [CDC-ICD10CM]
    "O98.53": "Other viral diseases complicating the puerperium",  # [CDC-ICD10CM]
    "O98.62": "Protozoal diseases complicating childbirth",  # [CDC-ICD10CM]
    "O98.63": "Protozoal diseases complicating the puerperium",  # [CDC-ICD10CM]
    "O98.72": "Human immunodeficiency virus [HIV] disease complicating childbirth",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "O98.73": "Human immunodeficiency virus [HIV] disease complicating the puerperium",
    # [CDC-ICD10CM]
    "O98.82": "Other maternal infectious and parasitic diseases complicating childbirth",
    # [CDC-ICD10CM]
    "O98.83": "Other maternal infectious and parasitic diseases complicating the puerperium",
    # [CDC-ICD10CM]
    "O98.92": "Unspecified maternal infectious and parasitic disease complicating childbirth",
    # [CDC-ICD10CM]
    "O98.93": "Unspecified maternal infectious and parasitic disease complicating the puerperium",
    "O99.02": "Anemia complicating childbirth",  # [CDC-ICD10CM]
    "O99.03": "Anemia complicating the puerperium",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "O99.12": (
        "Other diseases of the blood and blood-forming organs and certain disorders involving the"
        " immune mechanism complicating childbirth"
    ),
    # [CDC-ICD10CM]
    "O99.13": (
        "Other diseases of the blood and blood-forming organs and certain disorders involving the"
        " immune mechanism complicating the puerperium"
    ),
    "O99.214": "Obesity complicating childbirth",  # [CDC-ICD10CM]
    "O99.215": "Obesity complicating the puerperium",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "O99.284": "Endocrine, nutritional and metabolic diseases complicating childbirth",
    # [CDC-ICD10CM]
    "O99.285": "Endocrine, nutritional and metabolic diseases complicating the puerperium",
    "O99.314": "Alcohol use complicating childbirth",  # [CDC-ICD10CM]
    "O99.315": "Alcohol use complicating the puerperium",  # [CDC-ICD10CM]
    "O99.324": "Drug use complicating childbirth",  # [CDC-ICD10CM]
    "O99.325": "Drug use complicating the puerperium",  # [CDC-ICD10CM]
    "O99.334": "Smoking (tobacco) complicating childbirth",  # [CDC-ICD10CM]
    "O99.335": "Smoking (tobacco) complicating the puerperium",  # [CDC-ICD10CM]
    "O99.344": "Other mental disorders complicating childbirth",  # [CDC-ICD10CM]
    "O99.345": "Other mental disorders complicating the puerperium",  # [CDC-ICD10CM]
    "O99.354": "Diseases of the nervous system complicating childbirth",  # [CDC-ICD10CM]
    "O99.355": "Diseases of the nervous system complicating the puerperium",  # [CDC-ICD10CM]
    "O99.42": "Diseases of the circulatory system complicating childbirth",  # [CDC-ICD10CM]
    "O99.43": "Diseases of the circulatory system complicating the puerperium",  # [CDC-ICD10CM]
    "O99.52": "Diseases of the respiratory system complicating childbirth",  # [CDC-ICD10CM]
    "O99.53": "Diseases of the respiratory system complicating the puerperium",  # [CDC-ICD10CM]
    "O99.62": "Diseases of the digestive system complicating childbirth",  # [CDC-ICD10CM]
    "O99.63": "Diseases of the digestive system complicating the puerperium",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "O99.72": "Diseases of the skin and subcutaneous tissue complicating childbirth",
    # [CDC-ICD10CM]
    "O99.73": "Diseases of the skin and subcutaneous tissue complicating the puerperium",
    "O99.814": "Abnormal glucose complicating childbirth",  # [CDC-ICD10CM]
    "O99.815": "Abnormal glucose complicating the puerperium",  # [CDC-ICD10CM]
    "O99.824": "Streptococcus B carrier state complicating childbirth",  # [CDC-ICD10CM]
    "O99.825": "Streptococcus B carrier state complicating the puerperium",  # [CDC-ICD10CM]
    "O99.834": "Other infection carrier state complicating childbirth",  # [CDC-ICD10CM]
    "O99.835": "Other infection carrier state complicating the puerperium",  # [CDC-ICD10CM]
    "O99.844": "Bariatric surgery status complicating childbirth",  # [CDC-ICD10CM]
    "O99.845": "Bariatric surgery status complicating the puerperium",  # [CDC-ICD10CM]
    "O99.892": "Other specified diseases and conditions complicating childbirth",  # [CDC-ICD10CM]
    "O99.893": "Other specified diseases and conditions complicating puerperium",  # [CDC-ICD10CM]
    "O9A.12": "Malignant neoplasm complicating childbirth",  # [CDC-ICD10CM]
    "O9A.13": "Malignant neoplasm complicating the puerperium",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "O9A.22": (
        "Injury, poisoning and certain other consequences of external causes complicating "
        "childbirth"
    ),
    # [CDC-ICD10CM]
    "O9A.23": (
        "Injury, poisoning and certain other consequences of external causes complicating the "
        "puerperium"
    ),
    "O9A.32": "Physical abuse complicating childbirth",  # [CDC-ICD10CM]
    "O9A.33": "Physical abuse complicating the puerperium",  # [CDC-ICD10CM]
    "O9A.42": "Sexual abuse complicating childbirth",  # [CDC-ICD10CM]
    "O9A.43": "Sexual abuse complicating the puerperium",  # [CDC-ICD10CM]
    "O9A.52": "Psychological abuse complicating childbirth",  # [CDC-ICD10CM]
    "O9A.53": "Psychological abuse complicating the puerperium",  # [CDC-ICD10CM]
}

#: Pregnancy ended: abortive outcome, labour and delivery, puerperium, outcome of delivery,
#: postpartum care. (ICD-10-CM has no O05/O06: those are WHO ICD-10.)
PREGNANCY_ENDED_ICD10CM: Mapping[str, str] = {
    "O03": "Spontaneous abortion",  # [CDC-ICD10CM]
    "O04": "Complications following (induced) termination of pregnancy",  # [CDC-ICD10CM]
    "O07": "Failed attempted termination of pregnancy",  # [CDC-ICD10CM]
    "O08": "Complications following ectopic and molar pregnancy",  # [CDC-ICD10CM]
    "O60.1": "Preterm labor with preterm delivery",  # [CDC-ICD10CM]
    "O60.2": "Term delivery with preterm labor",  # [CDC-ICD10CM]
    "O61": "Failed induction of labor",  # [CDC-ICD10CM]
    "O62": "Abnormalities of forces of labor",  # [CDC-ICD10CM]
    "O63": "Long labor",  # [CDC-ICD10CM]
    "O64": "Obstructed labor due to malposition and malpresentation of fetus",  # [CDC-ICD10CM]
    "O65": "Obstructed labor due to maternal pelvic abnormality",  # [CDC-ICD10CM]
    "O66": "Other obstructed labor",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "O67": "Labor and delivery complicated by intrapartum hemorrhage, not elsewhere classified",
    # [CDC-ICD10CM]
    "O68": "Labor and delivery complicated by abnormality of fetal acid-base balance",
    "O69": "Labor and delivery complicated by umbilical cord complications",  # [CDC-ICD10CM]
    "O70": "Perineal laceration during delivery",  # [CDC-ICD10CM]
    "O71.1": "Rupture of uterus during labor",  # [CDC-ICD10CM]
    "O71.2": "Postpartum inversion of uterus",  # [CDC-ICD10CM]
    "O71.3": "Obstetric laceration of cervix",  # [CDC-ICD10CM]
    "O71.4": "Obstetric high vaginal laceration alone",  # [CDC-ICD10CM]
    "O71.5": "Other obstetric injury to pelvic organs",  # [CDC-ICD10CM]
    "O71.6": "Obstetric damage to pelvic joints and ligaments",  # [CDC-ICD10CM]
    "O71.7": "Obstetric hematoma of pelvis",  # [CDC-ICD10CM]
    "O71.8": "Other specified obstetric trauma",  # [CDC-ICD10CM]
    "O71.9": "Obstetric trauma, unspecified",  # [CDC-ICD10CM]
    "O72": "Postpartum hemorrhage",  # [CDC-ICD10CM]
    "O73": "Retained placenta and membranes, without hemorrhage",  # [CDC-ICD10CM]
    "O74": "Complications of anesthesia during labor and delivery",  # [CDC-ICD10CM]
    "O75": "Other complications of labor and delivery, not elsewhere classified",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "O76": "Abnormality in fetal heart rate and rhythm complicating labor and delivery",
    "O77": "Other fetal stress complicating labor and delivery",  # [CDC-ICD10CM]
    "O80": "Encounter for full-term uncomplicated delivery",  # [CDC-ICD10CM]
    "O82": "Encounter for cesarean delivery without indication",  # [CDC-ICD10CM]
    "O85": "Puerperal sepsis",  # [CDC-ICD10CM]
    "O86": "Other puerperal infections",  # [CDC-ICD10CM]
    "O87": "Venous complications and hemorrhoids in the puerperium",  # [CDC-ICD10CM]
    "O89": "Complications of anesthesia during the puerperium",  # [CDC-ICD10CM]
    "O90.0": "Disruption of cesarean delivery wound",  # [CDC-ICD10CM]
    "O90.1": "Disruption of perineal obstetric wound",  # [CDC-ICD10CM]
    "O90.2": "Hematoma of obstetric wound",  # [CDC-ICD10CM]
    "O90.4": "Postpartum acute kidney failure",  # [CDC-ICD10CM]
    "O90.5": "Postpartum thyroiditis",  # [CDC-ICD10CM]
    "O90.6": "Postpartum mood disturbance",  # [CDC-ICD10CM]
    "O90.8": "Other complications of the puerperium, not elsewhere classified",  # [CDC-ICD10CM]
    "O90.9": "Complication of the puerperium, unspecified",  # [CDC-ICD10CM]
    "O94": "Sequelae of complication of pregnancy, childbirth, and the puerperium",  # [CDC-ICD10CM]
    "Z37": "Outcome of delivery",  # [CDC-ICD10CM]
    "Z39": "Encounter for maternal postpartum care and examination",  # [CDC-ICD10CM]
}

#: Pregnancy ended (SNOMED CT findings and procedures). 386216000 and 367494004 are how
#: Synthea writes a birth as a Procedure. VSAC "Delivery Procedures" has 120 SNOMED codes;
#: these are the ones confirmed for this table.
PREGNANCY_ENDED_SNOMED: Mapping[str, str] = {
    "289256000": "Mother delivered (finding)",  # [VSAC-COMPL-PREG], [OHDSI-PL], [PEDSNET-PREG]
    "86569001": "Postpartum state (finding)",  # [VSAC-COMPL-PREG], [PEDSNET-PREG]
    "17369002": "Miscarriage (disorder)",  # [VSAC-COMPL-PREG], [OHDSI-PL], [PEDSNET-PREG]
    "156073000": "Complete miscarriage (disorder)",  # [SYNTHEA-PREG], [PEDSNET-PREG]
    "19169002": "Miscarriage in first trimester (disorder)",  # [SYNTHEA-PREG], [PEDSNET-PREG]
    "85116003": "Miscarriage in second trimester (disorder)",  # [SYNTHEA-PREG], [PEDSNET-PREG]
    "169826009": "Single live birth (finding)",  # [VSAC-DELIV-SINGLETON], [VSAC-COMPL-PREG]
    "714812005": "Induced termination of pregnancy (procedure)",  # [SYNTHEA-PREG]
    "386639001": "Termination of pregnancy (procedure)",  # [VSAC-SEXACT-PROC]
    "236973005": "Delivery procedure (procedure)",  # [VSAC-DELIV-PROC]
    "177184002": "Normal delivery procedure (procedure)",  # [VSAC-DELIV-PROC]
    "700000006": "Vaginal delivery of fetus (procedure)",  # [VSAC-DELIV-PROC]
    # [VSAC-DELIV-PROC]
    "48204000": "Spontaneous unassisted delivery, medical personnel present (procedure)",
    "11466000": "Cesarean section (procedure)",  # [VSAC-DELIV-PROC], [SYNTHEA-PREG]
    "274130007": "Emergency cesarean section (procedure)",  # [VSAC-DELIV-PROC]
    "177141003": "Elective cesarean section (procedure)",  # [VSAC-DELIV-PROC]
    "236974004": "Instrumental delivery (procedure)",  # [VSAC-DELIV-PROC], [SYNTHEA-PREG]
    "302383004": "Forceps delivery (procedure)",  # [VSAC-DELIV-PROC]
    "61586001": "Delivery by vacuum extraction (procedure)",  # [VSAC-DELIV-PROC]
    "177157003": "Spontaneous breech delivery (procedure)",  # [VSAC-DELIV-PROC], [SYNTHEA-PREG]
    "386216000": "Human parturition, function (observable entity)",  # [SYNTHEA-PREG]
    "367494004": "Premature birth of newborn (finding)",  # [SYNTHEA-PREG]
    # [SYNTHEA-PREG] the ectopic pregnancy removed: it has ended
    "445912000": "Excision of fallopian tube and surgical removal of ectopic pregnancy (procedure)",
}

#: Known codes that state no safety fact (their text must not be read either).
PREGNANCY_NO_FACT_SNOMED: Mapping[str, str] = {
    "60001007": "Not pregnant (finding)",  # [VSAC-COMPL-PREG], [IPS-PREG-MAP]
    # [VSAC-COMPL-PREG], [PEDSNET-PREG] a pregnancy risk, not sterility
    "169550004": "Female sterilization failure (finding)",
}

# --- Kidney failure and dialysis ------------------------------------------------------------

#: End-stage kidney disease, CKD stage 5 (ICD-10-CM prefixes). N18.6 includes "chronic
#: kidney disease requiring chronic dialysis"; N18.5 is stage 5 not on chronic dialysis.
KIDNEY_FAILURE_ICD10CM: Mapping[str, str] = {
    "N18.5": "Chronic kidney disease, stage 5",  # [CDC-ICD10CM], [VSAC-CKD5]
    "N18.6": "End stage renal disease",  # [CDC-ICD10CM], [VSAC-ESRD]
    # [CDC-ICD10CM], [VSAC-RENAL-DIS]
    "I12.0": (
        "Hypertensive chronic kidney disease with stage 5 chronic kidney disease or end stage "
        "renal disease"
    ),
    # [CDC-ICD10CM], [VSAC-RENAL-DIS]
    "I13.11": (
        "Hypertensive heart and chronic kidney disease without heart failure, with stage 5 "
        "chronic kidney disease, or end stage renal disease"
    ),
    # [CDC-ICD10CM], [VSAC-RENAL-DIS]
    "I13.2": (
        "Hypertensive heart and chronic kidney disease with heart failure and with stage 5 "
        "chronic kidney disease, or end stage renal disease"
    ),
}

#: End-stage kidney disease, CKD stage 5 (SNOMED CT). 236435004 is also in
#: ``DIALYSIS_DEPENDENCE_SNOMED`` and 236436003 in ``KIDNEY_TRANSPLANT_CONDITION_SNOMED``.
KIDNEY_FAILURE_SNOMED: Mapping[str, str] = {
    "46177005": "End-stage renal disease (disorder)",  # [VSAC-ESRD], [SYNTHEA-CKD]
    "433146000": "Chronic kidney disease stage 5 (disorder)",  # [VSAC-CKD5]
    # [VSAC-ESRD]
    "236434000": "End stage renal failure untreated by renal replacement therapy (disorder)",
    "236435004": "End stage renal failure on dialysis (disorder)",  # [VSAC-ESRD], [PEDSNET-DIAL]
    # [VSAC-ESRD], [PEDSNET-KTX]  (also a transplant signal, §5)
    "236436003": "End stage renal failure with renal transplant (disorder)",
}

#: Dependence on dialysis (ICD-10-CM prefixes).
DIALYSIS_ICD10CM: Mapping[str, str] = {
    "Z99.2": "Dependence on renal dialysis",  # [CDC-ICD10CM]
    # [CDC-ICD10CM] sub-category (Z91.151, Z91.158): the patient is on dialysis
    "Z91.15": "Patient's noncompliance with renal dialysis",
    # [CDC-ICD10CM] (Z49.31 hemodialysis, Z49.32 peritoneal dialysis)
    "Z49.3": "Encounter for adequacy testing for dialysis",
}

#: Dialysis-access care alone: not evidence that dialysis has started.
DIALYSIS_NO_FACT_ICD10CM: Mapping[str, str] = {
    # [CDC-ICD10CM] access care only
    "Z49.01": "Encounter for fitting and adjustment of extracorporeal dialysis catheter",
    # [CDC-ICD10CM] access care only
    "Z49.02": "Encounter for fitting and adjustment of peritoneal dialysis catheter",
}

#: Dependence on dialysis (SNOMED CT). 129721000119106 is acute (see ``DIALYSIS_ACUTE_SNOMED``).
DIALYSIS_DEPENDENCE_SNOMED: Mapping[str, str] = {
    "105502003": "Dependence on renal dialysis",  # [OHDSI-PL], [PEDSNET-DIAL]
    "429075005": "Dependence on dialysis due to end stage renal disease",  # [PEDSNET-DIAL]
    "428982002": "Dependence on hemodialysis due to end stage renal disease",  # [PEDSNET-DIAL]
    # [PEDSNET-DIAL]
    "428937001": "Dependence on peritoneal dialysis due to end stage renal disease",
    # [PEDSNET-DIAL]
    "16320631000119104": (
        "Dependence on continuous ambulatory peritoneal dialysis due to end stage renal disease"
    ),
    # [SYNTHEA-AVRR] acute kidney failure on dialysis: still dialysis
    "129721000119106": "Acute renal failure on dialysis (disorder)",
    # [VSAC-ESRD], [PEDSNET-DIAL] also in KIDNEY_FAILURE_SNOMED
    "236435004": "End stage renal failure on dialysis (disorder)",
}

#: Dialysis sessions and chronic dialysis procedures (SNOMED CT). 265764009 is what Synthea
#: writes for every session.
DIALYSIS_SESSION_SNOMED: Mapping[str, str] = {
    "108241001": "Dialysis procedure (procedure)",  # [VSAC-DIAL-SVC]
    "265764009": "Renal dialysis (procedure)",  # [VSAC-DIAL-SVC], [SYNTHEA-DIALYSIS]
    "302497006": "Hemodialysis (procedure)",  # [VSAC-HD], [VSAC-DIAL-SVC], [SYNTHEA-COVID]
    "71192002": "Peritoneal dialysis (procedure)",  # [VSAC-PD], [VSAC-DIAL-SVC]
    "676002": "Peritoneal dialysis including cannulation (procedure)",  # [VSAC-PD]
    "14684005": "Peritoneal dialysis excluding cannulation (procedure)",  # [VSAC-PD]
    "225230008": "Chronic peritoneal dialysis (procedure)",  # [VSAC-PD]
    "238318009": "Continuous ambulatory peritoneal dialysis (procedure)",  # [VSAC-PD]
    "238319001": "Continuous cycling peritoneal dialysis (procedure)",  # [VSAC-PD]
    "238321006": "Intermittent peritoneal dialysis (procedure)",  # [VSAC-PD]
    "238322004": "Tidal peritoneal dialysis (procedure)",  # [VSAC-PD]
    "238323009": "Night-time intermittent peritoneal dialysis (procedure)",  # [VSAC-PD]
    "428648006": "Automated peritoneal dialysis (procedure)",  # [VSAC-PD]
    "225231007": "Stab peritoneal dialysis (procedure)",  # [VSAC-DIAL-SVC]
    "34897002": "Hemodialysis, maintenance in hospital (procedure)",  # [VSAC-DIAL-SVC]
    "67970008": "Hemodialysis, maintenance at home (procedure)",  # [VSAC-DIAL-SVC]
    "68341005": "Hemodialysis, supervision at home (procedure)",  # [VSAC-DIAL-SVC]
    "57274006": "Initial hemodialysis (procedure)",  # [VSAC-DIAL-SVC]
    "11932001": "Stabilizing hemodialysis (procedure)",  # [VSAC-DIAL-SVC]
    "233575001": "Intermittent hemodialysis (procedure)",  # [VSAC-DIAL-SVC]
    # [VSAC-DIAL-SVC]
    "233576000": "Intermittent hemodialysis with sequential ultrafiltration (procedure)",
    # [VSAC-DIAL-SVC]
    "233577009": "Intermittent hemodialysis with continuous ultrafiltration (procedure)",
    "48781000175105": "Nocturnal dialysis (procedure)",  # [VSAC-HOSP-DIAL]
    "427053002": "Extracorporeal albumin hemodialysis (procedure)",  # [VSAC-DIAL-SVC]
    "288182009": "Extracorporeal kidney (procedure)",  # [VSAC-DIAL-SVC]
}

#: Acute / intensive-care renal replacement therapy (SNOMED CT). Read as DIALYSIS too: a
#: patient on acute dialysis is outside the refractory algorithm as well (kidney function
#: cannot be judged from eGFR or proteinuria while on dialysis); the rules decide for how long
#: by the procedure date (``dialysis_recent_days``).
DIALYSIS_ACUTE_SNOMED: Mapping[str, str] = {
    # [VSAC-DIAL-SVC], [VSAC-HOSP-DIAL]
    "714749008": "Continuous renal replacement therapy (procedure)",
    "895382009": "Prolonged intermittent renal replacement therapy (procedure)",  # [VSAC-HOSP-DIAL]
    "708932005": "Emergency hemodialysis (procedure)",  # [VSAC-HOSP-DIAL]
    "708933000": "Emergency hemodiafiltration (procedure)",  # [VSAC-HOSP-DIAL]
    "715743002": "Emergency hemofiltration (procedure)",  # [VSAC-HOSP-DIAL]
    "233578004": "Continuous hemodialysis (procedure)",  # [VSAC-DIAL-SVC]
    "233579007": "Continuous arteriovenous hemodialysis (procedure)",  # [VSAC-DIAL-SVC]
    "233580005": "Continuous venovenous hemodialysis (procedure)",  # [VSAC-DIAL-SVC]
    "233581009": "Hemofiltration (procedure)",  # [VSAC-DIAL-SVC]
    "233582002": "Intermittent hemofiltration (procedure)",  # [VSAC-DIAL-SVC]
    "233583007": "Continuous hemofiltration (procedure)",  # [VSAC-DIAL-SVC]
    "233584001": "Continuous arteriovenous hemofiltration (procedure)",  # [VSAC-DIAL-SVC]
    "233585000": "Continuous venovenous hemofiltration (procedure)",  # [VSAC-DIAL-SVC]
    "341939001": "Extracorporeal hemofiltration (procedure)",  # [VSAC-HOSP-DIAL]
    "233586004": "Hemodiafiltration (procedure)",  # [VSAC-DIAL-SVC]
    "233587008": "Intermittent hemodiafiltration (procedure)",  # [VSAC-DIAL-SVC]
    "233588003": "Continuous hemodiafiltration (procedure)",  # [VSAC-DIAL-SVC]
    "233589006": "Continuous arteriovenous hemodiafiltration (procedure)",  # [VSAC-DIAL-SVC]
    "233590002": "Continuous venovenous hemodiafiltration (procedure)",  # [VSAC-DIAL-SVC]
}

#: Dialysis-access care alone, and history of dialysis: no safety fact.
DIALYSIS_NO_FACT_SNOMED: Mapping[str, str] = {
    "10848006": "Removal of peritoneal dialysis catheter (procedure)",  # [VSAC-DIAL-SVC]
    # [VSAC-DIAL-SVC]
    "180273006": "Removal of chronic ambulatory peritoneal dialysis catheter (procedure)",
    # [VSAC-DIAL-SVC]
    "238316008": "Aspiration of chronic ambulatory peritoneal dialysis catheter (procedure)",
    # [VSAC-DIAL-SVC]
    "238317004": "Flushing of chronic ambulatory peritoneal dialysis catheter (procedure)",
    # [VSAC-DIAL-SVC]
    "439278006": (
        "Measurement of static venous pressure in hemodialysis vascular access (procedure)"
    ),
    # [VSAC-DIAL-SVC]
    "439976001": "Measurement of recirculation in hemodialysis vascular access (procedure)",
    "161693006": "H/O: renal dialysis",  # [OHDSI-PL] history only: not current dialysis
}

#: Dialysis procedures (CPT).
DIALYSIS_CPT: Mapping[str, str] = {
    # [VSAC-DIAL-SVC]
    "90935": (
        "Hemodialysis procedure with single evaluation by a physician or other qualified health "
        "care professional"
    ),
    # [VSAC-DIAL-SVC]
    "90937": (
        "Hemodialysis procedure requiring repeated evaluation(s) with or without substantial "
        "revision of dialysis prescription"
    ),
    # [VSAC-DIAL-SVC]
    "90945": (
        "Dialysis procedure other than hemodialysis (eg, peritoneal dialysis, hemofiltration, or "
        "other continuous renal replacement therapies), with single evaluation …"
    ),
    # [VSAC-DIAL-SVC]
    "90947": (
        "Dialysis procedure other than hemodialysis (eg, peritoneal dialysis, hemofiltration, or "
        "other continuous renal replacement therapies) requiring repeated evaluations …"
    ),
    # [VSAC-DIAL-SVC], [VSAC-ESRD-MONTHLY]
    "90999": "Unlisted dialysis procedure, inpatient or outpatient",
}

#: ESRD-related monthly services (CPT): a chronic dialysis programme. Displays are the AMA
#: text as carried in VSAC, shortened with "...".
ESRD_MONTHLY_SERVICES_CPT: Mapping[str, str] = {
    # [VSAC-ESRD-MONTHLY]
    "90951": (
        "End-stage renal disease (ESRD) related services monthly, for patients younger than 2 "
        "years of age … 4 or more face-to-face visits …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90952": (
        "End-stage renal disease (ESRD) related services monthly, for patients younger than 2 "
        "years of age … 2-3 face-to-face visits …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90953": (
        "End-stage renal disease (ESRD) related services monthly, for patients younger than 2 "
        "years of age … 1 face-to-face visit …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90954": (
        "End-stage renal disease (ESRD) related services monthly, for patients 2-11 years of age "
        "… 4 or more face-to-face visits …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90955": (
        "End-stage renal disease (ESRD) related services monthly, for patients 2-11 years of age "
        "… 2-3 face-to-face visits …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90956": (
        "End-stage renal disease (ESRD) related services monthly, for patients 2-11 years of age "
        "… 1 face-to-face visit …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90957": (
        "End-stage renal disease (ESRD) related services monthly, for patients 12-19 years of age"
        " … 4 or more face-to-face visits …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90958": (
        "End-stage renal disease (ESRD) related services monthly, for patients 12-19 years of age"
        " … 2-3 face-to-face visits …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90959": (
        "End-stage renal disease (ESRD) related services monthly, for patients 12-19 years of age"
        " … 1 face-to-face visit …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90960": (
        "End-stage renal disease (ESRD) related services monthly, for patients 20 years of age "
        "and older; with 4 or more face-to-face visits …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90961": (
        "End-stage renal disease (ESRD) related services monthly, for patients 20 years of age "
        "and older; with 2-3 face-to-face visits …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90962": (
        "End-stage renal disease (ESRD) related services monthly, for patients 20 years of age "
        "and older; with 1 face-to-face visit …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90963": (
        "End-stage renal disease (ESRD) related services for home dialysis per full month, for "
        "patients younger than 2 years of age …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90964": (
        "End-stage renal disease (ESRD) related services for home dialysis per full month, for "
        "patients 2-11 years of age …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90965": (
        "End-stage renal disease (ESRD) related services for home dialysis per full month, for "
        "patients 12-19 years of age …"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90966": (
        "End-stage renal disease (ESRD) related services for home dialysis per full month, for "
        "patients 20 years of age and older"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90967": (
        "End-stage renal disease (ESRD) related services for dialysis less than a full month of "
        "service, per day; for patients younger than 2 years of age"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90968": (
        "End-stage renal disease (ESRD) related services for dialysis less than a full month of "
        "service, per day; for patients 2-11 years of age"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90969": (
        "End-stage renal disease (ESRD) related services for dialysis less than a full month of "
        "service, per day; for patients 12-19 years of age"
    ),
    # [VSAC-ESRD-MONTHLY]
    "90970": (
        "End-stage renal disease (ESRD) related services for dialysis less than a full month of "
        "service, per day; for patients 20 years of age and older"
    ),
}

# --- Kidney transplant ----------------------------------------------------------------------

#: Kidney transplant status and complications (ICD-10-CM prefixes). T86.13 is also a
#: serious infection (``SERIOUS_INFECTION_ICD10CM``).
KIDNEY_TRANSPLANT_ICD10CM: Mapping[str, str] = {
    "Z94.0": "Kidney transplant status",  # [CDC-ICD10CM], [VSAC-KTX-RECIP]
    # [CDC-ICD10CM] (T86.10 unspecified, T86.11 rejection, T86.12 failure, T86.13 infection, T86.19
    # other)
    "T86.1": "Complications of kidney transplant",
    "Z48.22": "Encounter for aftercare following kidney transplant",  # [CDC-ICD10CM]
}

#: Kidney transplant status (SNOMED CT).
KIDNEY_TRANSPLANT_CONDITION_SNOMED: Mapping[str, str] = {
    # [VSAC-KTX-RECIP], [SYNTHEA-KTX], [PEDSNET-KTX]
    "161665007": "History of renal transplant (situation)",
    "737295003": "Transplanted kidney present",  # [OHDSI-PL], [PEDSNET-KTX]
    # [SYNTHEA-KTX], [PEDSNET-KTX]
    "213150003": "Kidney transplant failure and rejection (disorder)",
    # [VSAC-ESRD], [PEDSNET-KTX]
    "236436003": "End stage renal failure with renal transplant (disorder)",
    "58797008": "Disorder of transplanted kidney",  # [PEDSNET-KTX]
}

#: Kidney transplant procedures (SNOMED CT), allografts only.
KIDNEY_TRANSPLANT_PROCEDURE_SNOMED: Mapping[str, str] = {
    "70536003": "Transplant of kidney (procedure)",  # [VSAC-KTX], [SYNTHEA-KTX]
    "175901007": "Live donor renal transplant (procedure)",  # [VSAC-KTX], [PEDSNET-KTX]
    "175902000": "Cadaveric renal transplant (procedure)",  # [VSAC-KTX], [PEDSNET-KTX]
    # [VSAC-KTX]
    "52213001": "Renal homotransplantation excluding donor and recipient nephrectomy (procedure)",
    # [VSAC-KTX]
    "711411006": "Allotransplantation of kidney from beating heart cadaver (procedure)",
    # [VSAC-KTX]
    "711413009": "Allotransplantation of kidney from non-beating heart cadaver (procedure)",
    "765478004": "Allotransplantation of left kidney (procedure)",  # [VSAC-KTX]
    "765479007": "Allotransplantation of right kidney (procedure)",  # [VSAC-KTX]
    # [VSAC-KTX]
    "782655004": "Laparoscopic transplant of kidney using robotic assistance (procedure)",
    "6471000179103": "Transplantation of kidney and pancreas (procedure)",  # [VSAC-KTX]
    "236138007": "Xenograft renal transplant (procedure)",  # [VSAC-KTX]
}

#: Biopsy of a transplanted kidney: a transplant fact. It is not a lupus nephritis (native
#: kidney) biopsy and is left out of ``codes.conditions.KIDNEY_BIOPSY_SNOMED``.
KIDNEY_GRAFT_BIOPSY_SNOMED: Mapping[str, str] = {
    "440512006": "Biopsy of transplanted kidney using ultrasound guidance",  # [PEDSNET-KBX]
    "6501000179109": "Laparoscopic biopsy of transplanted kidney",  # [PEDSNET-KBX]
}

#: In VSAC "Kidney Transplant" but not an allograft in this patient: no safety fact.
KIDNEY_TRANSPLANT_NO_FACT_SNOMED: Mapping[str, str] = {
    # [VSAC-KTX] own kidney; not an allograft
    "175899003": "Autotransplantation of kidney (procedure)",
    # [VSAC-KTX] donor or recipient side not clear from the label
    "313030004": "Donor renal transplantation (procedure)",
}

#: Kidney allotransplantation (CPT).
KIDNEY_TRANSPLANT_CPT: Mapping[str, str] = {
    # [VSAC-KTX]
    "50360": "Renal allotransplantation, implantation of graft; without recipient nephrectomy",
    # [VSAC-KTX]
    "50365": "Renal allotransplantation, implantation of graft; with recipient nephrectomy",
}

#: Autotransplantation (the patient's own kidney): no safety fact.
KIDNEY_TRANSPLANT_NO_FACT_CPT: Mapping[str, str] = {
    "50380": "Renal autotransplantation, reimplantation of kidney",  # [VSAC-KTX] not an allograft
}

# --- Serious infection ----------------------------------------------------------------------

#: Active serious infection (ICD-10-CM prefixes). ICD-10-CM has no A16. A 7th character S
#: (sequela) on a T code is not an active infection (``_is_sequela``).
SERIOUS_INFECTION_ICD10CM: Mapping[str, str] = {
    "A40": "Streptococcal sepsis",  # [CDC-ICD10CM], [VSAC-SEPSIS]
    "A41": "Other sepsis",  # [CDC-ICD10CM], [VSAC-SEPSIS]
    "R65.2": "Severe sepsis",  # [CDC-ICD10CM], [VSAC-SEPSIS] (R65.20, R65.21)
    "A02.1": "Salmonella sepsis",  # [CDC-ICD10CM]
    "A22.7": "Anthrax sepsis",  # [CDC-ICD10CM]
    "A26.7": "Erysipelothrix sepsis",  # [CDC-ICD10CM]
    "A32.7": "Listerial sepsis",  # [CDC-ICD10CM], [VSAC-SEPSIS]
    "A42.7": "Actinomycotic sepsis",  # [CDC-ICD10CM]
    "A54.86": "Gonococcal sepsis",  # [CDC-ICD10CM]
    "B37.7": "Candidal sepsis",  # [CDC-ICD10CM]
    "A39.2": "Acute meningococcemia",  # [CDC-ICD10CM]
    "A39.4": "Meningococcemia, unspecified",  # [CDC-ICD10CM]
    "R78.81": "Bacteremia",  # [CDC-ICD10CM]
    "O85": "Puerperal sepsis",  # [CDC-ICD10CM], [VSAC-SEPSIS]
    "O86.04": "Sepsis following an obstetrical procedure",  # [CDC-ICD10CM], [VSAC-SEPSIS]
    # [CDC-ICD10CM], [VSAC-SEPSIS] (7th char S = sequela: exclude)
    "T81.44": "Sepsis following a procedure",
    # [CDC-ICD10CM], [VSAC-SEPSIS] (7th char S = sequela: exclude)
    "T81.12": "Postprocedural septic shock",
    "A15": "Respiratory tuberculosis",  # [CDC-ICD10CM], [VSAC-ACTIVE-TB]
    "A17": "Tuberculosis of nervous system",  # [CDC-ICD10CM], [VSAC-ACTIVE-TB]
    "A18": "Tuberculosis of other organs",  # [CDC-ICD10CM], [VSAC-ACTIVE-TB]
    "A19": "Miliary tuberculosis",  # [CDC-ICD10CM], [VSAC-ACTIVE-TB]
    "J12": "Viral pneumonia, not elsewhere classified",  # [CDC-ICD10CM]
    "J13": "Pneumonia due to Streptococcus pneumoniae",  # [CDC-ICD10CM]
    "J14": "Pneumonia due to Hemophilus influenzae",  # [CDC-ICD10CM]
    "J15": "Bacterial pneumonia, not elsewhere classified",  # [CDC-ICD10CM]
    "J16": "Pneumonia due to other infectious organisms, not elsewhere classified",  # [CDC-ICD10CM]
    "J17": "Pneumonia in diseases classified elsewhere",  # [CDC-ICD10CM]
    "J18": "Pneumonia, unspecified organism",  # [CDC-ICD10CM]
    "J85": "Abscess of lung and mediastinum",  # [CDC-ICD10CM]
    "J86": "Pyothorax",  # [CDC-ICD10CM]
    "B59": "Pneumocystosis",  # [CDC-ICD10CM]
    "B25": "Cytomegaloviral disease",  # [CDC-ICD10CM]
    # [CDC-ICD10CM] (B44.0 Invasive pulmonary aspergillosis, B44.7 Disseminated)
    "B44": "Aspergillosis",
    "B45": "Cryptococcosis",  # [CDC-ICD10CM]
    "B46": "Zygomycosis",  # [CDC-ICD10CM]
    "B38": "Coccidioidomycosis",  # [CDC-ICD10CM]
    "B39": "Histoplasmosis",  # [CDC-ICD10CM]
    "B40": "Blastomycosis",  # [CDC-ICD10CM]
    "B41": "Paracoccidioidomycosis",  # [CDC-ICD10CM]
    "B37.1": "Pulmonary candidiasis",  # [CDC-ICD10CM]
    "B37.5": "Candidal meningitis",  # [CDC-ICD10CM]
    "B37.6": "Candidal endocarditis",  # [CDC-ICD10CM]
    "I33.0": "Acute and subacute infective endocarditis",  # [CDC-ICD10CM]
    "G00": "Bacterial meningitis, not elsewhere classified",  # [CDC-ICD10CM]
    "G01": "Meningitis in bacterial diseases classified elsewhere",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "G02": "Meningitis in other infectious and parasitic diseases classified elsewhere",
    "A39.0": "Meningococcal meningitis",  # [CDC-ICD10CM]
    "A87": "Viral meningitis",  # [CDC-ICD10CM]
    "G06": "Intracranial and intraspinal abscess and granuloma",  # [CDC-ICD10CM]
    "M86": "Osteomyelitis",  # [CDC-ICD10CM]
    "M46.2": "Osteomyelitis of vertebra",  # [CDC-ICD10CM]
    "M00": "Pyogenic arthritis",  # [CDC-ICD10CM]
    # [CDC-ICD10CM]
    "M01": "Direct infections of joint in infectious and parasitic diseases classified elsewhere",
    "T86.13": "Kidney transplant infection",  # [CDC-ICD10CM]
}

#: Not an active serious infection: latent tuberculosis, lupus (Libman-Sacks) endocarditis,
#: and codes too broad to say (clinician review, not a hold).
SERIOUS_INFECTION_NO_FACT_ICD10CM: Mapping[str, str] = {
    "Z22.7": "Latent tuberculosis",  # [CDC-ICD10CM] latent, not active
    # [CDC-ICD10CM] positive TST/IGRA without active tuberculosis
    "R76.1": "Nonspecific reaction to test for tuberculosis",
    # [CDC-ICD10CM] Libman-Sacks: lupus, not an infection
    "M32.11": "Endocarditis in systemic lupus erythematosus",
    # [CDC-ICD10CM] infective or not: review
    "I33.9": "Acute and subacute endocarditis, unspecified",
    # [CDC-ICD10CM] includes lupus (Libman-Sacks) endocarditis
    "I39": "Endocarditis and heart valve disorders in diseases classified elsewhere",
    # [CDC-ICD10CM] includes aseptic (lupus, drug) meningitis
    "G03": "Meningitis due to other and unspecified causes",
    "B48": "Other mycoses, not elsewhere classified",  # [CDC-ICD10CM] too broad
    "B49": "Unspecified mycosis",  # [CDC-ICD10CM] too broad
}

#: Active serious infection (SNOMED CT).
SERIOUS_INFECTION_SNOMED: Mapping[str, str] = {
    "91302008": "Sepsis (disorder)",  # [SYNTHEA-SEPSIS], [OHDSI-PL], [PEDSNET-SEPSIS]
    "10001005": "Bacterial sepsis",  # [OHDSI-PL]
    "76571007": "Septic shock (disorder)",  # [SYNTHEA-COVID], [OHDSI-PL], [PEDSNET-SHOCK]
    "447931005": "Clinical sepsis",  # [PEDSNET-SEPSIS]
    "238150007": "Sepsis syndrome",  # [PEDSNET-SEPSIS]
    "789043007": "Sepsis without septic shock",  # [PEDSNET-SEPSIS]
    "443980004": "Neutropenic sepsis",  # [PEDSNET-SEPSIS]
    "770349000": "Sepsis caused by virus (disorder)",  # [SYNTHEA-COVID], [PEDSNET-SEPSIS]
    # [SYNTHEA-CF], [OHDSI-PL] ("Sepsis due to …")
    "448417001": "Sepsis caused by Staphylococcus aureus (disorder)",
    # [SYNTHEA-CF], [OHDSI-PL] ("Sepsis due to …")
    "448813005": "Sepsis caused by Pseudomonas (disorder)",
    "447841007": "Sepsis due to Candida",  # [OHDSI-PL]
    "698819004": "Postoperative sepsis (disorder)",  # [SYNTHEA-CABG]
    "5758002": "Bacteremia (finding)",  # [SYNTHEA-AML], [OHDSI-PL]
    "409089005": "Febrile neutropenia (disorder)",  # [SYNTHEA-AML], [OHDSI-PL], [VSAC-IMMUNOCOMP]
    "233604007": "Pneumonia (disorder)",  # [VSAC-RESP-COMPETE], [OHDSI-PL], [PEDSNET-PNEU]
    "385093006": "Community acquired pneumonia (disorder)",  # [VSAC-RESP-COMPETE], [PEDSNET-PNEU]
    # [VSAC-RESP-COMPETE], [OHDSI-PL], [PEDSNET-RESP]
    "233607000": "Pneumococcal pneumonia (disorder)",
    "56717001": "Tuberculosis (disorder)",  # [VSAC-TB-URO], [VSAC-RESP-COMORB], [OHDSI-PL]
    "25629007": "Acute tuberculosis (disorder)",  # [VSAC-ACTIVE-TB], [VSAC-TB-URO]
    "154283005": "Pulmonary tuberculosis (disorder)",  # [VSAC-TB-URO], [OHDSI-PL], [PEDSNET-RESP]
    "47604008": "Miliary tuberculosis (disorder)",  # [VSAC-TB-URO], [OHDSI-PL]
    # [VSAC-TB-URO], [OHDSI-PL], [PEDSNET-RESP]
    "186177005": "Tuberculosis of lung with cavitation (disorder)",
    "721804002": "Infection of lung caused by Pneumocystis",  # [PEDSNET-RESP]
    "88860002": "Pneumocystosis",  # [OHDSI-PL]
    "186696008": "Cytomegalovirus pneumonia",  # [PEDSNET-RESP]
    "3214003": "Invasive pulmonary aspergillosis",  # [OHDSI-PL], [PEDSNET-RESP]
    "65553006": "Aspergillosis",  # [OHDSI-PL]
    "70572005": "Invasive candidiasis",  # [OHDSI-PL]
    "42386007": "Cryptococcosis",  # [OHDSI-PL]
    "14232007": "Cryptococcal meningitis",  # [OHDSI-PL]
    "233614003": "Pulmonary mucormycosis (disorder)",  # [VSAC-RESP-COMPETE], [PEDSNET-RESP]
    "187100003": "Rhinocerebral mucormycosis",  # [PEDSNET-RESP]
    "12962009": "Histoplasmosis",  # [OHDSI-PL]
    "233850007": "Infective endocarditis",  # [OHDSI-PL]
    "95883001": "Bacterial meningitis",  # [OHDSI-PL]
    "60168000": "Osteomyelitis",  # [OHDSI-PL]
    "409780002": "Acute osteomyelitis",  # [OHDSI-PL]
    "40970001": "Chronic osteomyelitis",  # [OHDSI-PL]
    "396234004": "Infective arthritis",  # [OHDSI-PL]
    "48245008": "Bacterial arthritis",  # [OHDSI-PL]
}

#: Not an active serious infection: lupus endocarditis, inactive tuberculosis, and broad
#: parents (clinician review, not a hold).
SERIOUS_INFECTION_NO_FACT_SNOMED: Mapping[str, str] = {
    "72181000119109": "Endocarditis due to systemic lupus erythematosus",  # [OHDSI-PL]
    "428697002": "Inactive tuberculosis of lung",  # [PEDSNET-RESP]
    "28944009": "Cytomegalovirus infection",  # [OHDSI-PL]
    "7180009": "Meningitis",  # [OHDSI-PL] (includes aseptic/lupus)
    "56819008": "Endocarditis",  # [OHDSI-PL] (includes Libman-Sacks)
    "3218000": "Mycosis",  # [OHDSI-PL] (includes superficial)
    "78048006": "Candidiasis",  # [OHDSI-PL] (includes thrush)
}

# --- Child-bearing potential ----------------------------------------------------------------

#: Postmenopausal state, premature menopause, ovarian failure after a procedure.
POSTMENOPAUSAL_ICD10CM: Mapping[str, str] = {
    "Z78.0": "Asymptomatic menopausal state",  # [CDC-ICD10CM]
    "E28.31": "Premature menopause",  # [CDC-ICD10CM], [VSAC-PREM-MENO] (E28.310, E28.319)
    "E89.4": "Postprocedural ovarian failure",  # [CDC-ICD10CM] (E89.40, E89.41)
}

#: Postmenopausal state (SNOMED CT).
POSTMENOPAUSAL_SNOMED: Mapping[str, str] = {
    "76498008": "Postmenopausal state (finding)",  # [MII-MENOPAUSE-VS]
    "307429007": "After menopause",  # [OHDSI-PL]
    "161712005": "Menopause",  # [OHDSI-PL]
    "373717006": "Premature menopause (finding)",  # [VSAC-PREM-MENO]
}

#: Uterus absent. Z90.712 (cervix absent, uterus remaining) is not: see
#: ``CHILDBEARING_NO_FACT_ICD10CM``.
NO_UTERUS_ICD10CM: Mapping[str, str] = {
    "Z90.710": "Acquired absence of both cervix and uterus",  # [CDC-ICD10CM], [VSAC-NO-CERVIX]
    "Z90.711": "Acquired absence of uterus with remaining cervical stump",  # [CDC-ICD10CM]
}

#: Hysterectomy (status and procedures; the uterus is removed).
NO_UTERUS_SNOMED: Mapping[str, str] = {
    "428078001": "History of total hysterectomy (situation)",  # [VSAC-NO-CERVIX]
    "429290001": "History of radical hysterectomy (situation)",  # [VSAC-NO-CERVIX]
    # [VSAC-NO-CERVIX]
    "429763009": "History of total hysterectomy with bilateral salpingo-oophorectomy (situation)",
    "473171009": "History of vaginal hysterectomy (situation)",  # [VSAC-HYST-NORESID]
    "236886002": "Hysterectomy (procedure)",  # [VSAC-HYST], [OHDSI-PL]
    "116140006": "Total hysterectomy (procedure)",  # [VSAC-HYST], [VSAC-HYST-NORESID]
    "116141005": "Abdominal hysterectomy (procedure)",  # [VSAC-HYST]
    "116143008": "Total abdominal hysterectomy (procedure)",  # [VSAC-HYST], [VSAC-HYST-NORESID]
    # [VSAC-HYST], [VSAC-HYST-NORESID]
    "116144002": "Total abdominal hysterectomy with bilateral salpingo-oophorectomy (procedure)",
    # [VSAC-HYST], [VSAC-BILAT-OOPH]
    "86477000": "Total hysterectomy with removal of both tubes and ovaries (procedure)",
    "176795006": "Subtotal abdominal hysterectomy (procedure)",  # [VSAC-HYST], [OHDSI-PL]
    "265056007": "Vaginal hysterectomy (procedure)",  # [VSAC-HYST], [OHDSI-PL]
    "236888001": "Laparoscopic total hysterectomy (procedure)",  # [VSAC-HYST], [VSAC-HYST-NORESID]
    # [VSAC-HYST], [VSAC-HYST-NORESID]
    "708877008": "Laparoscopic total hysterectomy using robotic assistance (procedure)",
    # [VSAC-BILAT-OOPH]
    "29529008": "Supracervical hysterectomy with removal of both tubes and ovaries (procedure)",
    # [VSAC-BILAT-OOPH], [OHDSI-PL]
    "441820006": (
        "Laparoscopy assisted vaginal hysterectomy with bilateral salpingo-oophorectomy (procedure)"
    ),
}

#: Both ovaries absent (Z90.721, one ovary, is not).
BILATERAL_OOPHORECTOMY_ICD10CM: Mapping[str, str] = {
    "Z90.722": "Acquired absence of ovaries, bilateral",  # [CDC-ICD10CM]
}

#: Bilateral oophorectomy (SNOMED CT).
BILATERAL_OOPHORECTOMY_SNOMED: Mapping[str, str] = {
    # [VSAC-BILAT-OOPH]; also displayed "Bilateral oophorectomy (procedure)" [VSAC-GYN-SURG]
    "76876009": "Excision of bilateral ovaries (procedure)",
    # [VSAC-BILAT-OOPH]
    "29827000": "Excision of bilateral fallopian tubes and ovaries (procedure)",
    "609275002": "Laparoscopic bilateral oophorectomy (procedure)",  # [VSAC-MAJOR-SURG]
    "609230000": "Laparoscopic bilateral salpingo-oophorectomy (procedure)",  # [VSAC-MAJOR-SURG]
    # [VSAC-MAJOR-SURG]
    "708816008": (
        "Laparoscopic bilateral salpingo-oophorectomy using robotic assistance (procedure)"
    ),
}

#: Tubal ligation status.
TUBAL_STERILISATION_ICD10CM: Mapping[str, str] = {
    "Z98.51": "Tubal ligation status",  # [CDC-ICD10CM], [VSAC-SEXACT-DX]
}

#: Female sterilisation (SNOMED CT).
TUBAL_STERILISATION_SNOMED: Mapping[str, str] = {
    "287664005": "Ligation of bilateral fallopian tubes (procedure)",  # [SYNTHEA-FSTER]
    "267020005": "History of tubal ligation (situation)",  # [SYNTHEA-FSTER]
    "25811000": "Total excision of bilateral fallopian tubes (procedure)",  # [VSAC-GYN-SURG]
    "287945002": "Resection of bilateral fallopian tubes (procedure)",  # [VSAC-GYN-SURG]
}

#: Female sterilisation (CPT).
TUBAL_STERILISATION_CPT: Mapping[str, str] = {
    # [VSAC-SEXACT-PROC]
    "58600": (
        "Ligation or transection of fallopian tube(s), abdominal or vaginal approach, unilateral "
        "or bilateral"
    ),
    # [VSAC-SEXACT-PROC]
    "58605": (
        "Ligation or transection of fallopian tube(s), abdominal or vaginal approach, postpartum,"
        " unilateral or bilateral, during same hospitalization (separate procedure)"
    ),
}

#: Known codes that do not remove child-bearing potential.
CHILDBEARING_NO_FACT_ICD10CM: Mapping[str, str] = {
    # [CDC-ICD10CM] the uterus remains
    "Z90.712": "Acquired absence of cervix with remaining uterus",
    "N95.1": "Menopausal and female climacteric states",  # [CDC-ICD10CM] may be perimenopausal
    "Z30.2": "Encounter for sterilization",  # [CDC-ICD10CM] may be before the procedure
    # [CDC-ICD10CM] contraception, not sterility
    "Z97.5": "Presence of (intrauterine) contraceptive device",
}

#: Known codes that do not remove child-bearing potential: premenopausal state, and
#: operations in hysterectomy-named value sets that leave the uterus.
CHILDBEARING_NO_FACT_SNOMED: Mapping[str, str] = {
    "22636003": "Premenopausal state (finding)",  # [MII-MENOPAUSE-VS]
    "176873000": "Transcervical resection endometrium (procedure)",  # [VSAC-HYST]
    "387626007": "Amputation of cervix (procedure)",  # [VSAC-HYST-NORESID]
    "28301000": "Manchester-Fothergill operation on uterus (procedure)",  # [VSAC-HYST-NORESID]
}


# --- Pregnancy test results ----------------------------------------------------------------------

V3_INTERPRETATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


class Reading(StrEnum):
    """What a pregnancy test's answer says."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    INDETERMINATE = "indeterminate"  # unknown, possible, equivocal: neither


#: Observation.valueCodeableConcept codings of a pregnancy test or a pregnancy status.
PREGNANCY_ANSWERS: Mapping[tuple[str, str], tuple[Reading, str]] = {
    # [SYNTHEA-GU-PREG], [OHDSI-PL]; LOINC answer list LL360-9 Positive = 10828004 [LOINC-80385-8]
    (SNOMED_SYSTEM, "10828004"): (Reading.POSITIVE, "Positive (qualifier value)"),
    (LOINC_SYSTEM, "LA6576-8"): (Reading.POSITIVE, "Positive"),  # [HL7-GENOMICS-EX]
    (SNOMED_SYSTEM, "260373001"): (Reading.POSITIVE, "Detected (qualifier value)"),  # [OHDSI-PL]
    # [WHO-SMART-IMMZ], [IPS-PREG-MAP], [ISIK-PREG], [IHE-MAPS]
    (LOINC_SYSTEM, "LA15173-0"): (Reading.POSITIVE, "Pregnant"),
    # [WHO-SMART-IMMZ], [IPS-PREG-MAP], [USCORE-PREGSTATUS], [SYNTHEA-PREG]
    (SNOMED_SYSTEM, "77386006"): (Reading.POSITIVE, "Pregnant"),
    (SNOMED_SYSTEM, "260385009"): (
        Reading.NEGATIVE,
        "Negative (qualifier value)",
    ),  # [SYNTHEA-GU-PREG]
    (SNOMED_SYSTEM, "260415000"): (
        Reading.NEGATIVE,
        "Not detected (qualifier value)",
    ),  # [OHDSI-PL]
    # [WHO-SMART-IMMZ], [IPS-PREG-MAP], [ISIK-PREG]
    (LOINC_SYSTEM, "LA26683-5"): (Reading.NEGATIVE, "Not pregnant"),
    # [WHO-SMART-IMMZ], [IPS-PREG-MAP], [VSAC-COMPL-PREG]
    (SNOMED_SYSTEM, "60001007"): (Reading.NEGATIVE, "Not pregnant"),
    (LOINC_SYSTEM, "LA4489-6"): (Reading.INDETERMINATE, "Unknown"),  # [WHO-SMART-IMMZ], [ISIK-PREG]
    (SNOMED_SYSTEM, "261665006"): (Reading.INDETERMINATE, "Unknown"),  # [WHO-SMART-IMMZ]
    # [VSAC-COMPL-PREG]; IPS maps LA4489-6 "Unknown" as narrower to it [IPS-PREG-MAP]
    (SNOMED_SYSTEM, "102874004"): (Reading.INDETERMINATE, "Possible pregnancy (finding)"),
    (SNOMED_SYSTEM, "146799005"): (Reading.INDETERMINATE, "possible pregnancy"),  # [DICOM-CID6096]
}

#: Observation.interpretation codings [THO-OBSINTERP].
INTERPRETATION_READINGS: Mapping[str, Reading] = {
    "POS": Reading.POSITIVE,
    "DET": Reading.POSITIVE,
    "NEG": Reading.NEGATIVE,
    "ND": Reading.NEGATIVE,
}

# CHOICE: no guideline states the hCG level at which a quantitative result is a positive or a
# negative pregnancy test. Laboratories call < 5 IU/L negative [MAYO-THCG], [FAIRVIEW-HCG];
# qualitative tests detect 25 mIU/mL (= 25 IU/L) [MAYO-UHCG], [LOINC-80385-8]; 5-25 may be an
# early pregnancy and is repeated in 48 h [UNITYPOINT-HCG], [PRMC-HCG]. So: >= 25 positive,
# < 5 negative, anything between is neither (no test is recorded; a repeat decides).
HCG_POSITIVE_MIN_IU_L = 25.0
HCG_NEGATIVE_BELOW_IU_L = 5.0


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
