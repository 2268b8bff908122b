"""FHIR search over a list of resources: what an EHR does to fill prefetch, and a fake server.

``resolve_tokens`` fills a prefetch template's tokens the way an EHR does;
``evaluate_query`` answers one resolved query against a patient's resources. The demo
fills prefetch with them, and the tests and the benchmark use them as a small FHIR
server, so one search rule serves all three.

Supported: ``Type/id`` reads; ``Type?params`` searches with ``patient``/``subject``,
token lists (``code=system|code,...``, ``status``), the type's date parameter
(``cds_service.search_params.DATE_PARAMS``) with the prefixes ``eq``, ``ge``, ``gt``,
``le``, ``lt`` at day precision, ``_sort`` on that parameter (``-`` for newest first;
undated resources last), ``_count`` and ``_offset`` (a ``link[next]`` when ``base`` is
given and more matches remain), and ``_include=<Type>:medication`` (the Medications the
page's resources reference, ``search.mode`` ``include``). Any other parameter raises
``UnsupportedQuery`` rather than being ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

from cds_service.search_params import DATE_PARAMS, date_span, day_bounds

Json = dict[str, Any]
Resource = Mapping[str, Any]

_CODE_ELEMENTS: Final = ("code", "medicationCodeableConcept")
_DATE_PREFIXES: Final = ("eq", "ge", "gt", "le", "lt")
_MEDICATION_USERS: Final = frozenset(
    {"MedicationRequest", "MedicationDispense", "MedicationAdministration", "MedicationStatement"}
)


class UnsupportedQuery(ValueError):
    """A query the local search does not implement."""


def resolve_tokens(template: str, context: Mapping[str, str], user_id: str) -> str:
    """Fill ``{{context.x}}`` and ``{{userPractitionerId}}`` tokens (the EHR side)."""

    def substitute(match: re.Match[str]) -> str:
        token = match.group(1).strip()
        if token.startswith("context."):
            return context[token.removeprefix("context.")]
        rtype, _, rid = user_id.partition("/")
        if token == f"user{rtype}Id":
            return rid
        raise UnsupportedQuery(f"token {{{{{token}}}}} has no value")

    return re.sub(r"\{\{([^{}]*)\}\}", substitute, template)


def evaluate_query(
    query: str, resources: Sequence[Resource], *, base: str | None = None
) -> Json | None:
    """Answer one resolved query against ``resources``.

    ``Type/id`` -> the resource (``None`` if absent); ``Type?params`` -> a searchset
    Bundle (no ``entry`` when nothing matches; ``total`` counts every match). See the
    module docstring for the parameters.
    """
    path, _, params = query.partition("?")
    rtype, _, rid = path.partition("/")
    if rid:
        found = next(
            (r for r in resources if r.get("resourceType") == rtype and r.get("id") == rid), None
        )
        return dict(found) if found is not None else None
    matches = [r for r in resources if r.get("resourceType") == rtype]
    sort: str | None = None
    count: int | None = None
    offset = 0
    include: str | None = None
    pairs = parse_qsl(params, keep_blank_values=True)
    date_param = DATE_PARAMS.get(rtype)
    for name, value in pairs:
        if name in ("patient", "subject"):
            matches = [r for r in matches if _belongs_to(r, value)]
        elif name in _TOKEN_FILTERS:
            matches = [r for r in matches if _TOKEN_FILTERS[name](r, value)]
        elif date_param is not None and name == date_param.name:
            test = _date_filter(value)
            matches = [r for r in matches if test(date_span(r, date_param))]
        elif name == "_sort":
            sort = value
        elif name == "_count" and value.isdigit():
            count = int(value)
        elif name == "_offset" and value.isdigit():
            offset = int(value)
        elif name == "_include" and value == f"{rtype}:medication" and rtype in _MEDICATION_USERS:
            include = value
        else:
            raise UnsupportedQuery(f"search parameter {name!r} is not supported here")
    if sort is not None:
        matches = _sorted(matches, rtype, sort)
    total = len(matches)
    page = matches[offset:]
    if count is not None:
        page = page[:count]
    bundle: Json = {"resourceType": "Bundle", "type": "searchset", "total": total}
    entries = [_entry(r, "match") for r in page]
    if include is not None:
        entries += [_entry(m, "include") for m in _medications_of(page, resources)]
    if entries:
        bundle["entry"] = entries
    if base is not None and count is not None and offset + len(page) < total:
        rest = [(n, v) for n, v in pairs if n != "_offset"] + [("_offset", str(offset + count))]
        url = f"{base.rstrip('/')}/{rtype}?{urlencode(rest)}"
        bundle["link"] = [{"relation": "next", "url": url}]
    return bundle


def _entry(resource: Resource, mode: str) -> Json:
    return {
        "fullUrl": f"{resource.get('resourceType')}/{resource.get('id')}",
        "resource": dict(resource),
        "search": {"mode": mode},
    }


def _medications_of(page: Iterable[Resource], resources: Sequence[Resource]) -> list[Resource]:
    wanted: list[str] = []
    for resource in page:
        reference = resource.get("medicationReference")
        ref = reference.get("reference") if isinstance(reference, Mapping) else None
        if isinstance(ref, str) and ref.startswith("Medication/") and ref not in wanted:
            wanted.append(ref)
    by_ref = {
        f"Medication/{r.get('id')}": r for r in resources if r.get("resourceType") == "Medication"
    }
    return [by_ref[ref] for ref in wanted if ref in by_ref]


def _belongs_to(resource: Resource, patient: str) -> bool:
    patient_id = patient.removeprefix("Patient/")
    if resource.get("resourceType") == "Patient":
        return resource.get("id") == patient_id
    for element in ("subject", "patient"):
        reference = resource.get(element)
        if isinstance(reference, Mapping) and reference.get("reference") in (
            f"Patient/{patient_id}",
            patient_id,
        ):
            return True
    return False


def _token_match(codings: Iterable[Mapping[str, Any]], wanted: str) -> bool:
    for alternative in wanted.split(","):
        system, bar, code = alternative.partition("|")
        if not bar:
            system, code = "", alternative
        for coding in codings:
            system_ok = not bar or not system or coding.get("system") == system
            if bar and not system and "system" in coding:
                system_ok = False  # "|code": a code with no system
            code_ok = not code or coding.get("code") == code
            if system_ok and code_ok:
                return True
    return False


def _code_filter(resource: Resource, wanted: str) -> bool:
    for element in _CODE_ELEMENTS:
        concept = resource.get(element)
        if isinstance(concept, Mapping):
            codings = [c for c in concept.get("coding", ()) if isinstance(c, Mapping)]
            return _token_match(codings, wanted)
    return False


def _status_filter(resource: Resource, wanted: str) -> bool:
    return resource.get("status") in wanted.split(",")


_TOKEN_FILTERS: Final[Mapping[str, Callable[[Resource, str], bool]]] = {
    "code": _code_filter,
    "status": _status_filter,
}


def _date_filter(value: str) -> Callable[[tuple[str, str] | None], bool]:
    """A test on a resource's (first, last) day for one date parameter value.

    FHIR R4 search "date": ``ge`` keeps what reaches the value's first day or later,
    ``le`` what starts on its last day or earlier, ``eq`` what overlaps it; resources
    without the date never match.
    """
    prefix = value[:2] if value[:2] in _DATE_PREFIXES else "eq"
    bounds = day_bounds(value.removeprefix(prefix) if value[:2] == prefix else value)
    if bounds is None:
        raise UnsupportedQuery(f"date value {value!r} is not supported here")
    low, high = bounds

    def test(span: tuple[str, str] | None) -> bool:
        if span is None:
            return False
        first, last = span
        if prefix == "ge":
            return last >= low
        if prefix == "gt":
            return last > high
        if prefix == "le":
            return first <= high
        if prefix == "lt":
            return first < low
        return first <= high and last >= low

    return test


def _sorted(resources: list[Resource], rtype: str, sort: str) -> list[Resource]:
    descending = sort.startswith("-")
    param = DATE_PARAMS.get(rtype)
    if param is None or sort.lstrip("-") != param.name:
        raise UnsupportedQuery(f"_sort={sort} is not supported here for {rtype}")
    keyed = [(_sort_key(r, param.elements), r) for r in resources]
    dated = [(key, r) for key, r in keyed if key is not None]
    undated = [r for key, r in keyed if key is None]
    dated.sort(key=lambda item: item[0], reverse=descending)
    return [r for _, r in dated] + undated  # resources without a date last, either way


def _sort_key(resource: Resource, elements: tuple[str, ...]) -> datetime | None:
    """The instant a resource sorts by: its date, or a Period's start (its end if open)."""
    for element in elements:
        value: Any = resource.get(element)
        if isinstance(value, Mapping):
            value = value.get("start") or value.get("end")
        if isinstance(value, str):
            return _instant(value)
    return None


def _instant(value: str) -> datetime | None:
    bounds = day_bounds(value)
    if bounds is None:
        return None
    text = value if "T" in value else f"{bounds[0]}T00:00:00+00:00"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
