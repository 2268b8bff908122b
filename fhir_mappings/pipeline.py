"""Resources -> facts -> findings: the single entry point of ``fhir_mappings``.

``build_facts`` is the reading stage (``fhir_mappings.read``); ``assess`` adds the
rules stage (``fhir_mappings.rules``) under a named ruleset. Pure: the evaluation date
is a parameter, nothing here does I/O.
"""

from __future__ import annotations

from datetime import date

from fhir_mappings.facts import PatientFacts
from fhir_mappings.findings import PatientAssessment
from fhir_mappings.read.facts import build_facts as _read
from fhir_mappings.read.facts import medications_by_reference
from fhir_mappings.resources import PatientResources
from fhir_mappings.rules.algorithm import findings_for
from fhir_mappings.rulesets import DEFAULT_RULESET, get_ruleset

__all__ = ["assess", "build_facts", "medications_by_reference"]


def build_facts(
    resources: PatientResources, *, today: date, ruleset: str = DEFAULT_RULESET
) -> PatientFacts:
    """Every fact the rules need about one patient (``ValueError`` on an unknown ruleset)."""
    return _read(resources, today=today, ruleset=get_ruleset(ruleset))


def assess(
    resources: PatientResources,
    *,
    today: date,
    ruleset: str = DEFAULT_RULESET,
    show_status: bool = False,
) -> PatientAssessment:
    """Facts, response and findings for one patient (``ValueError`` on an unknown ruleset)."""
    rules = get_ruleset(ruleset)
    facts = _read(resources, today=today, ruleset=rules)
    outcome = findings_for(facts, rules, show_status=show_status)
    return PatientAssessment(
        facts=facts, response=outcome.response, findings=outcome.findings, traces=outcome.traces
    )
