"""Kidney failure: the refractory algorithm does not apply; say why, once."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.findings import Finding, Severity, Topic
from fhir_mappings.rules.safety import SafetyFact, trace_of
from fhir_mappings.rulesets import Ruleset


def not_applicable(fact: SafetyFact, ruleset: Ruleset) -> Finding:
    """INFO: the algorithm was not run, with the fact and its source."""
    sources, rule = ruleset.sources, ruleset.safety
    return Finding(
        topic=Topic.NOT_APPLICABLE,
        severity=Severity.INFO,
        summary=wording.summary(
            f"Refractory lupus nephritis check not applied: {fact.description}"
        ),
        rationale=(
            "Response criteria, dose steps and switches for lupus nephritis induction do not "
            "apply in kidney failure (dialysis, a kidney transplant, or an eGFR below "
            f"{wording.number(rule.kidney_failure_egfr_below)} mL/min/1.73 m² for at least "
            f"{rule.kidney_failure_min_days} days): immunosuppression then follows transplant "
            "protocols or extrarenal disease (EULAR 2019)."
        ),
        evidence=(),
        next_steps=("Manage with the dialysis or transplant team.",),
        citations=(fact.citation, sources.kidney_failure_ln),
        traces=(
            trace_of(
                fact,
                "kidney failure: refractory algorithm not applied",
                "no refractory, biopsy, dose or switch cards",
            ),
        ),
    )
