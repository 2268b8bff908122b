"""Refractory lupus nephritis: no response after the earliest month of an induction that
was taken and fully delivered (the review's definition)."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.findings import Finding, Severity, Topic
from fhir_mappings.rules import actions, evidence
from fhir_mappings.rules.context import Judged
from fhir_mappings.rules.topics._common import BIOPSY_STEPS, no_response_rule
from fhir_mappings.rulesets import PROGNOSIS_10Y_RENAL_SURVIVAL


def _steps(j: Judged) -> tuple[str, ...]:
    """The review's order of work, as it applies to this patient's line and record."""
    steps = [
        "Adherence is not in question: every agent of the line is given by clinicians."
        if j.given_by_clinicians
        else "Confirm adherence (drug levels, refills).",
        "Review the dose against guideline targets.",
    ]
    done = j.repeat_biopsies()
    if done:
        steps.append(f"Kidney biopsy done {wording.day(done[-1].when)}: review its findings.")
    else:
        steps += ["Repeat kidney biopsy:", *BIOPSY_STEPS]
        if j.safety.pregnancy is not None:
            steps.append("Pregnancy: plan the timing of the biopsy with obstetrics.")
    if j.safety.pregnancy is not None:
        steps.append("Then change to agents compatible with pregnancy (see the pregnancy card).")
    else:
        steps.append("Then switch or add therapy.")
    return tuple(steps)


def refractory(j: Judged) -> Finding | None:
    """WARNING: refractory disease, with the repeat biopsy as its draft order when one is
    still due (a worsening card, when present, says it instead)."""
    if not j.refractory or j.confirmed_worsening is not None:
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
        evidence=(*j.response_rows(), *(evidence.biopsy(b) for b in j.repeat_biopsies())),
        series=j.proteinuria_trend(),
        next_steps=_steps(j),
        actions=(
            (actions.biopsy("No response to induction therapy"),) if j.needs_repeat_biopsy else ()
        ),
        citations=(
            j.ruleset.response_citation,
            sources.algorithm,
            *((sources.repeat_biopsy,) if j.needs_repeat_biopsy else ()),
            sources.prognosis,
        ),
        notes=(
            *j.notes,
            f"10-year renal survival by remission: {survival} (Chen 2008, by that study's "
            "own remission criteria).",
        ),
    )
