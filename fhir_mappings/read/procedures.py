"""Procedure -> kidney biopsies (``Biopsy``), oldest first.

* Only ``status = completed`` counts. ``in-progress`` is excluded too: a biopsy under
  way has no result yet and does not answer the "repeat biopsy" question.
  ``preparation``, ``not-done``, ``on-hold``, ``stopped``, ``entered-in-error`` and
  ``unknown`` are excluded.
* Date: ``performedDateTime``, else ``performedPeriod.start`` (else ``.end``);
  no date -> excluded (a biopsy without a date cannot be placed on the timeline).
* Recognition: CPT / SNOMED CT codes of ``fhir_mappings.codes.conditions``; as a last
  resort the code text or a coding display ("renal biopsy", "biopsy of kidney"), or a
  "biopsy" whose ``bodySite`` text names the kidney. Text matches are recorded with
  ``system = "text"`` and the text as ``code``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from fhir_mappings.codes.conditions import (
    TEXT_SYSTEM,
    is_kidney_biopsy_coding,
    kidney_biopsy_display,
    mentions_kidney_biopsy,
)
from fhir_mappings.facts import Biopsy, ExcludedResource
from fhir_mappings.read._access import as_dict, as_str, codings, dicts, parse_date, unique_resources


def _when(resource: Mapping[str, Any]) -> date | None:
    period = as_dict(resource.get("performedPeriod"))
    return (
        parse_date(resource.get("performedDateTime"))
        or parse_date(period.get("start"))
        or parse_date(period.get("end"))
    )


def _identify(resource: Mapping[str, Any]) -> tuple[str, str, str | None] | None:
    """(system, code, display) of a kidney biopsy, or ``None``."""
    concept = as_dict(resource.get("code"))
    for coding in codings(concept):
        system, code = coding.get("system"), coding.get("code")
        if is_kidney_biopsy_coding(system, code):
            display = as_str(coding.get("display")) or kidney_biopsy_display(system, code)
            return str(system).strip(), str(code).strip(), display
    sites = [as_str(as_dict(site).get("text")) for site in dicts(resource.get("bodySite"))]
    sites.extend(
        as_str(coding.get("display"))
        for site in dicts(resource.get("bodySite"))
        for coding in codings(site)
    )
    site_text = " ".join(s for s in sites if s is not None) or None
    texts = [as_str(concept.get("text"))]
    texts.extend(as_str(coding.get("display")) for coding in codings(concept))
    for text in texts:
        if text is not None and mentions_kidney_biopsy(text, site_text):
            return TEXT_SYSTEM, text, text
    return None


def kidney_biopsies_with_exclusions(
    procedures: Iterable[object],
) -> tuple[tuple[Biopsy, ...], tuple[ExcludedResource, ...]]:
    """Completed, dated kidney biopsies (oldest first) and the kidney biopsies left out."""
    found: list[Biopsy] = []
    excluded: list[ExcludedResource] = []
    for resource, sid in unique_resources(procedures, "Procedure"):
        identified = _identify(resource)
        if identified is None:
            continue
        status = as_str(resource.get("status"))
        if status != "completed":
            excluded.append(ExcludedResource(sid, f"kidney biopsy with status {status!r}"))
            continue
        when = _when(resource)
        if when is None:
            excluded.append(ExcludedResource(sid, "kidney biopsy without a performed date"))
            continue
        system, code, display = identified
        found.append(Biopsy(when=when, code=code, system=system, display=display, source_id=sid))
    found.sort(key=lambda b: (b.when, b.source_id or ""))
    return tuple(found), tuple(excluded)


def kidney_biopsies(procedures: Iterable[object]) -> tuple[Biopsy, ...]:
    """Completed kidney biopsies, oldest first."""
    return kidney_biopsies_with_exclusions(procedures)[0]
