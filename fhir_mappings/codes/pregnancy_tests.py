"""How a pregnancy test or a recorded pregnancy status reads (answers, interpretations, words).

Part of the safety context's code sets; sources by tag, listed in
``docs/clinical-sources.md``. ``fhir_mappings.codes.safety`` reads these tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from fhir_mappings.codes.conditions import SNOMED_SYSTEM
from fhir_mappings.codes.loinc import LOINC_SYSTEM

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
