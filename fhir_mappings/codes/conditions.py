"""Lupus nephritis and kidney biopsy code sets (ICD-10-CM, SNOMED CT, CPT), sources cited.

Sources (each listed in ``docs/clinical-sources.md``):

* ``[ICD10CM]`` the CDC/NCHS ICD-10-CM tabular list (M32.14 "Glomerular disease in
  systemic lupus erythematosus").
* ``[SCT]`` SNOMED CT International (197608009 "Lupus nephritis", 308751000119106,
  295101000119105), as in the public SLE code lists below.
* ``[ICD-M32.15]`` ICD-10-CM M32.15 "Tubulo-interstitial nephropathy in systemic lupus
  erythematosus", a billable leaf under M32.1 in the CDC/NCHS tabular list
  (``[CDC-ICD10CM]``, FY2026).
* ``[SCT-SLE]`` SNOMED CT fully specified names in public SLE code lists (a CCU037 NHS
  Digital TRE notebook and the GM-SDE SLE code set):
  68815009 "Systemic lupus erythematosus glomerulonephritis syndrome (disorder)";
  73286009 / 4676006 / 76521009 / 36402006 / 52042003 / 11013005 "... World Health
  Organization class I / II / III / IV / V / VI (disorder)"; 307755009 "Renal
  tubulo-interstitial disorder in systemic lupus erythematosus (disorder)";
  308751000119106 "Glomerular disease due to systemic lupus erythematosus (disorder)";
  295101000119105 "Nephropathy co-occurrent and due to systemic lupus erythematosus
  (disorder)"; 1144973003 "Disorder of kidney due to systemic lupus erythematosus";
  295111000119108 "Nephrotic syndrome co-occurrent and due to systemic lupus
  erythematosus (disorder)".
* ``[CPT]`` AMA CPT descriptors quoted by codingahead.com and carepatron.com:
  50200 "Renal biopsy; percutaneous, by trocar or needle", 50205 "Renal biopsy; by
  surgical exposure of kidney". CPT system URI ``http://www.ama-assn.org/go/cpt`` as
  used by NLM VSAC FHIR value sets.
* ``[SCT-BX]`` SNOMED CT editorial guide, biopsy examples: 48426002 "Fine needle biopsy
  of kidney (procedure)".
* ``[PEDSNET-KBX]`` PEDSnet Variable Dictionary, procedures/px_2023_04_KidneyBiopsy_V1.csv
  (SNOMED CT, CPT; OMOP concept names, without semantic tags).
  https://github.com/PEDSnet/Variable-Dictionary
* ``[OHDSI-PL]`` OHDSI Phenotype Library concept sets. https://github.com/OHDSI/PhenotypeLibrary
* ``[VSAC-MAJOR-SURG]`` NLM VSAC "Major Surgical Procedure", 2.16.840.1.113883.3.3157.4056,
  v20190216.

Kidney biopsies are of the native kidneys. A biopsy of a transplanted kidney (440512006,
6501000179109 in [PEDSNET-KBX]) is a transplant fact (``codes.safety``), not a lupus
nephritis repeat biopsy, and is left out here; the text fallback skips text naming a
transplant or graft for the same reason. Biopsies of a renal *lesion* (175962002, 175967008,
426606005) sample a mass, not the kidney tissue that shows lupus nephritis, and are left out.

WHO classes and ISN/RPS classes: the ISN/RPS 2003 classification keeps the WHO class
numbers I-VI, so a SNOMED "WHO class IV" concept is read as ISN/RPS class IV.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

ICD10CM_SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED_SYSTEM = "http://snomed.info/sct"
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
#: Pseudo-system of facts recognised from free text only (``code`` is the text itself).
TEXT_SYSTEM = "text"

#: ICD-10-CM codes of lupus nephritis. ICD-10-CM codes may arrive without the dot.
LN_ICD10CM: Mapping[str, str] = {
    "M32.14": "Glomerular disease in systemic lupus erythematosus",  # [ICD10CM]
    "M32.15": "Tubulo-interstitial nephropathy in systemic lupus erythematosus",  # [ICD-M32.15]
}

#: SNOMED CT concepts of lupus nephritis -> ISN/RPS (WHO) class, if the concept states one.
LN_SNOMED: Mapping[str, tuple[str, str | None]] = {
    "197608009": ("Lupus nephritis", None),  # [SCT]
    "308751000119106": ("Glomerular disease due to SLE", None),  # [SCT], [SCT-SLE]
    "295101000119105": ("Nephropathy co-occurrent and due to SLE", None),  # [SCT], [SCT-SLE]
    "68815009": ("SLE glomerulonephritis syndrome", None),  # [SCT-SLE]
    "307755009": ("Renal tubulo-interstitial disorder in SLE", None),  # [SCT-SLE]
    "1144973003": ("Disorder of kidney due to SLE", None),  # [SCT-SLE]
    "295111000119108": ("Nephrotic syndrome co-occurrent and due to SLE", None),  # [SCT-SLE]
    "73286009": ("SLE glomerulonephritis syndrome, WHO class I", "I"),  # [SCT-SLE]
    "4676006": ("SLE glomerulonephritis syndrome, WHO class II", "II"),  # [SCT-SLE]
    "76521009": ("SLE glomerulonephritis syndrome, WHO class III", "III"),  # [SCT-SLE]
    "36402006": ("SLE glomerulonephritis syndrome, WHO class IV", "IV"),  # [SCT-SLE]
    "52042003": ("SLE glomerulonephritis syndrome, WHO class V", "V"),  # [SCT-SLE]
    "11013005": ("SLE glomerulonephritis syndrome, WHO class VI", "VI"),  # [SCT-SLE]
}

#: Kidney biopsy procedure codes.
KIDNEY_BIOPSY_CPT: Mapping[str, str] = {
    "50200": "Renal biopsy; percutaneous, by trocar or needle",  # [CPT]
    "50205": "Renal biopsy; by surgical exposure of kidney",  # [CPT]
}
KIDNEY_BIOPSY_SNOMED: Mapping[str, str] = {
    "7246002": "Kidney biopsy",  # [PEDSNET-KBX], [OHDSI-PL]
    "48426002": "Fine needle biopsy of kidney",  # [SCT-BX], [PEDSNET-KBX]
    "275155009": "Needle biopsy of kidney",  # [PEDSNET-KBX]
    "10106002": "Core needle biopsy of kidney",  # [PEDSNET-KBX]
    "274326000": "Percutaneous renal needle biopsy",  # [PEDSNET-KBX]
    "408071000119106": "Ultrasonography guided percutaneous renal needle biopsy",  # [PEDSNET-KBX]
    "438813007": "Biopsy of kidney using ultrasound guidance",  # [PEDSNET-KBX]
    "419174006": "US scan and biopsy of kidney",  # [PEDSNET-KBX]
    "438820000": "CT guided biopsy of kidney",  # [PEDSNET-KBX]
    "407981000119107": "CT guided percutaneous biopsy of kidney",  # [PEDSNET-KBX]
    "408451000119106": "Fluoroscopy guided percutaneous biopsy of kidney",  # [PEDSNET-KBX]
    "447393003": "Biopsy of kidney using fluoroscopic guidance",  # [PEDSNET-KBX]
    # [PEDSNET-KBX]
    "431662003": "Percutaneous transjugular biopsy of kidney using fluoroscopic guidance",
    # [PEDSNET-KBX]
    "708688004": "Imaging guided percutaneous fine needle aspiration biopsy of kidney",
    "16451571000119101": "Ultrasonography guided needle biopsy of right kidney",  # [PEDSNET-KBX]
    "16451621000119103": "Ultrasonography guided needle biopsy of left kidney",  # [PEDSNET-KBX]
    # [PEDSNET-KBX]
    "16460061000119103": "Ultrasonography guided percutaneous needle biopsy of left kidney",
    # [PEDSNET-KBX]
    "16460111000119102": "Ultrasonography guided percutaneous needle biopsy of right kidney",
    "16549791000119102": "CT guided needle biopsy of left kidney",  # [PEDSNET-KBX]
    "16549841000119104": "CT guided needle biopsy of right kidney",  # [PEDSNET-KBX]
    "769246001": "Closed renal biopsy",  # [PEDSNET-KBX]
    "274358005": "Surgical biopsy of kidney (procedure)",  # [VSAC-MAJOR-SURG], [PEDSNET-KBX]
    "40134000": "Open biopsy of kidney (procedure)",  # [VSAC-MAJOR-SURG], [PEDSNET-KBX]
    "116029000": "Wedge biopsy of kidney (procedure)",  # [VSAC-MAJOR-SURG], [PEDSNET-KBX]
    "116243001": "Incisional biopsy of kidney (procedure)",  # [VSAC-MAJOR-SURG], [PEDSNET-KBX]
}

_ROMAN: Mapping[str, str] = {
    "1": "I",
    "2": "II",
    "3": "III",
    "4": "IV",
    "5": "V",
    "6": "VI",
    "i": "I",
    "ii": "II",
    "iii": "III",
    "iv": "IV",
    "v": "V",
    "vi": "VI",
}
_CLASS_TOKEN = r"(vi|iv|v|i{1,3}|[1-6])"
_CLASS_RE = re.compile(
    rf"\bclass(?:es)?\s*{_CLASS_TOKEN}(?![a-z0-9])"
    rf"(?:\s*(?:\+|/|&|and|with|plus)\s*(?:class\s*)?{_CLASS_TOKEN}(?![a-z0-9]))?",
    re.IGNORECASE,
)
_CLASS_ORDER = ("I", "II", "III", "IV", "V", "VI")

#: Free-text fallbacks (last resort, after every coding failed).
_LN_TEXT_RE = re.compile(
    r"\blupus\s+(?:glomerulo)?nephritis\b|\bsle\s+(?:glomerulo)?nephritis\b", re.IGNORECASE
)
#: Text that negates or doubts the diagnosis: such text is not read as lupus nephritis.
_NEGATION_RE = re.compile(
    r"\b(?:no|not|without|negative\s+for|rule\s+out|ruled\s+out|r/o|possible|suspected|"
    r"probable|query|\?)\s",
    re.IGNORECASE,
)
_BIOPSY_TEXT_RE = re.compile(
    r"\b(?:kidney|renal)\b[^.;]*\bbiops(?:y|ies)\b|\bbiops(?:y|ies)\b[^.;]*\b(?:kidney|renal)\b",
    re.IGNORECASE,
)
#: A biopsy of a transplanted kidney is not a native kidney biopsy.
_GRAFT_TEXT_RE = re.compile(r"\b(?:transplant\w*|graft|allograft)\b", re.IGNORECASE)
_KIDNEY_TEXT_RE = re.compile(r"\b(?:kidney|renal)\b", re.IGNORECASE)
_BIOPSY_WORD_RE = re.compile(r"\bbiops(?:y|ies)\b", re.IGNORECASE)


def _clean(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _icd_code(code: str) -> str:
    """ICD-10-CM code with its dot (``M3214`` -> ``M32.14``), upper case."""
    code = code.strip().upper()
    return code if "." in code or len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def is_lupus_nephritis_coding(system: object, code: object) -> bool:
    """True when (system, code) is a lupus nephritis code of ICD-10-CM or SNOMED CT."""
    system_s, code_s = _clean(system), _clean(code)
    if system_s is None or code_s is None:
        return False
    if system_s == ICD10CM_SYSTEM:
        return _icd_code(code_s) in LN_ICD10CM
    if system_s == SNOMED_SYSTEM:
        return code_s in LN_SNOMED
    return False


def lupus_nephritis_display(system: object, code: object) -> str | None:
    """Table display of a lupus nephritis code (``None`` if not in the value set)."""
    system_s, code_s = _clean(system), _clean(code)
    if system_s == ICD10CM_SYSTEM and code_s is not None:
        return LN_ICD10CM.get(_icd_code(code_s))
    if system_s == SNOMED_SYSTEM and code_s is not None:
        entry = LN_SNOMED.get(code_s)
        return entry[0] if entry is not None else None
    return None


def isn_rps_class_for(system: object, code: object) -> str | None:
    """ISN/RPS class stated by a coded concept (``"IV"``), else ``None``."""
    system_s, code_s = _clean(system), _clean(code)
    if system_s != SNOMED_SYSTEM or code_s is None:
        return None
    entry = LN_SNOMED.get(code_s)
    return entry[1] if entry is not None else None


def isn_rps_class_from_text(text: object) -> str | None:
    """ISN/RPS class in text: ``"class IV"`` -> ``"IV"``, ``"class III + V"`` -> ``"III+V"``."""
    clean = _clean(text)
    if clean is None:
        return None
    match = _CLASS_RE.search(clean)
    if match is None:
        return None
    classes = {_ROMAN[group.lower()] for group in match.groups() if group is not None}
    return "+".join(c for c in _CLASS_ORDER if c in classes)


def mentions_lupus_nephritis(text: object) -> bool:
    """Text fallback: names lupus nephritis and neither negates nor doubts it."""
    clean = _clean(text)
    if clean is None or _LN_TEXT_RE.search(clean) is None:
        return False
    return _NEGATION_RE.search(f"{clean} ") is None


def is_kidney_biopsy_coding(system: object, code: object) -> bool:
    """True when (system, code) is a kidney biopsy in CPT or SNOMED CT."""
    system_s, code_s = _clean(system), _clean(code)
    if system_s is None or code_s is None:
        return False
    if system_s == CPT_SYSTEM:
        return code_s in KIDNEY_BIOPSY_CPT
    if system_s == SNOMED_SYSTEM:
        return code_s in KIDNEY_BIOPSY_SNOMED
    return False


def kidney_biopsy_display(system: object, code: object) -> str | None:
    """Table display of a kidney biopsy code (``None`` if not in the value set)."""
    system_s, code_s = _clean(system), _clean(code)
    if code_s is None:
        return None
    if system_s == CPT_SYSTEM:
        return KIDNEY_BIOPSY_CPT.get(code_s)
    if system_s == SNOMED_SYSTEM:
        return KIDNEY_BIOPSY_SNOMED.get(code_s)
    return None


def mentions_kidney_biopsy(text: object, body_site_text: object = None) -> bool:
    """Text fallback: "kidney biopsy", "renal biopsy", "biopsy of kidney" ... or a
    "biopsy" whose body site text names the kidney; never a transplant or graft biopsy."""
    clean = _clean(text)
    if clean is None or _GRAFT_TEXT_RE.search(clean) is not None:
        return False
    if _BIOPSY_TEXT_RE.search(clean) is not None:
        return True
    site = _clean(body_site_text)
    return (
        site is not None
        and _BIOPSY_WORD_RE.search(clean) is not None
        and _KIDNEY_TEXT_RE.search(site) is not None
    )
