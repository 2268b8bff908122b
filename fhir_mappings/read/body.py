"""Weight and height -> body surface area (Mosteller).

BSA (m2) = sqrt(height (cm) x weight (kg) / 3600): Mosteller RD, "Simplified calculation
of body-surface area", N Engl J Med 1987;317:1098 (``sources.MOSTELLER_1987``).

The latest result of each analyte is used; a value outside the plausible range
(``rulesets.PlausibleBody``) or one reported with a comparator
(``>150 kg`` is not a weight) reads as unknown (``None``), and then so is the BSA.
"""

from __future__ import annotations

import math

from fhir_mappings.facts import Analyte, LabPoint, LabResults
from fhir_mappings.rulesets import PlausibleBody

MOSTELLER_DIVISOR = 3600.0  # Mosteller 1987: sqrt(cm * kg / 3600)
DEFAULT_PLAUSIBLE_BODY = PlausibleBody()


def _plausible(point: LabPoint | None, bounds: tuple[float, float]) -> float | None:
    if point is None or point.comparator is not None:
        return None
    low, high = bounds
    return point.value if low <= point.value <= high else None


def mosteller_bsa(height_cm: float, weight_kg: float) -> float:
    """Body surface area in m2 by the Mosteller formula."""
    return math.sqrt(height_cm * weight_kg / MOSTELLER_DIVISOR)


def body_measures(
    labs: LabResults, plausible: PlausibleBody = DEFAULT_PLAUSIBLE_BODY
) -> tuple[float | None, float | None, float | None]:
    """(latest weight kg, latest height cm, BSA m2); ``None`` where unknown or outside the
    ruleset's plausible range (``PlausibleBody``)."""
    weight = _plausible(labs.get(Analyte.WEIGHT).latest, plausible.weight_kg)
    height = _plausible(labs.get(Analyte.HEIGHT).latest, plausible.height_cm)
    bsa = mosteller_bsa(height, weight) if weight is not None and height is not None else None
    return weight, height, bsa
