"""Renal function worsening on therapy before the line has responded: earlier biopsy."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.facts import Analyte
from fhir_mappings.findings import Finding, Severity, Topic
from fhir_mappings.rules import actions, evidence
from fhir_mappings.rules.context import Judged
from fhir_mappings.rules.topics._common import BIOPSY_STEPS
from fhir_mappings.rules.worsening import WorseningKind


def renal_worsening(j: Judged) -> Finding | None:
    """CRITICAL: creatinine up (or eGFR down) beyond the worsening threshold on therapy."""
    found = j.worsening
    if found is None or j.flare is not None:
        return None
    if not found.confirmed:
        return _unconfirmed(j)
    rule, sources = j.ruleset.worsening, j.ruleset.sources
    base, newest = found.baseline, found.worse[-1]
    creatinine = base.analyte is Analyte.CREATININE
    change = (newest.value - base.value) / base.value
    direction = "up" if creatinine else "down"
    what = f"{wording.label_in_text(base.analyte)} {direction} {wording.percent(abs(change))}"
    done = j.biopsies_since(found.since.day)
    if found.kind is WorseningKind.CONFIRMED:
        limit = rule.creatinine_rise_confirmed if creatinine else rule.egfr_fall_confirmed
        how = f"confirmed by two values beyond {wording.percent(limit)}"
    elif found.kind is WorseningKind.SINGLE:
        how = (
            f"creatinine at least {wording.number(rule.creatinine_ratio_single)} x baseline"
            if creatinine
            else f"eGFR down at least {wording.percent(rule.egfr_fall_single)}"
        )
    else:
        how = "with proteinuria rising and renal function beyond the stability band"
    rows = [evidence.lab(base, "baseline")]
    rows += [evidence.lab(p, "latest" if p is newest else None) for p in found.worse]
    if found.proteinuria:
        rows += [
            evidence.lab(found.proteinuria[0], "baseline"),
            evidence.lab(found.proteinuria[1], "latest"),
        ]
    rows += [evidence.biopsy(b) for b in done]
    series = tuple(p for p in j.facts.labs.get(base.analyte).points if base.day <= p.day <= j.today)
    steps: tuple[str, ...]
    if done:
        steps = (
            f"Kidney biopsy done {wording.day(done[-1].when)}: review its findings with the "
            "therapy.",
            "Review the therapy (adherence, dose, regimen).",
        )
        todo = f"biopsy done {wording.day(done[-1].when)}: review therapy"
    else:
        steps = (
            "Repeat kidney biopsy now rather than at "
            f"{wording.number(j.ruleset.earliest_judgement_months)} months.",
            "Review the therapy (adherence, dose, regimen).",
            *BIOPSY_STEPS,
        )
        todo = "earlier repeat biopsy and therapy review"
    citations = [sources.worsening, sources.algorithm]
    if found.kind is WorseningKind.SINGLE:
        citations.insert(1, sources.worsening_single)
    return Finding(
        topic=Topic.RENAL_WORSENING,
        severity=Severity.CRITICAL,
        summary=wording.summary(
            f"Renal function worsening on therapy: {what} from baseline "
            f"({wording.day(base.day)}): {todo}"
        ),
        rationale=(
            f"Renal function worse on therapy before any response, {how} "
            f"({wording.months(j.months)} on {wording.line_label(j.line)}). The review calls "
            "deterioration on therapy refractory disease and advises an earlier biopsy."
        ),
        evidence=tuple(rows),
        series=series,
        next_steps=steps,
        actions=() if done else (actions.biopsy("Renal function worsening on therapy"),),
        citations=tuple(citations),
        notes=j.notes,
    )


def _unconfirmed(j: Judged) -> Finding:
    """WARNING: one value beyond the worsening threshold: repeat it before acting."""
    found = j.worsening
    assert found is not None
    rule, sources = j.ruleset.worsening, j.ruleset.sources
    base, newest = found.baseline, found.worse[-1]
    creatinine = base.analyte is Analyte.CREATININE
    change = (newest.value - base.value) / base.value
    direction = "up" if creatinine else "down"
    what = f"{wording.label_in_text(base.analyte)} {direction} {wording.percent(abs(change))}"
    limit = rule.creatinine_rise_confirmed if creatinine else rule.egfr_fall_confirmed
    return Finding(
        topic=Topic.RENAL_WORSENING,
        severity=Severity.WARNING,
        summary=wording.summary(
            f"Possible renal worsening: {what} from baseline on one value; repeat to confirm"
        ),
        rationale=(
            f"One value beyond {wording.percent(limit)} of baseline; worsening on therapy is "
            "confirmed by a second value (or by one beyond the higher single-value threshold)."
        ),
        evidence=(evidence.lab(base, "baseline"), evidence.lab(newest, "latest")),
        series=tuple(
            p for p in j.facts.labs.get(base.analyte).points if base.day <= p.day <= j.today
        ),
        next_steps=(
            "Repeat serum creatinine (and eGFR) soon.",
            "If confirmed: earlier repeat biopsy and therapy review.",
        ),
        actions=(
            actions.lab(
                actions.CREATININE_LOINC,
                "Order serum creatinine",
                "Confirm a possible worsening of renal function",
            ),
        ),
        citations=(sources.worsening, sources.algorithm),
        notes=j.notes,
    )
