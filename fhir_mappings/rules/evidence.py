"""Evidence rows: each one a dated value with its unit, built from facts.

A lab row is dated by its result, a dose row by its order, a fill row by its dispense,
a PDC row by its period, a biopsy row by its procedure: never by the evaluation date.
"""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.facts import (
    Biopsy,
    DoseGiven,
    Fill,
    LabPoint,
    MedicationOrder,
    Refills,
    Route,
)
from fhir_mappings.findings import EvidenceRow

#: Units of the rows that are not lab results.
DOSE_UNIT = "mg/day"
SINGLE_DOSE_UNIT = "mg"
PERCENT_UNIT = "%"
DAYS_UNIT = "d"


def lab(point: LabPoint, marker: str | None = None) -> EvidenceRow:
    return EvidenceRow(
        when=point.day,
        label=wording.label(point.analyte),
        value=point.value,
        unit=point.unit,
        comparator=point.comparator,
        analyte=point.analyte,
        marker=marker,
        source_id=point.source_id,
    )


def dose(order: MedicationOrder, marker: str | None = "latest order") -> EvidenceRow | None:
    """The order's daily dose, dated by the order (its start, else when it was written).

    An IV order is given as pulses or infusions weeks apart, where a dose per day means
    nothing: its row is the dose of one administration."""
    when = order.start or order.authored_on
    intravenous = order.route is Route.INTRAVENOUS
    value = order.dose_mg if intravenous else order.daily_dose_mg
    if when is None or value is None:
        return None
    return EvidenceRow(
        when=when,
        label=wording.agent(order.medication.agent).capitalize()
        + (", per dose" if intravenous else ""),
        value=value,
        unit=SINGLE_DOSE_UNIT if intravenous else DOSE_UNIT,
        marker=marker,
        source_id=order.source_id,
    )


def fill(agent_name: str, item: Fill) -> EvidenceRow:
    return EvidenceRow(
        when=item.when,
        label=f"Dispense: {agent_name}",
        value=item.days_supply,
        unit=DAYS_UNIT,
        text=None if item.days_supply is not None else "supply unknown",
        source_id=item.source_id,
    )


def pdc(agent_name: str, refills: Refills) -> EvidenceRow | None:
    if refills.pdc is None or refills.window_start is None or refills.window_end is None:
        return None
    return EvidenceRow(
        when=refills.window_start,
        until=refills.window_end,
        label=f"PDC: {agent_name}",
        value=refills.pdc * 100,
        unit=PERCENT_UNIT,
    )


def pulse(name: str, given: DoseGiven) -> EvidenceRow:
    return EvidenceRow(
        when=given.when,
        label=f"Pulse: {name}",
        value=given.dose_mg,
        unit=SINGLE_DOSE_UNIT if given.dose_mg is not None else "",
        text=None if given.dose_mg is not None else "dose not recorded",
        source_id=given.source_id,
    )


def biopsy(item: Biopsy) -> EvidenceRow:
    return EvidenceRow(
        when=item.when,
        label="Kidney biopsy",
        value=None,
        unit="",
        text=item.display or "completed",
        source_id=item.source_id,
    )
