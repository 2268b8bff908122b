"""Clinical facts other than labs and drugs: the diagnosis and kidney biopsies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class ConditionFact:
    """A (non-refuted, non-error) lupus nephritis diagnosis."""

    code: str
    system: str
    display: str | None
    onset: date | None
    recorded: date | None
    isn_rps_class: str | None  # e.g. "III", "IV", "V", "III+V" when coded or written
    source_id: str | None


@dataclass(frozen=True, slots=True)
class Biopsy:
    """A kidney biopsy procedure (completed)."""

    when: date
    code: str
    system: str
    display: str | None
    source_id: str | None
