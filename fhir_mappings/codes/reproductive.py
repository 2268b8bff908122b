"""Child-bearing potential removed: menopause, no uterus, no ovaries, sterilisation.

Part of the safety context's code sets; sources by tag, listed in
``docs/clinical-sources.md``. ``fhir_mappings.codes.safety`` reads these tables.
"""

from __future__ import annotations

from collections.abc import Mapping

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
