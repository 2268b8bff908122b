"""UCUM unit conversion into the canonical unit of each analyte (``facts.CANONICAL_UNIT``).

One table per analyte: accepted unit spelling -> factor to multiply by. A unit that is
not in the analyte's table converts to ``None``: the caller excludes the value and says
why. Nothing is guessed (a bare number with no unit is not converted either).

Matching: the UCUM ``code`` first, then the human ``unit`` text. Both are normalised
before lookup: surrounding and inner whitespace removed, micro sign (``µ``/``μ``) read
as ``u``, letters compared case-insensitively (``mL`` = ``ml``; no two accepted spellings
of one analyte differ only by case), and, for the urine ratios, a creatinine
annotation (``{creat}``, ``{creatinine}``, `` creat``) dropped: UCUM annotations in
braces carry no meaning for conversion (UCUM specification, section 2.1 "Annotations").

Factor sources
--------------
* ``CREATININE_MG_PER_MMOL`` = 113.12: molar mass of creatinine, 113.12 g/mol. Hence
  1 mg/mmol = 1000/113.12 mg/g = 8.84 mg/g and 1 mg/dL = 10 mg/L / 113.12 mg/mmol
  = 0.0884 mmol/L = 88.4 umol/L (the factor labs use).
* ``LB_AV_KG`` = 0.45359237: UCUM ``[lb_av]`` (avoirdupois pound) = 7000 ``[gr]``,
  ``[gr]`` = 64.79891 mg, so exactly 0.45359237 kg.
* ``IN_I_CM`` = 2.54: UCUM ``[in_i]`` (international inch) = 2.54 cm exactly.
* SI prefixes (m = 1e-3, u = 1e-6, n = 1e-9, d = 1e-1): 1 ug/mL = 1 mg/L,
  1 ng/mL = 1 ug/L, 1 g/L = 100 mg/dL.
* A day is 24 h (UCUM ``d``), so mg/(24.h) = mg/d.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from fhir_mappings.facts import Analyte

CREATININE_MG_PER_MMOL = 113.12  # g/mol = mg/mmol; see module docstring
CREATININE_UMOL_L_PER_MG_DL = 88.4  # = 10000/113.12, rounded as labs report it
LB_AV_KG = 0.45359237  # UCUM [lb_av]
IN_I_CM = 2.54  # UCUM [in_i]

# Urine protein/creatinine ratio -> g/g
_UPCR: Mapping[str, float] = {
    "g/g": 1.0,
    "mg/mg": 1.0,
    "mg/g": 1e-3,
    "g/mmol": 1.0 / (CREATININE_MG_PER_MMOL * 1e-3),  # 1 g / 0.11312 g creatinine
    "mg/mmol": 1.0 / CREATININE_MG_PER_MMOL,  # 1 mg / 113.12 mg creatinine
}

# Protein excretion in 24 h urine -> g/d
_PROTEIN_24H: Mapping[str, float] = {
    "g/d": 1.0,
    "mg/d": 1e-3,
    "g/(24.h)": 1.0,
    "mg/(24.h)": 1e-3,
    "g/24.h": 1.0,
    "mg/24.h": 1e-3,
    "g/24h": 1.0,
    "mg/24h": 1e-3,
    "g/(24h)": 1.0,
    "mg/(24h)": 1e-3,
    "g/day": 1.0,
    "mg/day": 1e-3,
}

# Serum/plasma creatinine -> mg/dL
_CREATININE: Mapping[str, float] = {
    "mg/dL": 1.0,
    "mg/L": 0.1,
    "umol/L": 1.0 / CREATININE_UMOL_L_PER_MG_DL,
    "mmol/L": 1000.0 / CREATININE_UMOL_L_PER_MG_DL,
}

# eGFR -> mL/min/{1.73_m2} (only spellings that state the 1.73 m2 normalisation)
_EGFR: Mapping[str, float] = {
    "mL/min/{1.73_m2}": 1.0,
    "mL/min/1.73_m2": 1.0,
    "mL/min/1.73m2": 1.0,
    "mL/min/1.73 m2": 1.0,
    "mL/min/{1.73m2}": 1.0,
    "mL/min/1.73m^2": 1.0,
}

# Urine RBC -> /[HPF]
_URINE_RBC: Mapping[str, float] = {
    "/[HPF]": 1.0,
    "/HPF": 1.0,
    "RBC/HPF": 1.0,
    "{RBC}/[HPF]": 1.0,
    "{cells}/[HPF]": 1.0,
    "cells/HPF": 1.0,
}

# Urine albumin/creatinine ratio -> mg/g
_UACR: Mapping[str, float] = {
    "mg/g": 1.0,
    "g/g": 1000.0,
    "mg/mg": 1000.0,
    "ug/mg": 1.0,
    "mg/mmol": 1000.0 / CREATININE_MG_PER_MMOL,  # 8.84 mg/g per mg/mmol
    "g/mmol": 1e6 / CREATININE_MG_PER_MMOL,
}

# Complement C3/C4 -> mg/dL
_COMPLEMENT: Mapping[str, float] = {
    "mg/dL": 1.0,
    "g/L": 100.0,
    "mg/L": 0.1,
}

# Anti-dsDNA -> [IU]/mL (assay "U/mL" is not international units: not accepted)
_ANTI_DSDNA: Mapping[str, float] = {
    "[IU]/mL": 1.0,
    "IU/mL": 1.0,
    "[iU]/mL": 1.0,
}

# Mycophenolic acid level -> mg/L
_MPA_LEVEL: Mapping[str, float] = {
    "mg/L": 1.0,
    "ug/mL": 1.0,
    "mcg/mL": 1.0,
    "ug/L": 1e-3,
    "ng/mL": 1e-3,
}

# Mycophenolic acid AUC -> mg.h/L
_MPA_AUC: Mapping[str, float] = {
    "mg.h/L": 1.0,
    "mg*h/L": 1.0,
    "mg h/L": 1.0,
    "ug.h/mL": 1.0,
    "h.mg/L": 1.0,
}

# Whole-blood drug levels (tacrolimus, cyclosporine, hydroxychloroquine) -> ng/mL
_NG_PER_ML: Mapping[str, float] = {
    "ng/mL": 1.0,
    "ug/L": 1.0,
    "mcg/L": 1.0,
    "ug/mL": 1000.0,
    "mg/L": 1000.0,
}

# Body weight -> kg
_WEIGHT: Mapping[str, float] = {
    "kg": 1.0,
    "g": 1e-3,
    "[lb_av]": LB_AV_KG,
    "lb": LB_AV_KG,
    "lbs": LB_AV_KG,
}

# Body height -> cm
_HEIGHT: Mapping[str, float] = {
    "cm": 1.0,
    "m": 100.0,
    "mm": 0.1,
    "[in_i]": IN_I_CM,
    "in": IN_I_CM,
}

# Blood cell counts -> 10*9/L (10*3/uL = 10*9/L; a count per uL or mm3 is per 1e-6 L)
_CELLS: Mapping[str, float] = {
    "10*9/L": 1.0,
    "10^9/L": 1.0,
    "x10*9/L": 1.0,
    "10*3/uL": 1.0,
    "10^3/uL": 1.0,
    "x10*3/uL": 1.0,
    "x10E3/uL": 1.0,
    "10*3/mm3": 1.0,
    "K/uL": 1.0,
    "thou/uL": 1.0,
    "/nL": 1.0,
    "/uL": 1e-3,
    "/mm3": 1e-3,
    "cells/uL": 1e-3,
    "{cells}/uL": 1e-3,
}

# Quantitative hCG -> [IU]/L (1 m[IU]/mL = 1 [IU]/L)
_HCG: Mapping[str, float] = {
    "[IU]/L": 1.0,
    "IU/L": 1.0,
    "m[IU]/mL": 1.0,
    "mIU/mL": 1.0,
    "[iU]/L": 1.0,
    "m[iU]/mL": 1.0,
}

# Urine protein concentration -> mg/dL (1 g/L = 100 mg/dL)
_URINE_PROTEIN: Mapping[str, float] = {
    "mg/dL": 1.0,
    "g/L": 100.0,
    "mg/L": 0.1,
}

# Urine creatinine concentration -> mg/dL (1 mmol/L = 113.12 mg/L = 11.312 mg/dL)
_URINE_CREATININE: Mapping[str, float] = {
    "mg/dL": 1.0,
    "g/L": 100.0,
    "mg/L": 0.1,
    "mmol/L": CREATININE_MG_PER_MMOL / 10.0,
    "umol/L": CREATININE_MG_PER_MMOL / 10000.0,
}

_TABLES: Mapping[Analyte, Mapping[str, float]] = {
    Analyte.UPCR: _UPCR,
    Analyte.PROTEIN_24H: _PROTEIN_24H,
    Analyte.CREATININE: _CREATININE,
    Analyte.EGFR: _EGFR,
    Analyte.URINE_RBC: _URINE_RBC,
    Analyte.UACR: _UACR,
    Analyte.C3: _COMPLEMENT,
    Analyte.C4: _COMPLEMENT,
    Analyte.ANTI_DSDNA: _ANTI_DSDNA,
    Analyte.MPA_TROUGH: _MPA_LEVEL,
    Analyte.MPA_AUC: _MPA_AUC,
    Analyte.MPA_RANDOM: _MPA_LEVEL,
    Analyte.TACROLIMUS_TROUGH: _NG_PER_ML,
    Analyte.CYCLOSPORINE_TROUGH: _NG_PER_ML,
    Analyte.HYDROXYCHLOROQUINE: _NG_PER_ML,
    Analyte.WEIGHT: _WEIGHT,
    Analyte.HEIGHT: _HEIGHT,
    Analyte.NEUTROPHILS: _CELLS,
    Analyte.LEUKOCYTES: _CELLS,
    Analyte.PLATELETS: _CELLS,
    Analyte.HCG: _HCG,
    Analyte.URINE_PROTEIN: _URINE_PROTEIN,
    Analyte.URINE_CREATININE: _URINE_CREATININE,
}

#: Ratios whose unit may carry a creatinine annotation (``mg/g{creat}``, ``mg/g creat``).
_CREATININE_RATIOS: frozenset[Analyte] = frozenset({Analyte.UPCR, Analyte.UACR})
_CREAT_ANNOTATION = re.compile(r"\{\s*creat(?:inine)?\s*\}|\s+creat(?:inine)?\.?\s*$", re.I)


def _normalise(unit: str, *, creatinine_ratio: bool) -> str:
    text = unit.strip().replace("µ", "u").replace("μ", "u")
    if creatinine_ratio:
        text = _CREAT_ANNOTATION.sub("", text)
    return "".join(text.split()).lower()


_NORMALISED: Mapping[Analyte, Mapping[str, float]] = {
    analyte: {
        _normalise(unit, creatinine_ratio=analyte in _CREATININE_RATIOS): factor
        for unit, factor in table.items()
    }
    for analyte, table in _TABLES.items()
}


def accepted_units(analyte: Analyte) -> tuple[str, ...]:
    """The unit spellings accepted for an analyte (as written in its table)."""
    return tuple(_TABLES.get(analyte, {}))


def conversion_factor(
    analyte: Analyte, unit_code: str | None, unit_text: str | None = None
) -> float | None:
    """Factor from the given unit to the canonical unit, or ``None`` when unknown.

    The UCUM ``code`` is tried first, then the ``unit`` text.
    """
    table = _NORMALISED.get(analyte)
    if table is None:
        return None
    creatinine_ratio = analyte in _CREATININE_RATIOS
    for unit in (unit_code, unit_text):
        if isinstance(unit, str) and unit.strip():
            factor = table.get(_normalise(unit, creatinine_ratio=creatinine_ratio))
            if factor is not None:
                return factor
    return None


def to_canonical(
    analyte: Analyte, value: float, unit_code: str | None, unit_text: str | None = None
) -> float | None:
    """``value`` in the canonical unit of ``analyte``; ``None`` if the unit is unknown.

    A non-finite value also gives ``None``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    factor = conversion_factor(analyte, unit_code, unit_text)
    if factor is None:
        return None
    result = float(value) * factor
    return result if math.isfinite(result) else None
