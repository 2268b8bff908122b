"""The patient as a whole person: when the algorithm must not run, and when its draft
orders would harm. Applied to the findings before any card is drawn.

* Deceased: no cards at all (the trace stays in the assessment).
* Kidney failure: on dialysis (a dependence recorded, or a dialysis procedure in the
  last ``dialysis_recent_days``), a kidney transplant, a kidney-failure diagnosis, or
  every eGFR over at least ``kidney_failure_min_days`` below the cut-off. The
  refractory algorithm does not apply; one information card says why.
* Pregnancy (recorded and not ended within ``pregnancy_max_days``, or a positive test
  not followed by a negative one or an end of pregnancy): no draft order and no dose
  step for the agents ``pregnancy_excluded``; a card names the compatible agents and
  asks for specialist review. A possible pregnancy (unconfirmed, provisional) counts.
* Active serious infection, or neutrophils below the label's threshold: no dose
  increase and no new immunosuppressant drafted; each card says why the step is held.
* A woman of child-bearing potential: every cyclophosphamide draft carries fertility
  preservation (GnRH analogue) and contraception; every mycophenolate draft carries its
  pregnancy-prevention requirement.

Every change to a card leaves a ``SafetyTrace``: the fact, the rule, the source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from fhir_mappings import wording
from fhir_mappings.facts import (
    MYCOPHENOLATES,
    Agent,
    Analyte,
    Certainty,
    PatientFacts,
    SafetyEvent,
    SafetyKind,
    Sex,
    TestResult,
)
from fhir_mappings.findings import (
    MEDICATION_ACTIONS,
    ActionKind,
    Citation,
    Finding,
    RecommendedAction,
    SafetyTrace,
)
from fhir_mappings.rules.response import is_below
from fhir_mappings.rulesets import Ruleset


@dataclass(frozen=True, slots=True)
class SafetyFact:
    """One safety fact that changes what the cards may say, with its evidence."""

    rule: str  # e.g. "pregnancy"
    description: str  # e.g. "pregnancy recorded 2026-09-01"
    when: date | None
    source_id: str | None
    citation: Citation
    possible: bool = False  # recorded as unconfirmed or provisional

    def fact_text(self) -> str:
        """The fact, then the record it comes from: "pregnancy recorded 2026-05-28
        (Pregnant); record Condition/c1"."""
        where = f"; record {self.source_id}" if self.source_id else ""
        return f"{self.description}{where}"


@dataclass(frozen=True, slots=True)
class SafetyAssessment:
    """The safety context of one patient, judged at the evaluation date."""

    deceased: SafetyFact | None = None
    kidney_failure: SafetyFact | None = None
    pregnancy: SafetyFact | None = None
    infection: SafetyFact | None = None
    neutropenia: SafetyFact | None = None
    childbearing_potential: bool = False
    # The record cannot tell (no Patient, sex not female or male): the reminders are
    # given, conditionally, rather than silently left out.
    childbearing_unknown: bool = False
    unknown: tuple[str, ...] = ()

    @property
    def hold(self) -> SafetyFact | None:
        """The fact that holds dose increases and new immunosuppressants, if any."""
        return self.infection or self.neutropenia


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _recent(event: SafetyEvent, today: date, days: int) -> bool:
    when = event.start
    return when is None or (today - when).days <= days


def _event_text(event: SafetyEvent, what: str) -> str:
    """ "on dialysis since 2025-12-12 (Dependence on renal dialysis)"."""
    when = f" {wording.day(event.start)}" if event.start is not None else ""
    display = f" ({_without_semantic_tag(event.display)})" if event.display else ""
    return f"{what}{when}{display}"


def _without_semantic_tag(display: str) -> str:
    """ "Pregnant (finding)" -> "Pregnant": SNOMED's fully specified names end in a
    semantic tag that reads as nested brackets inside a sentence."""
    name, bracket, tag = display.rpartition(" (")
    if bracket and name and tag.endswith(")") and tag[:-1] in _SEMANTIC_TAGS:
        return name
    return display


_SEMANTIC_TAGS = frozenset({"finding", "disorder", "procedure", "situation", "regime/therapy"})


def _deceased(facts: PatientFacts, ruleset: Ruleset) -> SafetyFact | None:
    patient = facts.safety.patient
    if patient is None or not patient.deceased:
        return None
    when = patient.deceased_on
    text = f"died {wording.day(when)}" if when is not None else "recorded as deceased"
    return SafetyFact("deceased", text, when, patient.source_id, ruleset.sources.algorithm)


