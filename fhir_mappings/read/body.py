"""Weight and height -> body surface area (Mosteller).

BSA (m2) = sqrt(height (cm) x weight (kg) / 3600): Mosteller RD, "Simplified calculation
of body-surface area", N Engl J Med 1987;317:1098 (``sources.MOSTELLER_1987``).

The latest result of each analyte is used; a value outside the plausible range
(``WEIGHT_RANGE_KG``, ``HEIGHT_RANGE_CM``) or one reported with a comparator
(``>150 kg`` is not a weight) reads as unknown (``None``), and then so is the BSA.
"""

from __future__ import annotations

import math

from fhir_mappings.facts import Analyte, LabPoint, LabResults

#: Plausible adult/child ranges; outside them a value is taken as an entry error and the
#: body size is unknown (so no mg/kg or mg/m2 dose is computed from it).
WEIGHT_RANGE_KG: tuple[float, float] = (2.0, 400.0)
HEIGHT_RANGE_CM: tuple[float, float] = (40.0, 250.0)
MOSTELLER_DIVISOR = 3600.0  # Mosteller 1987: sqrt(cm * kg / 3600)


def _plausible(point: LabPoint | None, bounds: tuple[float, float]) -> float | None:
    if point is None or point.comparator is not None:
        return None
    low, high = bounds
    return point.value if low <= point.value <= high else None


def mosteller_bsa(height_cm: float, weight_kg: float) -> float:
    """Body surface area in m2 by the Mosteller formula."""
    return math.sqrt(height_cm * weight_kg / MOSTELLER_DIVISOR)


def body_measures(labs: LabResults) -> tuple[float | None, float | None, float | None]:
    """(latest weight kg, latest height cm, BSA m2); ``None`` where unknown or implausible."""
    weight = _plausible(labs.get(Analyte.WEIGHT).latest, WEIGHT_RANGE_KG)
    height = _plausible(labs.get(Analyte.HEIGHT).latest, HEIGHT_RANGE_CM)
    bsa = mosteller_bsa(height, weight) if weight is not None and height is not None else None
    return weight, height, bsa
