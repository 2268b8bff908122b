"""Active serious infection, and what is not one (SNOMED CT, ICD-10-CM).

Part of the safety context's code sets; sources by tag, listed in
``docs/clinical-sources.md``. ``fhir_mappings.codes.safety`` reads these tables.
"""

from __future__ import annotations

from collections.abc import Mapping

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