def _kidney_failure(facts: PatientFacts, ruleset: Ruleset) -> SafetyFact | None:
    rule, today, cite = ruleset.safety, facts.today, ruleset.sources.kidney_failure
    record = facts.safety
    confirmed = [e for e in record.events if e.certainty is Certainty.CONFIRMED]
    for event in confirmed:
        if event.kind is SafetyKind.DIALYSIS and event.ongoing:
            return SafetyFact(
                "kidney failure",
                _event_text(event, "on dialysis since" if event.start else "on dialysis"),
                event.start,
                event.source_id,
                cite,
            )
    for event in confirmed:
        if (
            event.kind is SafetyKind.DIALYSIS
            and event.start is not None
            and 0 <= (today - event.start).days <= rule.dialysis_recent_days
        ):
            return SafetyFact(
                "kidney failure", _event_text(event, "dialysis"), event.start, event.source_id, cite
            )
    for event in confirmed:
        if event.kind is SafetyKind.KIDNEY_TRANSPLANT and (event.ongoing or event.procedure):
            return SafetyFact(
                "kidney failure",
                _event_text(event, "kidney transplant"),
                event.start,
                event.source_id,
                cite,
            )
    for event in confirmed:
        if event.kind is SafetyKind.KIDNEY_FAILURE and event.ongoing:
            return SafetyFact(
                "kidney failure",
                _event_text(event, "kidney failure recorded"),
                event.start,
                event.source_id,
                cite,
            )
    return _kidney_failure_by_egfr(facts, ruleset)


def _kidney_failure_by_egfr(facts: PatientFacts, ruleset: Ruleset) -> SafetyFact | None:
    """Every eGFR from one at least ``kidney_failure_min_days`` before the newest, through
    the newest, below the cut-off (KDIGO CKD: G5, present for more than 3 months)."""
    rule = ruleset.safety
    points = [p for p in facts.labs.get(Analyte.EGFR).points if p.day <= facts.today]
    if not points or not is_below(points[-1], rule.kidney_failure_egfr_below):
        return None
    newest = points[-1]
    run = []
    for point in reversed(points):
        if not is_below(point, rule.kidney_failure_egfr_below):
            break
        run.append(point)
    oldest = run[-1]
    if (newest.day - oldest.day).days < rule.kidney_failure_min_days:
        return None
    text = (
        f"eGFR below {wording.number(rule.kidney_failure_egfr_below)} since "
        f"{wording.day(oldest.day)} (latest {wording.lab(newest)})"
    )
    return SafetyFact(
        "kidney failure", text, oldest.day, newest.source_id, ruleset.sources.kidney_failure
    )


def _pregnancy(facts: PatientFacts, ruleset: Ruleset) -> SafetyFact | None:
    record, today, rule = facts.safety, facts.today, ruleset.safety
    window = timedelta(days=rule.pregnancy_max_days)
    ended = [
        e.start or e.end
        for e in record.of_kind(SafetyKind.PREGNANCY_ENDED)
        if e.certainty is Certainty.CONFIRMED
    ]
    ended_days = [d for d in ended if d is not None]
    cite = ruleset.sources.pregnancy
    for event in sorted(
        record.of_kind(SafetyKind.PREGNANCY), key=lambda e: e.start or today, reverse=True
    ):
        if not event.ongoing:
            continue
        start = event.start
        if start is not None and today - start > window:
            continue  # a pregnancy recorded longer ago than any pregnancy lasts
        if start is not None and any(d >= start for d in ended_days):
            continue
        if _negative_test_after(facts, start):
            continue
        possible = event.certainty is Certainty.POSSIBLE
        what = "possible pregnancy recorded" if possible else "pregnancy recorded"
        return SafetyFact(
            "pregnancy", _event_text(event, what), start, event.source_id, cite, possible
        )
    tests = sorted(record.pregnancy_tests, key=lambda t: t.when)
    positives = [t for t in tests if t.result is TestResult.POSITIVE and today - t.when <= window]
    if not positives:
        return None
    test = positives[-1]
    if any(t.result is TestResult.NEGATIVE and t.when > test.when for t in tests):
        return None
    if any(d >= test.when for d in ended_days):
        return None
    text = f"positive pregnancy test {wording.day(test.when)}: {test.value_text}"
    return SafetyFact("pregnancy", text, test.when, test.source_id, cite)


def _negative_test_after(facts: PatientFacts, start: date | None) -> bool:
    if start is None:
        return False
    return any(
        t.result is TestResult.NEGATIVE and t.when > start for t in facts.safety.pregnancy_tests
    )


def _infection(facts: PatientFacts, ruleset: Ruleset) -> SafetyFact | None:
    days = ruleset.safety.infection_recent_days
    events = [
        e
        for e in facts.safety.of_kind(SafetyKind.SERIOUS_INFECTION)
        if e.ongoing and _recent(e, facts.today, days)
    ]
    if not events:
        return None
    event = max(events, key=lambda e: e.start or facts.today)
    possible = event.certainty is Certainty.POSSIBLE
    what = "possible serious infection recorded" if possible else "active serious infection"
    return SafetyFact(
        "serious infection",
        _event_text(event, what),
        event.start,
        event.source_id,
        ruleset.sources.infection,
        possible,
    )


