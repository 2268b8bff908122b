"""Biopsy before stopping maintenance in clinical remission, whatever the regimen."""

from __future__ import annotations

from datetime import timedelta

from fhir_mappings import wording
from fhir_mappings.facts import LineRole
from fhir_mappings.findings import Finding, ResponseClass, Severity, Topic
from fhir_mappings.rules import actions
from fhir_mappings.rules.context import Judged
from fhir_mappings.rules.topics._common import dose_rows


def maintenance_biopsy(j: Judged) -> Finding | None:
    """INFO: a maintenance line in complete response that is being stopped (an order ends
    within the notice window, or the line stopped within the notice window before today),
    and no biopsy since."""
    line, rs = j.line, j.ruleset
    if (
        line.role is not LineRole.MAINTENANCE
        or j.response.classification is not ResponseClass.COMPLETE
    ):
        return None
    notice = timedelta(days=rs.treatment.maintenance_stop_notice_days)
    ends = [
        a.dose_order.end
        for a in line.agents
        if a.dose_order is not None and a.dose_order.end is not None
    ]
    stopped = line.end is not None and j.today - notice <= line.end
    stopping = stopped or any(j.today <= end <= j.today + notice for end in ends)
    if not stopping:
        return None
    since = j.response.response_date or j.response.clock_start
    if j.biopsies_since(since):
        return None
    when = line.end or min(e for e in ends if j.today <= e)
    return Finding(
        topic=Topic.MAINTENANCE_BIOPSY,
        severity=Severity.INFO,
        summary=wording.summary(
            f"Maintenance ({wording.line_label(line)}) ends {wording.day(when)} in complete "
            "response: consider a kidney biopsy before stopping"
        ),
        rationale=(
            "Clinical remission does not mean histologic remission: a third of complete "
            "clinical responders still show high activity on biopsy. The review advises a "
            "biopsy before stopping maintenance, whatever the regimen."
        ),
        evidence=(*j.response_rows(), *dose_rows(j)),
        series=j.proteinuria_trend(),
        next_steps=("Consider a kidney biopsy before stopping or tapering maintenance.",),
        actions=(actions.biopsy("Before stopping maintenance therapy in clinical remission"),),
        citations=(rs.sources.maintenance_biopsy, rs.sources.algorithm),
        notes=j.notes,
    )
