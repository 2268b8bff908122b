"""Defensive readers for FHIR JSON: wrong types read as absent, never raise.

Every mapper goes through these, so odd shapes (a string where a list belongs,
a number as a string, a partial date) cannot crash the pipeline.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
#: A complete instant with an offset, ASCII digits only, no blanks: ``parse_datetime``
#: reads it with one ``fromisoformat`` call (Python 3.11 reads ``Z`` as UTC itself).
_INSTANT_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)


def as_str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def as_float(value: object) -> float | None:
    """A finite number from a JSON number (bool excluded); strings are not numbers here."""
    if type(value) is float:  # speed: the usual JSON decimal skips the union checks
        return value if math.isfinite(value) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def as_dict(value: object) -> Mapping[str, Any]:
    if type(value) is dict:  # speed: a JSON object skips the Mapping ABC check
        return value
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> Sequence[Any]:
    if isinstance(value, list | tuple):
        return value
    return ()


def dicts(value: object) -> list[Mapping[str, Any]]:
    """The dict items of a JSON array (anything else dropped)."""
    items = value if type(value) is list else as_list(value)
    return [item for item in items if type(item) is dict or isinstance(item, Mapping)]


def source_id(resource: Mapping[str, Any]) -> str | None:
    rtype, rid = resource.get("resourceType"), resource.get("id")
    if type(rtype) is str and type(rid) is str:  # speed: as_str inlined for plain strings
        return f"{rtype}/{rid}" if rtype.strip() and rid.strip() else None
    rtype, rid = as_str(rtype), as_str(rid)
    return f"{rtype}/{rid}" if rtype and rid else None


def quantity_unit(quantity: object) -> str | None:
    """A Quantity's unit: the UCUM ``code``, else the human ``unit`` text."""
    data = as_dict(quantity)
    return as_str(data.get("code")) or as_str(data.get("unit"))


def parse_datetime(value: object) -> datetime | None:
    """FHIR date/dateTime/instant -> aware datetime (partial dates -> first day, UTC).

    ``"2024"`` -> 2024-01-01, ``"2024-03"`` -> 2024-03-01; a dateTime without an
    offset is read as UTC. Unparseable -> ``None``.
    """
    if type(value) is str and _INSTANT_RE.fullmatch(value):  # speed: the usual instant
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    text = as_str(value)
    if text is None:
        return None
    text = text.strip()
    match = _DATE_RE.match(text)
    if match:
        year, month, day = match.groups()
        try:
            return datetime.combine(
                date(int(year), int(month or 1), int(day or 1)), time(), tzinfo=UTC
            )
        except ValueError:
            return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_date(value: object) -> date | None:
    parsed = parse_datetime(value)
    return parsed.date() if parsed is not None else None


def codings(concept: object) -> list[Mapping[str, Any]]:
    """The codings of a CodeableConcept."""
    return dicts(as_dict(concept).get("coding"))


def unique_resources(
    resources: Iterable[object], resource_type: str
) -> Iterator[tuple[Mapping[str, Any], str | None]]:
    """(resource, source id) for each JSON object of ``resource_type`` (or with no type),
    each ``Type/id`` once; anything else is skipped."""
    seen: set[str] = set()
    for resource in resources:
        if not isinstance(resource, Mapping):
            continue
        rtype = resource.get("resourceType")
        if rtype is not None and rtype != resource_type:
            continue
        sid = source_id(resource)
        if sid is not None:
            if sid in seen:
                continue
            seen.add(sid)
        yield resource, sid
