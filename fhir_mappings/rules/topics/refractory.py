"""Refractory lupus nephritis: no response after the earliest month of an induction that
was taken and fully delivered (the review's definition)."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.facts import MYCOPHENOLATES, LineRole
from fhir_mappings.findings import Finding, Severity, Topic
from fhir_mappings.rules import actions, evidence
from fhir_mappings.rules.adherence import Verdict
from fhir_mappings.rules.context import Judged
from fhir_mappings.rules.topics._common import (
    REPEAT_BIOPSY_STEP,
    dose_rows,
    no_response_rule,
    pdc_rows,
)
from fhir_mappings.rulesets import PROGNOSIS_10Y_RENAL_SURVIVAL


def _adherence_step(j: Judged) -> str:
    """What the record says about adherence (refractory excludes a doubt already)."""
    if j.given_by_clinicians:
        return "Adherence is not in question: every agent of the line is given by clinicians."
    oral = [a for a in j.adherence if a.agent in j.line.agent_set and a.verdict in _ORAL_READ]
    covered = [a for a in oral if a.verdict is Verdict.ADHERENT and a.exposure.refills.pdc]
    unknown = [a for a in oral if a.verdict is not Verdict.ADHERENT]
    if covered and not unknown:
        pdc = ", ".join(
            f"{wording.agent(a.agent)} {wording.percent(a.exposure.refills.pdc or 0.0)}"
            for a in covered
        )
        return f"Adherence not in doubt: refills cover the period (PDC {pdc})."
    if unknown:
        names = ", ".join(wording.agent(a.agent) for a in unknown)
        return f"Confirm adherence to {names} (drug levels, refills): the record cannot tell."
    return "Confirm adherence (drug levels, refills)."


#: Verdicts on an oral agent the adherence step speaks about.
_ORAL_READ = frozenset({Verdict.ADHERENT, Verdict.UNKNOWN})


def _dose_step(j: Judged) -> str:
    """Where the dose stands: replaced in pregnancy, below target, or at it."""
    step = j.dose_step
    backbone = j.line.backbone
    if backbone is not None and j.excluded_in_pregnancy(backbone.agent):
        return (
            f"Dose not reviewed: {wording.agent(backbone.agent)} is to be replaced "
            "(see the pregnancy card)."
        )
    if step is not None:
        return (
            f"Dose below target: {wording.agent(step.member.agent)} "
            f"{wording.dose_text(step.current_mg_day)}; the dose card's step comes before a "
            "switch."
        )
    if j.delivery and not j.under_treated:
        given = "; ".join(
            f"{wording.agent(d.agent)} {d.given} of {d.planned} pulses" for d in j.delivery
        )
        return f"Pulses given as scheduled ({given})."
    at_target = _mycophenolate_at_target(j)
    if at_target is not None:
        return f"Dose at the induction target: {at_target}."
    return "Review the dose against guideline targets."


def _mycophenolate_at_target(j: Judged) -> str | None:
    """ "mycophenolate mofetil 3 g/day" when the backbone is a mycophenolate at or above
    its induction target on an induction or add-on line without a calcineurin inhibitor
    (the lines whose dose the dose card judges), else ``None``."""
    backbone = j.line.backbone
    if backbone is None or backbone.agent not in MYCOPHENOLATES or backbone.on_hold:
        return None
    if j.line.role is LineRole.MAINTENANCE or j.line.contains_cni:
        return None
    daily = backbone.daily_dose_mg
    if daily is None or backbone.dose_order is None:
        return None
    return f"{wording.agent(backbone.agent)} {wording.dose_text(daily)}"


def _steps(j: Judged) -> tuple[str, ...]:
    """The review's order of work, as it applies to this patient's line and record."""
    steps = [_adherence_step(j), _dose_step(j)]
    done = j.repeat_biopsies()
    if done:
        steps.append(f"Kidney biopsy done {wording.day(done[-1].when)}: review its findings.")
    else:
        steps.append(REPEAT_BIOPSY_STEP)
        if j.safety.pregnancy is not None:
            steps.append("Pregnancy: plan the timing of the biopsy with obstetrics.")
    if j.safety.pregnancy is not None:
        steps.append("Then change to agents compatible with pregnancy (see the pregnancy card).")
    elif j.dose_step is not None:
        steps.append("Then, if there is still no response, switch or add therapy.")
    else:
        steps.append("Then switch or add therapy (see the switch card).")
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
        # the response, the doses and refills its steps name, the repeat biopsy if done
        evidence=(
            *j.response_rows(),
            *dose_rows(j),
            *pdc_rows(j),
            *(evidence.biopsy(b) for b in j.repeat_biopsies()),
        ),
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
