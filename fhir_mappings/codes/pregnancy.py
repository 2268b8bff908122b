"""Pregnancy: ongoing, possible, not viable, ended (SNOMED CT, ICD-10-CM).

Part of the safety context's code sets; sources by tag, listed in
``docs/clinical-sources.md``. ``fhir_mappings.codes.safety`` reads these tables.
"""

from __future__ import annotations

from collections.abc import Mapping

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
