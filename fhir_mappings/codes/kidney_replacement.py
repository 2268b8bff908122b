"""Kidney failure, dialysis and kidney transplant (SNOMED CT, ICD-10-CM, CPT).

Part of the safety context's code sets; sources by tag, listed in
``docs/clinical-sources.md``. ``fhir_mappings.codes.safety`` reads these tables.
"""

from __future__ import annotations

from collections.abc import Mapping

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