def _neutropenia(facts: PatientFacts, ruleset: Ruleset) -> SafetyFact | None:
    rule = ruleset.safety
    points = [p for p in facts.labs.get(Analyte.NEUTROPHILS).points if p.day <= facts.today]
    if not points:
        return None
    latest = points[-1]
    if (facts.today - latest.day).days > rule.blood_count_recent_days:
        return None
    if not is_below(latest, rule.neutrophils_min):
        return None
    text = (
        f"neutrophils {wording.lab(latest)} on {wording.day(latest.day)}, below "
        f"{wording.number(rule.neutrophils_min)} {wording.unit(latest.unit)}"
    )
    return SafetyFact(
        "neutropenia", text, latest.day, latest.source_id, ruleset.sources.neutropenia
    )


def _childbearing_unknown(facts: PatientFacts) -> bool:
    """No Patient read, or a sex other than female or male: whether the patient can
    become pregnant is not known from the record."""
    patient = facts.safety.patient
    return patient is None or patient.sex in (Sex.OTHER, Sex.UNKNOWN)


def _childbearing_potential(facts: PatientFacts, ruleset: Ruleset) -> bool:
    patient, rule = facts.safety.patient, ruleset.safety
    if patient is None or patient.sex is not Sex.FEMALE:
        return False
    if patient.birth_date is not None:
        age = _age(patient.birth_date, facts.today)
        if not rule.childbearing_age_min <= age <= rule.childbearing_age_max:
            return False
    return not any(
        e.certainty is Certainty.CONFIRMED
        for e in facts.safety.of_kind(SafetyKind.NOT_CHILDBEARING)
    )


def assess_safety(facts: PatientFacts, ruleset: Ruleset) -> SafetyAssessment:
    """The safety context of the patient at the evaluation date."""
    return SafetyAssessment(
        deceased=_deceased(facts, ruleset),
        kidney_failure=_kidney_failure(facts, ruleset),
        pregnancy=_pregnancy(facts, ruleset),
        infection=_infection(facts, ruleset),
        neutropenia=_neutropenia(facts, ruleset),
        childbearing_potential=_childbearing_potential(facts, ruleset),
        childbearing_unknown=_childbearing_unknown(facts),
        unknown=facts.safety.unknown,
    )


# --- applying the context to findings ----------------------------------------------------


def _agent_of(action: RecommendedAction) -> Agent | None:
    value = action.agent
    try:
        return Agent(value) if value is not None else None
    except ValueError:
        return None


def trace_of(fact: SafetyFact, rule: str, effect: str) -> SafetyTrace:
    return SafetyTrace(rule, fact.fact_text(), effect, fact.citation, fact.source_id)


def _reminders(
    action: RecommendedAction, safety: SafetyAssessment, ruleset: Ruleset
) -> RecommendedAction:
    """Fertility, pregnancy-prevention and contraception notes on a draft for a woman of
    child-bearing potential (the durations are the ruleset's, from each label), on the
    draft and on each order that goes with it. When the record cannot tell whether the
    patient can become pregnant, the same notes are given, each said conditionally."""
    if action.also:
        action = replace(action, also=tuple(_reminders(c, safety, ruleset) for c in action.also))
    agent = _agent_of(action)
    known = safety.childbearing_potential
    if not (known or safety.childbearing_unknown) or action.kind not in MEDICATION_ACTIONS:
        return action
    if agent is None:
        return action
    notes = _reminder_notes(agent, action.kind, ruleset)
    if not notes:
        return action
    if known:
        said = [f"{_WOMAN}{n[:1].lower()}{n[1:]}" if lead else n for lead, n in notes]
    else:
        said = [f"{_IF_UNKNOWN}{n[:1].lower()}{n[1:]}" for _, n in notes]
    return replace(action, notes=(*action.notes, *said))


_WOMAN = "Woman of child-bearing potential: "
_IF_UNKNOWN = "If the patient can become pregnant (sex or age not in the record): "


