"""The review's algorithm, run on the current line, with the safety context applied.

Order of work (the review's Figure 1, updated with KDIGO 2024 and ACR 2024):

1. Safety first: a patient who has died gets no card; kidney failure means the
   refractory algorithm does not apply (one card says why); pregnancy, serious
   infection and neutropenia change what the other cards may draft.
2. A medication that cannot be identified makes the regimen unknown: a data-gap card
   names it, and nothing is judged on a regimen that may be wrong.
3. On the current line: renal worsening (any time before a response) or a flare (after
   one); then refractory disease, adherence, dose (and delivery), repeat biopsy, and
   only then a switch or add-on; information cards last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from fhir_mappings.facts import PatientFacts, UnidentifiedMedication
from fhir_mappings.findings import Finding, ResponseAssessment, SafetyTrace, Topic
from fhir_mappings.rules.context import Judged, judge
from fhir_mappings.rules.safety import SafetyAssessment, apply_safety, assess_safety, trace_of
from fhir_mappings.rules.topics.adherence import adherence
from fhir_mappings.rules.topics.cni_caveat import cni_caveat
from fhir_mappings.rules.topics.data_gap import data_gap, regimen_unknown
from fhir_mappings.rules.topics.dose_review import dose_review
from fhir_mappings.rules.topics.flare import flare
from fhir_mappings.rules.topics.improving import improving
from fhir_mappings.rules.topics.maintenance_biopsy import maintenance_biopsy
from fhir_mappings.rules.topics.not_applicable import not_applicable
from fhir_mappings.rules.topics.pregnancy import pregnancy
from fhir_mappings.rules.topics.refractory import refractory
from fhir_mappings.rules.topics.renal_worsening import renal_worsening
from fhir_mappings.rules.topics.repeat_biopsy import repeat_biopsy
from fhir_mappings.rules.topics.response_status import response_status
from fhir_mappings.rules.topics.therapy_switch import therapy_switch
from fhir_mappings.rulesets import Ruleset

_TopicRule = Callable[[Judged], Finding | None]

#: Every topic of the current line, in the order the review orders the work.
TOPICS: tuple[_TopicRule, ...] = (
    renal_worsening,
    flare,
    refractory,
    adherence,
    dose_review,
    repeat_biopsy,
    therapy_switch,
    improving,
    maintenance_biopsy,
    cni_caveat,
    data_gap,
)
_ORDER = {topic: i for i, topic in enumerate(Topic)}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the rules concluded for one patient."""

    findings: tuple[Finding, ...]
    response: ResponseAssessment | None
    traces: tuple[SafetyTrace, ...] = ()


def _relevant_unidentified(
    facts: PatientFacts, ruleset: Ruleset
) -> tuple[UnidentifiedMedication, ...]:
    """Unreadable medications that could be part of the current regimen: still active or
    on hold, or dated within the line recency window."""
    recent = facts.today - timedelta(days=ruleset.treatment.line_recency_days)
    return tuple(
        u
        for u in facts.treatment.unidentified
        if u.status in ("active", "on-hold", "unknown", None)
        or (u.when is not None and u.when >= recent)
    )


def findings_for(facts: PatientFacts, ruleset: Ruleset, *, show_status: bool = False) -> Outcome:
    """Every finding for this patient, in ``Topic`` order, and the safety traces."""
    if not facts.has_lupus_nephritis:
        return Outcome((), None)
    safety = assess_safety(facts, ruleset)
    if safety.deceased is not None:
        trace = trace_of(safety.deceased, "deceased: no cards", "every card suppressed")
        return Outcome((), None, (trace,))
    if safety.kidney_failure is not None:
        card = not_applicable(safety.kidney_failure, ruleset)
        return Outcome((card,), None, card.traces)
    line = facts.treatment.current
    extra: list[Finding] = []
    if safety.pregnancy is not None:
        extra.append(pregnancy(safety.pregnancy, line, ruleset))
    unidentified = _relevant_unidentified(facts, ruleset)
    if unidentified:
        extra.append(regimen_unknown(facts, unidentified, ruleset))
        return _done(extra, None, safety, ruleset)
    if line is None:
        return _done(extra, None, safety, ruleset)
    judged = judge(facts, line, ruleset, safety)
    found = [f for f in (rule(judged) for rule in TOPICS) if f is not None]
    if show_status:
        status = response_status(judged)
        found += [status] if status is not None else []
    return _done([*extra, *found], judged.response, safety, ruleset)


def _done(
    found: list[Finding],
    response: ResponseAssessment | None,
    safety: SafetyAssessment,
    ruleset: Ruleset,
) -> Outcome:
    applied, traces = apply_safety(found, safety, ruleset)
    ordered = tuple(sorted(applied, key=lambda f: _ORDER[f.topic]))
    own = tuple(t for f in ordered for t in f.traces if t not in traces)
    return Outcome(ordered, response, (*own, *traces))
