"""Dose review: no response on a dose below target, a low exposure with good refills, or
pulses of cyclophosphamide given fewer than scheduled (under-treatment, not refractory)."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.facts import MYCOPHENOLATES, Agent, PulseScheme
from fhir_mappings.findings import (
    Citation,
    EvidenceRow,
    Finding,
    RecommendedAction,
    Severity,
    Topic,
)
from fhir_mappings.rules import actions, evidence
from fhir_mappings.rules.context import Judged


def dose_review(j: Judged) -> Finding | None:
    """WARNING: the dose step, the exposure question, or the missing pulses."""
    if not j.judgeable:
        return None
    rs, sources = j.ruleset, j.ruleset.sources
    # the response that was not reached first, then the card's own rows
    rows: list[EvidenceRow] = list(j.response_rows())
    todo: list[str] = []
    steps: list[str] = []
    suggestions: list[RecommendedAction] = []
    citations: list[Citation] = []
    notes = list(j.notes)
    backbone = j.line.backbone
    if backbone is not None and backbone.agent in MYCOPHENOLATES and backbone.on_hold:
        notes.append(
            f"{wording.agent(backbone.agent).capitalize()} is on hold: its dose is not judged."
        )
    step = j.dose_step
    if step is not None and j.excluded_in_pregnancy(step.member.agent):
        step = None  # no step for an agent to be replaced: the pregnancy card says so
    if step is not None:
        name = wording.agent(step.member.agent)
        target = wording.dose_text(step.target_mg_day)
        row = evidence.dose(step.order, marker=f"target {target}")
        if row is not None:
            rows.append(row)
        todo.append(f"{name} {wording.dose_text(step.current_mg_day)}, consider {target}")
        steps.append(f"Increase {name} to {target} as tolerated.")
        suggestions.append(
            actions.dose_step(
                step.member.agent, step.target_mg_day, step.each_mg, step.order.source_id
            )
        )
        citations += [sources.dose, sources.algorithm]
        if step.member.agent is Agent.MYCOPHENOLATE_SODIUM:
            citations.append(sources.mycophenolate_sodium)
    for item in j.low_exposure:
        name = wording.agent(item.agent)
        pdc_row = evidence.pdc(name, item.exposure.refills)
        rows += [evidence.lab(p, "latest") for p in item.low_levels]
        if pdc_row is not None:
            rows.append(pdc_row)
        todo.append(f"low MPA exposure with good refills on {name}, AUC-guided dosing")
        steps.append(
            "Low mycophenolic acid exposure although refills cover the period: consider "
            "MPA AUC-guided dosing (malabsorption, interactions such as proton-pump "
            "inhibitors or antacids, fast clearance)."
        )
        suggestions.append(
            actions.lab(actions.MPA_AUC_LOINC, "Order MPA AUC", "Low mycophenolic acid exposure")
        )
        citations += [sources.exposure, sources.exposure_review]
    for delivery in j.under_treated:
        name = wording.agent(delivery.agent)
        rows += [evidence.pulse(name, g) for g in delivery.doses]
        remaining = delivery.planned - delivery.given
        todo.append(
            f"{name} {delivery.given} of {delivery.planned} pulses given, {delivery.due} due"
        )
        steps.append(
            f"Under-treatment, not refractory disease: {delivery.given} of {delivery.planned} "
            f"{name} pulses given since {wording.day(delivery.first)}, {delivery.due} due by "
            "now. Complete the scheduled course, then judge the response."
        )
        if delivery.scheme is PulseScheme.NIH:
            suggestions.append(actions.nih_pulses(rs.doses, remaining))
        else:
            suggestions.append(
                actions.euro_lupus(
                    rs.doses,
                    remaining,
                    label=f"Give the remaining {remaining} cyclophosphamide pulses",
                )
            )
        citations.append(sources.euro_lupus)
    if not todo:
        return None
    mmf, mps = (
        wording.dose_text(d) for d in (rs.doses.mmf_target_mg_day, rs.doses.mps_target_mg_day)
    )
    return Finding(
        topic=Topic.DOSE_REVIEW,
        severity=Severity.WARNING,
        summary=wording.summary(f"No response after {wording.months(j.months)}: {'; '.join(todo)}"),
        rationale=(
            "The review's first steps for a non-responder check that the induction was given "
            f"at the guideline dose: mycophenolate mofetil {mmf} (mycophenolate sodium {mps}) as "
            f"tolerated, MPA trough >= {wording.number(rs.doses.mpa_trough_min_mg_l)} mg/L and AUC "
            f">= {wording.number(rs.doses.mpa_auc_min_mg_h_l)} mg·h/L, every cyclophosphamide "
            "pulse given on schedule. Low exposure and missed pulses mean the induction was not "
            "adequately given: not refractory disease."
        ),
        evidence=tuple(rows),
        series=j.proteinuria_trend(),
        next_steps=tuple(steps),
        actions=tuple(suggestions),
        citations=tuple(dict.fromkeys(citations)),
        notes=tuple(dict.fromkeys(notes)),
    )
