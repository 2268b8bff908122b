"""The FHIR R4 date search parameters of the types this service reads, and what they index.

One table (``DATE_PARAMS``) says, for each resource type whose search the look-back
bounds, which date search parameter to use and which elements it indexes. Names and
expressions are those of the FHIR R4 search parameter registry
(hl7.org/fhir/R4/searchparameter-registry.html):

* ``Observation``: ``date`` = ``Observation.effective`` (dateTime, Period, instant);
* ``Procedure``: ``date`` = ``Procedure.performed`` (dateTime, Period);
* ``MedicationRequest``: ``authoredon`` = ``MedicationRequest.authoredOn`` (its ``date``
  parameter indexes ``dosageInstruction.timing.event``, not the order date);
* ``MedicationDispense``: ``whenhandedover`` = ``MedicationDispense.whenHandedOver``;
* ``MedicationAdministration``: ``effective-time`` = ``MedicationAdministration.effective``;
* ``MedicationStatement``: ``effective`` = ``MedicationStatement.effective``.

Both the gathering step (is a page sorted, is the look-back covered, is a resource older
than it) and the local bundle search of the demo and the tests (``ge``/``le`` filters,
``_sort``) read a resource's date through ``date_span``, so they agree on it.

Dates are compared as ``YYYY-MM-DD`` strings, at day precision: a partial date stands for
its whole month or year, a Period for its whole span (an open end reaches any date).

A second table (``STILL_ACTIVE``) names, for the types whose resources can stay in force
for years, the statuses that mean "still in force": an order written before the
look-back and still ``active`` is the current treatment, so such resources are searched
for by ``status`` (the FHIR R4 token search parameter of both types) and kept whatever
their date (``still_active``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Earliest and latest day strings, for open Period ends.
FIRST_DAY = "0000-01-01"
LAST_DAY = "9999-12-31"
_DATE_RE = re.compile(r"^(\d{4})(-(\d{2})(-(\d{2}))?)?")
_FULL_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class DateParam:
    """One date search parameter: its name and the choice elements it indexes."""

    name: str
    #: ``<element>DateTime``/``<element>Instant`` hold one date, ``<element>Period`` a span.
    elements: tuple[str, ...]
    #: Values are often long, open-ended Periods (a statement "taking since 2015"): the
    #: order of a sorted answer then says nothing about which resources reach a date.
    spans: bool = False


DATE_PARAMS: Mapping[str, DateParam] = {
    "Observation": DateParam("date", ("effectiveDateTime", "effectivePeriod", "effectiveInstant")),
    "Procedure": DateParam("date", ("performedDateTime", "performedPeriod")),
    "MedicationRequest": DateParam("authoredon", ("authoredOn",)),
    "MedicationDispense": DateParam("whenhandedover", ("whenHandedOver",)),
    "MedicationAdministration": DateParam(
        "effective-time", ("effectiveDateTime", "effectivePeriod")
    ),
    "MedicationStatement": DateParam(
        "effective", ("effectiveDateTime", "effectivePeriod"), spans=True
    ),
}


#: The token search parameter of a resource's status (FHIR R4: ``MedicationRequest.status``,
#: ``MedicationStatement.status``).
STATUS_PARAM = "status"
#: Statuses meaning the resource is still in force, whatever its date (FHIR R4 value sets
#: ``medicationrequest-status`` and ``medication-statement-status``), in the order they are
#: written into a search.
STILL_ACTIVE: Mapping[str, tuple[str, ...]] = {
    "MedicationRequest": ("active", "on-hold"),
    "MedicationStatement": ("active", "intended", "on-hold"),
}


def still_active(resource: Mapping[str, Any]) -> bool:
    """Whether ``resource`` is of a ``STILL_ACTIVE`` type and has one of its statuses."""
    rtype = resource.get("resourceType")
    statuses = STILL_ACTIVE.get(rtype) if isinstance(rtype, str) else None
    return statuses is not None and resource.get("status") in statuses


def day_bounds(value: object) -> tuple[str, str] | None:
    """(first, last) day a FHIR date/dateTime/instant string may stand for, or ``None``.

    ``"2024-03-05T10:00:00Z"`` -> both ``"2024-03-05"``; ``"2024-03"`` -> March 1st to
    ``"2024-03-31"`` (a string for comparing, not always a real date); ``"2024"`` -> the
    year. The day is the one written (its own offset), not converted to UTC.
    """
    if not isinstance(value, str):
        return None
    full = _FULL_DATE_RE.match(value)
    if full is not None:  # speed: the usual full date or dateTime
        text = full.group(0)
        return text, text
    match = _DATE_RE.match(value)
    if match is None:
        return None
    year, month, day = match.group(1), match.group(3), match.group(5)
    if day is not None:
        text = f"{year}-{month}-{day}"
        return text, text
    if month is not None:
        return f"{year}-{month}-01", f"{year}-{month}-31"
    return f"{year}-01-01", f"{year}-12-31"


def date_span(resource: Mapping[str, Any], param: DateParam) -> tuple[str, str] | None:
    """(first, last) day the resource's indexed date covers, ``None`` when it has none."""
    for element in param.elements:
        value = resource.get(element)
        if value is None:
            continue
        if not element.endswith("Period"):
            return day_bounds(value)
        if not isinstance(value, Mapping):
            return None
        start, end = day_bounds(value.get("start")), day_bounds(value.get("end"))
        if start is None and end is None:
            return None
        return (start[0] if start else FIRST_DAY, end[1] if end else LAST_DAY)
    return None
