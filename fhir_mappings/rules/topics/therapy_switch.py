"""Switch or add therapy once refractory disease is established and the dose and
adherence questions are closed: every remaining option as its own draft order, never
an agent tried before or one already in the line."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.facts import ANTI_CD20, CALCINEURIN_INHIBITORS, MYCOPHENOLATES, Agent
from fhir_mappings.findings import (
    Citation,
    Finding,
    RecommendedAction,
    Severity,
    Topic,
)
from fhir_mappings.rules import actions
from fhir_mappings.rules.context import Judged
from fhir_mappings.rules.history import TriedReason
from fhir_mappings.rules.topics._common import dose_rows, pdc_rows


def _options(j: Judged) -> tuple[list[RecommendedAction], list[str], list[str], list[Citation]]:
    """(drafts, next steps, options left out and why, citations)."""
    doses, sources = j.ruleset.doses, j.ruleset.sources
    current = j.line.agent_set
    backbone = j.line.backbone.agent if j.line.backbone is not None else None
    drafts: list[RecommendedAction] = []
    steps: list[str] = []
    left_out: list[str] = []
    citations: list[Citation] = [sources.algorithm]

    def offer(agent: Agent, build: RecommendedAction, step: str, cite: Citation) -> None:
        if agent in current:
            return
        if j.is_tried(agent):
            return  # named in the card's "tried before" note
        drafts.append(build)
        steps.append(step)
        citations.append(cite)

    if backbone in MYCOPHENOLATES or (backbone is None and not current & {Agent.CYCLOPHOSPHAMIDE}):
        offer(
            Agent.CYCLOPHOSPHAMIDE,
            actions.euro_lupus(doses, label="Switch to IV cyclophosphamide (Euro-Lupus)"),
            "Switch mycophenolate to IV cyclophosphamide, sometimes with IV methylprednisolone "
            "pulses x3.",
            sources.euro_lupus,
        )
    if backbone is Agent.CYCLOPHOSPHAMIDE or (backbone is None and not current & MYCOPHENOLATES):
        offer(
            Agent.MYCOPHENOLATE_MOFETIL,
            actions.mycophenolate(doses),
            "Switch cyclophosphamide to mycophenolate.",
            sources.dose,
        )
    rituximab_given = j.is_tried(Agent.RITUXIMAB) or Agent.RITUXIMAB in current
    if not rituximab_given:
        offer(
            Agent.RITUXIMAB,
            actions.rituximab(doses),
            "Rituximab as add-on or alternative.",
            sources.rituximab,
        )
    elif not (current & ANTI_CD20 - {Agent.RITUXIMAB}):
        offer(
            Agent.OBINUTUZUMAB,
            actions.obinutuzumab(doses),
            "Obinutuzumab, an anti-CD20 antibody, as add-on.",
            sources.obinutuzumab,
        )
    cni_limit = doses.cni_regimen_min_egfr
    if not current & CALCINEURIN_INHIBITORS:
        tried_cni = [t for t in j.tried if t.agent in CALCINEURIN_INHIBITORS]
        if tried_cni:
            pass  # named in the card's "tried before" note
        elif not j.egfr_above(cni_limit):
            left_out.append(
                f"calcineurin inhibitors (multitarget, voclosporin): eGFR not above "
                f"{wording.number(cni_limit)}"
            )
        elif backbone in MYCOPHENOLATES:
            member = j.line.backbone
            assert member is not None  # the backbone is a mycophenolate here
            order = member.dose_order.source_id if member.dose_order is not None else None
            offer(
                Agent.TACROLIMUS,
                actions.tacrolimus_multitarget(doses, member.agent, member.daily_dose_mg, order),
                "Multitarget therapy: tacrolimus + mycophenolate + glucocorticoids, "
                f"mycophenolate mofetil at {wording.dose_text(doses.multitarget_mmf_mg_day)} "
                f"or its equivalent (eGFR > {wording.number(cni_limit)}).",
                sources.multitarget,
            )
            offer(
                Agent.VOCLOSPORIN,
                actions.voclosporin(doses),
                f"Voclosporin with mycophenolate (eGFR > {wording.number(cni_limit)}).",
                sources.voclosporin,
            )
            citations.append(sources.cni_egfr)
    if j.egfr_at_least(doses.belimumab_min_egfr) or Agent.BELIMUMAB in current:
        offer(
            Agent.BELIMUMAB,
            actions.belimumab(doses),
            "Belimumab add-on (a first-line add-on in KDIGO 2024, with mycophenolate or "
            "low-dose cyclophosphamide); IV as drafted, or "
            f"{actions.belimumab_subcutaneous_text(doses)}.",
            sources.belimumab_first_line,
        )
    else:
        limit = wording.number(doses.belimumab_min_egfr)
        left_out.append(f"belimumab: eGFR below {limit} or not known")
    if backbone is Agent.CYCLOPHOSPHAMIDE:
        member = j.line.backbone
        pulses = member.pulses if member is not None else None
        so_far = (
            f"cumulative dose so far {wording.mass(pulses.cumulative_mg)}"
            if pulses is not None and pulses.cumulative_mg is not None
            else "cumulative dose unknown"
        )
        steps.append(
            f"Prolonged IV cyclophosphamide ({so_far}; toxicity: fertility, bladder, "
            "malignancy; consider a GnRH analogue)."
        )
    steps.append("Clinical trial.")
    return drafts, steps, left_out, citations


def therapy_switch(j: Judged) -> Finding | None:
    """WARNING: refractory, adherence not in doubt, dose and delivery at target.

    Not in pregnancy: the change of therapy is then to agents compatible with pregnancy,
    which the pregnancy card names (the refractory card points to it)."""
    if not j.refractory or j.safety.pregnancy is not None:
        return None
    if j.dose_step is not None or j.low_exposure:
        return None  # the dose-review card comes first
    drafts, steps, left_out, citations = _options(j)
    notes = list(j.notes)
    tried = [
        f"{wording.agent(t.agent)} ({'given' if t.reason is TriedReason.GIVEN else 'no response'}"
        f", line {t.line.number} from {wording.day(t.line.start)})"
        for t in j.tried
        if t.agent not in j.line.agent_set
    ]
    if tried:
        notes.append("Tried before, not offered again: " + "; ".join(tried) + ".")
    if left_out:
        notes.append("Not offered: " + "; ".join(dict.fromkeys(left_out)) + ".")
    if any(a.daily_dose_mg is None and a.route.value == "oral" for a in j.line.agents):
        notes.append("Daily dose of an oral agent could not be computed: check it is at target.")
    names = [wording.agent(Agent(a.agent)) for a in drafts if a.agent is not None]
    options = ", ".join(names) if names else "a clinical trial"
    return Finding(
        topic=Topic.THERAPY_SWITCH,
        severity=Severity.WARNING,
        summary=wording.summary(
            f"Refractory on {wording.line_label(j.line)}: switch or add ({options})"
        ),
        rationale=(
            f"Refractory lupus nephritis with adherence not in doubt and the dose at target "
            f"({j.ruleset.title}): the review switches or adds therapy next, without repeating "
            "what already failed."
        ),
        evidence=(*j.response_rows(), *dose_rows(j), *pdc_rows(j)),
        series=j.proteinuria_trend(),
        next_steps=tuple(steps),
        actions=tuple(drafts),
        citations=tuple(dict.fromkeys(citations)),
        notes=tuple(notes),
    )
