"""Response reached (on request): complete or partial response, with its date."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.facts import Analyte
from fhir_mappings.findings import Finding, ResponseClass, Severity, Topic
from fhir_mappings.rules.context import Judged
from fhir_mappings.rules.topics._common import dose_rows


def response_status(j: Judged) -> Finding | None:
    """INFO: complete or partial response reached, with the date (not during a flare)."""
    cls = j.response.classification
    if cls not in (ResponseClass.COMPLETE, ResponseClass.PARTIAL) or j.flare is not None:
        return None
    rs = j.ruleset
    since = j.response.response_date
    if cls is ResponseClass.COMPLETE:
        rule = (
            f"Proteinuria < {wording.number(rs.cr_proteinuria_below_g_g)} g/g with stable renal "
            f"function ({rs.title}){_daily_note(j)}."
        )
    else:
        rule = (
            f"Proteinuria fell >= {wording.percent(rs.pr_min_fall)} (and < "
            f"{wording.number(rs.pr_cap_below_g_g)} g/g) with stable renal function ({rs.title})"
            f"{_daily_note(j)}."
        )
    return Finding(
        topic=Topic.RESPONSE_STATUS,
        severity=Severity.INFO,
        summary=wording.summary(
            f"{cls.value.capitalize()} response on {wording.line_label(j.line)} since "
            f"{wording.day(since) if since else 'unknown'} ({rs.short_title})"
        ),
        rationale=rule,
        evidence=(*j.response_rows(), *dose_rows(j)),
        series=j.proteinuria_trend(),
        citations=(rs.response_citation,),
        notes=j.notes,
    )


def _daily_note(j: Judged) -> str:
    """Says how a 24 h protein is read when the response rests on one."""
    latest = j.response.latest_proteinuria
    if latest is None or latest.analyte is not Analyte.PROTEIN_24H:
        return ""
    return "; a 24 h urine protein in g/day is read as a ratio in g/g"
