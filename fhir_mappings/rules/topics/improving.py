"""Not yet responding but improving: the switch waits for the later time point."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.findings import Finding, Severity, Topic
from fhir_mappings.rules.context import Judged
from fhir_mappings.rules.topics._common import dose_rows


def improving(j: Judged) -> Finding | None:
    """INFO: no response yet between the earliest and the later month, renal function
    stable and proteinuria falling: re-assess at the later month instead of switching."""
    if not j.improving:
        return None
    rs = j.ruleset
    tail = j.response.follow_up[-rs.improving.falling_points :]
    falling = wording.ARROW.join(wording.lab_number(p.value, p.analyte, p.comparator) for p in tail)
    return Finding(
        topic=Topic.IMPROVING,
        severity=Severity.INFO,
        summary=wording.summary(
            f"Not yet responding after {wording.months(j.months)} of {wording.line_label(j.line)}, "
            f"but improving (proteinuria {falling}): re-assess by month "
            f"{wording.number(rs.judgement_window_end_months)}"
        ),
        rationale=(
            "No complete or partial response yet, but creatinine is stable and proteinuria keeps "
            f"falling: the review allows waiting until month "
            f"{wording.number(rs.judgement_window_end_months)} before switching; a complete "
            "response may take more than 12 months."
        ),
        evidence=(*j.response_rows(), *dose_rows(j)),
        series=j.proteinuria_trend(),
        next_steps=(
            "Keep the current therapy; confirm adherence and dose.",
            f"Re-assess the response by month {wording.number(rs.judgement_window_end_months)}.",
        ),
        citations=(rs.sources.improving, rs.response_citation, rs.sources.algorithm),
        notes=j.notes,
    )
