"""Pregnancy: which agents are compatible, what is withheld, and specialist review."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.facts import TherapyLine
from fhir_mappings.findings import Finding, Severity, Topic
from fhir_mappings.rules.safety import SafetyFact, trace_of
from fhir_mappings.rulesets import Ruleset


def pregnancy(fact: SafetyFact, line: TherapyLine | None, ruleset: Ruleset) -> Finding:
    """CRITICAL when the current line holds an agent not for pregnancy, else WARNING."""
    rule, sources = ruleset.safety, ruleset.sources
    exposed = [a.agent for a in line.agents] if line is not None else []
    unsafe = [a for a in exposed if a in rule.pregnancy_excluded]
    compatible = ", ".join(wording.agent(a) for a in rule.pregnancy_compatible)
    possible = "Possible pregnancy" if fact.possible else "Pregnancy"
    if unsafe:
        summary = (
            f"{possible}: {wording.agents(unsafe)} not for use in pregnancy; specialist review"
        )
    else:
        summary = f"{possible}: no teratogenic draft orders; specialist review"
    steps = [
        "Review with maternal-fetal medicine and nephrology/rheumatology.",
        f"Agents compatible with pregnancy: {compatible} (low-dose glucocorticoids).",
    ]
    if unsafe:
        steps.insert(1, f"Replace {wording.agents(unsafe)} with a compatible agent.")
        steps.append(
            f"No dose step or new order is drafted for {wording.agents(unsafe)} or any agent "
            "not for use in pregnancy."
        )
    if fact.possible:
        steps.insert(0, "Confirm or exclude pregnancy with a test.")
    return Finding(
        topic=Topic.PREGNANCY,
        severity=Severity.CRITICAL if unsafe else Severity.WARNING,
        summary=wording.summary(summary),
        rationale=(
            "Mycophenolate and cyclophosphamide are teratogenic and stopped before conception; "
            "rituximab, belimumab and other biologics are stopped at conception; voclosporin is "
            "avoided. Hydroxychloroquine, azathioprine, tacrolimus and cyclosporine are "
            "compatible with pregnancy (ACR 2020)."
        ),
        evidence=(),
        next_steps=tuple(steps),
        citations=(sources.pregnancy, sources.mycophenolate_label, sources.cyclophosphamide_label),
        traces=(
            trace_of(
                fact,
                "pregnancy: no teratogenic or unsafe draft orders",
                "pregnancy card added; no card drafts an agent not for use in pregnancy",
            ),
        ),
    )
