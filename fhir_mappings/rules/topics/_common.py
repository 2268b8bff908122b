"""What several topics share: the review's biopsy steps, the non-response rule, and the
rows that show the line's doses and refills."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.findings import EvidenceRow
from fhir_mappings.rules import evidence
from fhir_mappings.rules.context import Judged

#: The review: a repeat biopsy excludes other lesions and weighs chronicity and activity.
BIOPSY_STEPS = (
    "Exclude other lesions: thrombotic microangiopathy, podocytopathy, APS vasculopathy, "
    "interstitial nephritis.",
    "Assess chronicity versus persisting inflammation (activity).",
)

#: The same, as one step of a longer plan.
REPEAT_BIOPSY_STEP = (
    "Repeat kidney biopsy: exclude other lesions (thrombotic microangiopathy, "
    "podocytopathy, APS vasculopathy, interstitial nephritis) and weigh chronicity against "
    "persisting inflammation (activity)."
)


def no_response_rule(j: Judged) -> str:
    rs = j.ruleset
    cap = f" and < {wording.number(rs.pr_cap_below_g_g)} g/g" + (
        " if nephrotic at baseline" if rs.pr_cap_only_if_nephrotic else ""
    )
    return (
        f"No complete (proteinuria < {wording.number(rs.cr_proteinuria_below_g_g)} g/g) or "
        f"partial (fall >= {wording.percent(rs.pr_min_fall)}{cap}) response after "
        f"{wording.months(j.months)} on {wording.line_label(j.line)} ({rs.title})."
    )


def dose_rows(j: Judged) -> tuple[EvidenceRow, ...]:
    """The latest order of each agent of the line, dated by the order: what a summary that
    names the line's doses rests on. A dose the dose card steps up is left to that card,
    which shows it with its target."""
    step = j.dose_step
    stepped = (
        step.member.agent
        if step is not None and not j.excluded_in_pregnancy(step.member.agent)
        else None
    )
    rows: list[EvidenceRow] = []
    for member in j.line.agents:
        if member.dose_order is None or member.agent is stepped:
            continue
        row = evidence.dose(member.dose_order)
        if row is not None:
            rows.append(row)
    return tuple(rows)


def pdc_rows(j: Judged) -> tuple[EvidenceRow, ...]:
    """The refills (PDC over its period) of the line's oral agents."""
    rows: list[EvidenceRow] = []
    for item in j.adherence:
        row = evidence.pdc(wording.agent(item.agent), item.exposure.refills)
        if row is not None and item.agent in j.line.agent_set:
            rows.append(row)
    return tuple(rows)
