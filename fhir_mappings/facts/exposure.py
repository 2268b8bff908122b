"""Exposure facts: refills (PDC, MPR) and drug levels for the agents of the current line.

These are measurements. Whether a PDC means adherence, or a low level means low
exposure rather than missed doses, is judged by ``fhir_mappings.rules.adherence``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from fhir_mappings.facts.labs import LabPoint
from fhir_mappings.facts.medications import Agent


class RefillStatus(StrEnum):
    """What the dispense record says about one agent's supply."""

    MEASURED = "measured"  # PDC and MPR computed over the window
    NO_DISPENSES = "no-dispenses"  # no dispense of this drug: unknown, not zero
    SUPPLY_UNKNOWN = "supply-unknown"  # dispenses whose days' supply cannot be read
    NOT_PROVIDED = "not-provided"  # the FHIR server does not provide dispenses
    GIVEN_BY_CLINICIANS = "given-by-clinicians"  # IV or recorded administrations
    ON_HOLD = "on-hold"  # the current order is on hold: neither adherence nor dose


@dataclass(frozen=True, slots=True)
class Fill:
    """One completed MedicationDispense, with the supply it provides."""

    when: date
    days_supply: float | None
    quantity: float | None
    source_id: str | None


@dataclass(frozen=True, slots=True)
class Refills:
    """Refill measures of one oral agent over ``[window_start, window_end]``."""

    agent: Agent
    status: RefillStatus
    window_start: date | None = None
    window_end: date | None = None
    pdc: float | None = None  # proportion of days covered, 0..1
    mpr: float | None = None  # medication possession ratio, 0..1 (capped)
    days_since_last_fill: int | None = None
    fills: tuple[Fill, ...] = ()


@dataclass(frozen=True, slots=True)
class AgentExposure:
    """One agent of the current line: its refills and its latest drug levels.

    ``levels`` holds the newest result of each level analyte relevant to the agent
    (MPA trough, MPA AUC, random MPA, hydroxychloroquine) taken since the agent's
    start and within the level recency window, oldest first.
    """

    agent: Agent
    refills: Refills
    levels: tuple[LabPoint, ...] = ()
