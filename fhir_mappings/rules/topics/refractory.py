"""Refractory lupus nephritis: no response after the earliest month of an induction that
was taken and fully delivered (the review's definition)."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.findings import Finding, Severity, Topic
from fhir_mappings.rules.context import Judged
from fhir_mappings.rules.topics._common import no_response_rule
from fhir_mappings.rulesets import PROGNOSIS_10Y_RENAL_SURVIVAL


def refractory(j: Judged) -> Finding | None:
    """WARNING: refractory disease (a worsening card, when present, says it instead)."""
    if not j.refractory or j.worsening is not None:
        return None
    survival = ", ".join(
        f"{wording.percent(v)} {k}" for k, v in PROGNOSIS_10Y_RENAL_SURVIVAL.items()
    )
    sources = j.ruleset.sources
    return Finding(
        topic=Topic.REFRACTORY,
        severity=Severity.WARNING,
        summary=wording.summary(
            f"Refractory lupus nephritis: no response after {wording.months(j.months)} of "
            f"{wording.line_label(j.line)}"
        ),
        rationale=no_response_rule(j),
        evidence=j.response_rows(),
        series=j.proteinuria_trend(),
        next_steps=(
            "Confirm adherence (drug levels, refills).",
            "Review the dose against guideline targets.",
            "Repeat kidney biopsy to exclude other lesions.",
            "Then switch or add therapy.",
        ),
        citations=(j.ruleset.response_citation, sources.algorithm, sources.prognosis),
        notes=(
            *j.notes,
            f"10-year renal survival by remission: {survival} (Chen 2008, by that study's "
            "own remission criteria).",
        ),
    )
