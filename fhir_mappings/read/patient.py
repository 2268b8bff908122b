"""Patient -> ``PatientRecord``: death, birth date, sex.

* **Death** [FHIR-R4-PATIENT-DEPS]: ``deceasedBoolean`` true, or any ``deceasedDateTime``
  (a date, or even a value that cannot be read as one: the record says the patient died).
  ``deceased_on`` is the date when it can be read. ``deceasedBoolean`` false or no
  ``deceased[x]`` is not deceased (most systems leave it out for the living).
* **Birth date**: ``birthDate``; a partial date reads as its first day ("1990" ->
  1990-01-01, "1990-06" -> 1990-06-01), so an age can be a year too high near the
  birthday; an unreadable date is ``None``.
* **Sex**: ``gender`` (AdministrativeGender: female, male, other, unknown)
  [FHIR-R4-ADMINGENDER]. When it is missing, unreadable or ``unknown``, the US Core Birth Sex
  extension is read (F, M, UNK) [USCORE-BIRTHSEX-VS], [USCORE-BIRTHSEX-EXT]. Neither ->
  ``Sex.UNKNOWN``. Administrative gender is not sex at birth; since US Core 7 the birth-sex
  extension is no longer required, so many servers send neither.

Never raises on any JSON. Sources are listed in ``docs/clinical-sources.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_mappings.facts import PatientRecord, Sex
from fhir_mappings.read._access import as_dict, as_str, dicts, parse_date, source_id

#: US Core Birth Sex extension [USCORE-BIRTHSEX-EXT].
US_CORE_BIRTHSEX_URL = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
#: AdministrativeGender codes [FHIR-R4-ADMINGENDER].
GENDER: Mapping[str, Sex] = {
    "female": Sex.FEMALE,
    "male": Sex.MALE,
    "other": Sex.OTHER,
    "unknown": Sex.UNKNOWN,
}
#: US Core Birth Sex value set: F, M (v3-AdministrativeGender), UNK (v3-NullFlavor)
#: [USCORE-BIRTHSEX-VS].
BIRTH_SEX: Mapping[str, Sex] = {"F": Sex.FEMALE, "M": Sex.MALE, "UNK": Sex.UNKNOWN}


def _birth_sex(patient: Mapping[str, Any]) -> Sex | None:
    for extension in dicts(patient.get("extension")):
        if as_str(extension.get("url")) != US_CORE_BIRTHSEX_URL:
            continue
        code = as_str(extension.get("valueCode")) or as_str(
            as_dict(extension.get("valueCoding")).get("code")
        )
        if code is not None:
            return BIRTH_SEX.get(code.strip().upper())
    return None


def _sex(patient: Mapping[str, Any]) -> Sex:
    gender = as_str(patient.get("gender"))
    sex = GENDER.get(gender.strip().lower()) if gender is not None else None
    if sex is not None and sex is not Sex.UNKNOWN:
        return sex
    return _birth_sex(patient) or Sex.UNKNOWN


def read_patient(patient: object) -> PatientRecord | None:
    """The Patient resource read for safety; ``None`` when there is no Patient."""
    if not isinstance(patient, Mapping):
        return None
    rtype = patient.get("resourceType")
    if rtype is not None and rtype != "Patient":
        return None
    deceased_time = patient.get("deceasedDateTime")
    deceased_on = parse_date(deceased_time)
    deceased = patient.get("deceasedBoolean") is True or as_str(deceased_time) is not None
    return PatientRecord(
        source_id=source_id(patient),
        deceased=deceased,
        deceased_on=deceased_on,
        birth_date=parse_date(patient.get("birthDate")),
        sex=_sex(patient),
    )
