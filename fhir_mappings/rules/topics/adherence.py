"""Possible non-adherence: refills below the PDC threshold, or a low drug level without
refills that cover the period. A responder gets a reminder and nothing cytotoxic."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.facts import MYCOPHENOLATES, Agent, Analyte, Route
from fhir_mappings.findings import (
    Citation,
    EvidenceRow,
    Finding,
    RecommendedAction,
    Severity,
    Topic,
)
from fhir_mappings.rules import actions, evidence
from fhir_mappings.rules.adherence import Verdict
from fhir_mappings.rules.context import Judged


def adherence(j: Judged) -> Finding | None:
    """WARNING for a non-responder (INFO, a reminder, for a responder)."""
    if not j.doubts:
        return None
    rs, sources = j.ruleset, j.ruleset.sources
    # the response first: the card leads the set when adherence is the first question
    rows: list[EvidenceRow] = list(j.response_rows())
    parts: list[str] = []
    citations: list[Citation] = [sources.adherence, sources.adherence_first]
    for item in j.doubts:
        name = wording.agent(item.agent)
        refills = item.exposure.refills
        rows += [evidence.fill(name, f) for f in refills.fills]
        pdc_row = evidence.pdc(name, refills)
        if pdc_row is not None:
            rows.append(pdc_row)
        if item.low_pdc and refills.pdc is not None:
            parts.append(f"{name} PDC {wording.percent(refills.pdc)}")
        for point in item.low_levels:
            rows.append(evidence.lab(point, "latest"))
            parts.append(f"low {wording.label(point.analyte)} {wording.lab(point)}")
            if point.analyte is Analyte.HYDROXYCHLOROQUINE:
                citations.append(sources.hydroxychloroquine_level)
            else:
                citations.append(sources.exposure)
    either = any(a.verdict is Verdict.NONADHERENCE_OR_LOW_EXPOSURE for a in j.doubts)
    responded = j.response.responded
    suggestions: list[RecommendedAction] = []
    if any(a.agent in MYCOPHENOLATES for a in j.line.agents) and not any(
        p.analyte is Analyte.MPA_TROUGH for a in j.doubts for p in a.exposure.levels
    ):
        suggestions.append(
            actions.lab(
                actions.MPA_TROUGH_LOINC, "Order MPA trough level", "Adherence and exposure"
            )
        )
    if (
        j.judgeable
        and j.oral_backbone()
        and not j.is_tried(Agent.CYCLOPHOSPHAMIDE)
        and not any(
            a.agent is Agent.CYCLOPHOSPHAMIDE and a.route is not Route.ORAL for a in j.line.agents
        )
    ):
        suggestions.append(
            actions.euro_lupus(
                rs.doses, label="Switch to IV cyclophosphamide (adherence intrinsic)"
            )
        )
    what = "; ".join(dict.fromkeys(parts))
    headline = "Possible non-adherence or low exposure" if either else "Possible non-adherence"
    if responded:
        summary = f"Adherence reminder: {what}"
        steps: tuple[str, ...] = (
            "Discuss adherence with the patient (side effects, cost, other pharmacies).",
            "Measure a drug level (MPA trough for mycophenolate).",
        )
    else:
        summary = f"{headline}: {what}"
        steps = (
            "Discuss adherence with the patient (side effects, cost, other pharmacies).",
            "Measure a drug level (MPA trough for mycophenolate).",
            "If oral adherence fails in a non-responder: IV cyclophosphamide (adherence "
            "intrinsic).",
        )
    return Finding(
        topic=Topic.ADHERENCE,
        severity=Severity.INFO if responded else Severity.WARNING,
        summary=wording.summary(summary),
        rationale=(
            f"A proportion of days covered below {wording.percent(rs.pdc_adherent_min)} for an "
            "oral agent, or a drug level below its threshold without refills that cover the "
            "period, suggests possible non-adherence (a missing refill is not proof; a low "
            "mycophenolic acid level with good refills is low exposure, a dosing question)."
        ),
        evidence=tuple(rows),
        series=j.proteinuria_trend(),
        next_steps=steps,
        actions=tuple(suggestions),
        citations=tuple(dict.fromkeys(citations)),
        notes=j.notes,
    )