def _reminder_notes(agent: Agent, kind: ActionKind, ruleset: Ruleset) -> list[tuple[bool, str]]:
    """(led by "Woman of child-bearing potential", sentence) for each reminder of a draft
    of ``agent``."""
    rule = ruleset.safety
    notes: list[tuple[bool, str]] = []
    if agent is Agent.CYCLOPHOSPHAMIDE:
        notes.append(
            (
                True,
                "Offer fertility preservation with a GnRH analogue during cyclophosphamide "
                "(ACR 2020; EULAR 2017).",
            )
        )
    label = _MYCOPHENOLATE_LABELS.get(agent)
    if label is not None and kind is ActionKind.START_THERAPY:
        first, last = rule.mycophenolate_second_test_days
        notes.append(
            (
                True,
                "Pregnancy test immediately before starting and another "
                f"{first}-{last} days later, then at follow-up visits ({label}).",
            )
        )
    elif label is not None:
        notes.append((True, f"Pregnancy tests at follow-up visits ({label})."))
    after = rule.contraception_after.get(agent)
    if after is not None:
        method = " (an IUD, or two methods together: ACR 2020)" if agent in MYCOPHENOLATES else ""
        notes.append(
            (
                False,
                f"Effective contraception during treatment and for {after[0]} {after[1]} "
                f"after the last dose{method}.",
            )
        )
    elif agent is Agent.OBINUTUZUMAB:
        notes.append(
            (False, "Effective contraception during treatment and after, as its label states.")
        )
    elif agent is Agent.VOCLOSPORIN:
        notes.append(
            (False, "Avoid in pregnancy (its formulation contains alcohol: Lupkynis label).")
        )
    return notes


#: The label each mycophenolate's pregnancy-test schedule comes from.
_MYCOPHENOLATE_LABELS = {
    Agent.MYCOPHENOLATE_MOFETIL: "CellCept label",
    Agent.MYCOPHENOLATE_SODIUM: "Myfortic label",
}


def _button(label: str) -> str:
    """A button label inside a sentence: "Add belimumab (IV)" -> "add belimumab (IV)"."""
    return label[:1].lower() + label[1:]


def _excluded_agent(action: RecommendedAction, excluded: frozenset[Agent]) -> Agent | None:
    """The first agent of the decision (its companions included) not for pregnancy."""
    for value in action.agents:
        try:
            agent = Agent(value)
        except ValueError:
            continue
        if agent in excluded:
            return agent
    return None


def _filter(
    finding: Finding, safety: SafetyAssessment, ruleset: Ruleset
) -> tuple[Finding, list[SafetyTrace]]:
    traces: list[SafetyTrace] = []
    notes: list[str] = []
    kept: list[RecommendedAction] = []
    excluded = ruleset.safety.pregnancy_excluded
    for action in finding.actions:
        unsafe = _excluded_agent(action, excluded) if action.kind in MEDICATION_ACTIONS else None
        if unsafe is not None and safety.pregnancy is not None:
            trace = trace_of(
                safety.pregnancy,
                "pregnancy: no teratogenic or unsafe draft orders",
                f"draft order withheld: {action.decision_label}",
            )
            traces.append(trace)
            notes.append(
                f"Withheld: {_button(action.decision_label)}. "
                f"{wording.agent(unsafe).capitalize()} is not for use in "
                f"pregnancy ({safety.pregnancy.citation.short}): "
                f"{safety.pregnancy.fact_text()}."
            )
            continue
        if action.kind in MEDICATION_ACTIONS and safety.hold is not None:
            hold = safety.hold
            traces.append(
                trace_of(
                    hold,
                    f"{hold.rule}: no dose increase or new immunosuppressant",
                    f"draft order held: {action.decision_label}",
                )
            )
            notes.append(
                f"Held: {_button(action.decision_label)}. No dose increase or new "
                f"immunosuppressant during it ({hold.citation.short}): {hold.fact_text()}."
            )
            continue
        if action.kind is ActionKind.ORDER_KIDNEY_BIOPSY and safety.infection is not None:
            # CHOICE: a repeat biopsy is elective and decides a change of therapy, which
            # waits for the infection; it is held with the immunosuppressants.
            infection = safety.infection
            traces.append(
                trace_of(
                    infection,
                    "serious infection: the work-up waits",
                    f"draft order held: {action.decision_label}",
                )
            )
            notes.append(
                f"Held: {_button(action.label)}. A repeat biopsy decides a change of "
                "therapy, which waits until the infection is treated: "
                f"{infection.fact_text()}."
            )
            continue
        kept.append(_reminders(action, safety, ruleset))
    if not traces:
        if kept == list(finding.actions):
            return finding, []
        return replace(finding, actions=tuple(kept)), []
    changed = replace(
        finding,
        actions=tuple(kept),
        notes=(*finding.notes, *notes),
        traces=(*finding.traces, *traces),
    )
    return changed, traces


def apply_safety(
    findings: Sequence[Finding], safety: SafetyAssessment, ruleset: Ruleset
) -> tuple[tuple[Finding, ...], tuple[SafetyTrace, ...]]:
    """The findings with what the safety context forbids taken out, and the traces."""
    out: list[Finding] = []
    traces: list[SafetyTrace] = []
    for finding in findings:
        changed, found = _filter(finding, safety, ruleset)
        out.append(changed)
        traces.extend(found)
    return tuple(out), tuple(traces)
