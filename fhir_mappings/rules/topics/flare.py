"""Renal flare after a complete or partial response: repeat biopsy and re-induction."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.findings import Finding, Severity, Topic
from fhir_mappings.rules import actions, evidence
from fhir_mappings.rules.context import Judged
from fhir_mappings.rules.flare import FlareKind, FlareSeverity
from fhir_mappings.rules.topics._common import BIOPSY_STEPS


def flare(j: Judged) -> Finding | None:
    """WARNING (CRITICAL when severe): a flare is not refractory disease."""
    found = j.flare
    if found is None:
        return None
    ref, newest = found.reference, found.risen[-1]
    kind = "proteinuric" if found.kind is FlareKind.PROTEINURIC else "nephritic"
    done = j.biopsies_since(found.since.day)
    rows = [evidence.lab(ref, "reference")]
    rows += [evidence.lab(p, "latest" if p is newest else None) for p in found.risen]
    rows += [evidence.biopsy(b) for b in done]
    series = (
        tuple(
            p
            for p in j.facts.labs.get(ref.analyte).points
            if found.response_date <= p.day <= j.today
        )
        if ref.analyte.value != "upcr"
        else tuple(p for p in j.response.follow_up if p.day >= found.response_date)
    )
    steps = [
        "Repeat kidney biopsy to confirm activity and weigh chronicity."
        if not done
        else f"Kidney biopsy done {wording.day(done[-1].when)}: review its findings.",
        "Re-induce with the initial regimen or an alternative one (EULAR 2019; ACR 2024).",
        *BIOPSY_STEPS,
    ]
    return Finding(
        topic=Topic.FLARE,
        severity=Severity.CRITICAL if found.severity is FlareSeverity.SEVERE else Severity.WARNING,
        summary=wording.summary(
            f"Renal flare ({found.severity.value}, {kind}) after a response on "
            f"{wording.day(found.response_date)}: {wording.label_in_text(ref.analyte)} "
            f"{wording.lab(ref)}{wording.ARROW}{wording.lab(newest)}"
        ),
        rationale=(
            f"A {found.severity.value} {kind} flare by KDIGO 2012 Table 29, measured from the "
            f"remission value after the response of {wording.day(found.response_date)}. A flare "
            "after a response is not refractory disease."
        ),
        evidence=tuple(rows),
        series=series,
        next_steps=tuple(steps),
        actions=() if done else (actions.biopsy("Suspected lupus nephritis flare"),),
        citations=(j.ruleset.sources.flare, j.ruleset.sources.repeat_biopsy),
        notes=j.notes,
    )
