"""Repeat kidney biopsy for a non-responder with no repeat biopsy on this clock."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.findings import Finding, Severity, Topic
from fhir_mappings.rules import actions, evidence
from fhir_mappings.rules.context import Judged
from fhir_mappings.rules.topics._common import BIOPSY_STEPS, dose_rows, no_response_rule


def repeat_biopsy(j: Judged) -> Finding | None:
    """WARNING: no response at the earliest month and no repeat biopsy since the start.

    A biopsy in the first weeks of the line is its diagnostic biopsy, not a repeat
    (``TreatmentWindows.repeat_biopsy_after_days``). Not while improving (the review
    allows waiting), not when a worsening or flare card already asks for one, and not
    when the refractory card is shown: that card carries the biopsy order (the fewest
    cards that carry every action).
    """
    if not j.needs_repeat_biopsy or j.refractory:
        return None  # the refractory card carries the biopsy when it is shown
    earlier = j.biopsies_since(j.response.clock_start)
    rows = [*j.response_rows(), *dose_rows(j), *(evidence.biopsy(b) for b in earlier)]
    return Finding(
        topic=Topic.REPEAT_BIOPSY,
        severity=Severity.WARNING,
        summary=wording.summary(
            f"No response after {wording.months(j.months)} of {wording.line_label(j.line)}: "
            "consider a repeat kidney biopsy"
        ),
        rationale=no_response_rule(j),
        evidence=tuple(rows),
        series=j.proteinuria_trend(),
        next_steps=BIOPSY_STEPS,
        actions=(actions.biopsy("No response to induction therapy"),),
        citations=(
            j.ruleset.sources.repeat_biopsy,
            j.ruleset.response_citation,
            j.ruleset.sources.algorithm,
        ),
        notes=j.notes,
    )
