"""The review's algorithm (Figure 1) as findings: one function per topic.

Decisions where the issue left a choice (each listed in the engineer's report):

* ``dose-review`` applies to NONE only (no CR/PR at >= 6 months): the review's step
  is "without remission" and a partial response is a remission.
* Regimens containing a calcineurin inhibitor (multitarget, mycophenolate +
  voclosporin) use a reduced mycophenolate dose by design: no daily-dose review for
  them (the MPA exposure check still applies).
* Adherence is "in doubt" on: an estimate marked POSSIBLE_NONADHERENCE; a PDC below
  the threshold for a non-intrinsic agent; a low hydroxychloroquine level; a low MPA
  level unless dispensing shows PDC >= threshold (then low MPA is an exposure problem
  for ``dose-review``). UNKNOWN (no dispense records) is not doubt: ``refractory``
  may be called, and every card carries the note "adherence unknown: ...".
* ``therapy-switch`` needs ``refractory`` and no open ``adherence``/``dose-review``; a
  daily dose that could not be computed does not block it but is noted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from fhir_mappings.facts import (
    AGENT_DISPLAY,
    MYCOPHENOLATES,
    AdherenceEstimate,
    AdherenceStatus,
    Agent,
    Analyte,
    InductionRegimen,
    LabPoint,
    PatientFacts,
    Route,
    TherapyCourse,
)
from fhir_mappings.findings import (
    ActionKind,
    Citation,
    EvidenceRow,
    Finding,
    RecommendedAction,
    ResponseAssessment,
    ResponseClass,
    Severity,
    Topic,
)
from fhir_mappings.rules.response import (
    early_worsening,
    is_below,
    proteinuria_series,
    unreadable_proteinuria_after,
)
from fhir_mappings.rulesets import (
    ADHERENCE_CITATION,
    PROGNOSIS_10Y_RENAL_SURVIVAL,
    Ruleset,
)

# LOINC 72667-9 "Mycophenolate [Mass/volume] in Serum or Plasma --trough" (HL7 Europe
# PROTECT-CHILD IG value set imm-pat-pk-measurement-vs; mod-10 check digit verified).
MPA_TROUGH_LOINC = "72667-9"
MPA_TROUGH_DISPLAY = "Mycophenolate [Mass/volume] in Serum or Plasma --trough"
# LOINC 2890-2 "Protein/Creatinine [Mass Ratio] in Urine" (clinical.md "Codes", H).
UPCR_LOINC = "2890-2"
UPCR_DISPLAY = "Protein/Creatinine [Mass Ratio] in Urine"

SUMMARY_MAX = 139  # summary strictly shorter than 140 characters
ADHERENCE_UNKNOWN_NOTE = "adherence unknown: no dispense records"
# Agents taken by mouth (clinical.md "Doses"): a course of one with an unrecorded route is
# still expected to be dispensed, so its missing dispense records make adherence unknown.
_ORAL_AGENTS = frozenset(
    {
        Agent.MYCOPHENOLATE_MOFETIL,
        Agent.MYCOPHENOLATE_SODIUM,
        Agent.TACROLIMUS,
        Agent.CYCLOSPORINE,
        Agent.VOCLOSPORIN,
        Agent.AZATHIOPRINE,
        Agent.HYDROXYCHLOROQUINE,
    }
)
# The review's order of next steps for a non-responder (clinical.md "The review").
_BIOPSY_STEPS = (
    "Exclude other lesions: thrombotic microangiopathy, podocytopathy, "
    "APS vasculopathy, interstitial nephritis.",
    "Assess chronicity versus persisting inflammation (activity).",
)


def _summary(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def _grams(mg: float) -> str:
    return f"{mg / 1000:g} g/day"


#: Decimals shown per analyte (as labs report them); others get two.
_DECIMALS = {Analyte.EGFR: 0, Analyte.URINE_RBC: 0, Analyte.HYDROXYCHLOROQUINE: 0}


def _fmt(point: LabPoint) -> str:
    decimals = _DECIMALS.get(point.analyte, 2)
    return f"{point.comparator or ''}{point.value:.{decimals}f}"


#: Evidence labels per analyte; others show the analyte's value (speed: built once).
_LABELS = {
    Analyte.UPCR: "UPCR",
    Analyte.PROTEIN_24H: "24 h protein",
    Analyte.CREATININE: "Creatinine",
    Analyte.EGFR: "eGFR",
    Analyte.MPA_TROUGH: "MPA trough",
    Analyte.MPA_AUC: "MPA AUC",
    Analyte.HYDROXYCHLOROQUINE: "Hydroxychloroquine level",
}


def _label(point: LabPoint) -> str:
    label = _LABELS.get(point.analyte)
    return label if label is not None else point.analyte.value


def _row(point: LabPoint, marker: str | None = None) -> EvidenceRow:
    return EvidenceRow(
        when=point.day,
        analyte=point.analyte,
        label=_label(point),
        value=_fmt(point),
        unit=point.unit,
        marker=marker,
        source_id=point.source_id,
    )


@dataclass(frozen=True)  # no slots: ``cached_property`` keeps its value in ``__dict__``
class _Context:
    """What several topics share, computed once."""

    facts: PatientFacts
    response: ResponseAssessment
    ruleset: Ruleset
    induction: InductionRegimen
    doubts: tuple[AdherenceEstimate, ...]
    unknown_agents: tuple[Agent, ...]

    @property
    def adherence_in_doubt(self) -> bool:
        return bool(self.doubts)

    @property
    def notes(self) -> tuple[str, ...]:
        if not self.unknown_agents or self.doubts:
            return ()
        names = ", ".join(AGENT_DISPLAY[a] for a in self.unknown_agents)
        return (f"{ADHERENCE_UNKNOWN_NOTE} ({names}).",)

    @property
    def citations(self) -> tuple[Citation, ...]:
        return self.ruleset.citations

    @property
    def months(self) -> int:
        """Whole months on therapy, rounded (6.9 months reads "7 months")."""
        return round(self.response.months_on_therapy or 0.0)

    @property
    def regimen_label(self) -> str:
        """Backbone agent and daily dose when known ("mycophenolate mofetil 3 g/day")."""
        ind = self.induction
        course = ind.course(ind.primary_agent)
        name = AGENT_DISPLAY[ind.primary_agent]
        if course is not None and course.daily_dose_mg is not None and course.route is Route.ORAL:
            return f"{name} {_grams(course.daily_dose_mg)}"
        return name

    def proteinuria_rows(self) -> tuple[EvidenceRow, ...]:
        rows = []
        if self.response.baseline_proteinuria is not None:
            rows.append(_row(self.response.baseline_proteinuria, "baseline"))
        if self.response.latest_proteinuria is not None:
            rows.append(_row(self.response.latest_proteinuria, "latest"))
        return tuple(rows)

    @cached_property
    def proteinuria_trend(self) -> tuple[LabPoint, ...]:
        """The proteinuria series from the baseline on (speed: once for all topics)."""
        base = self.response.baseline_proteinuria
        points = proteinuria_series(self.facts)
        return tuple(p for p in points if base is None or p.day >= base.day)


def _in_doubt(estimate: AdherenceEstimate, ruleset: Ruleset) -> bool:
    if estimate.status is AdherenceStatus.POSSIBLE_NONADHERENCE:
        return True
    if estimate.status is AdherenceStatus.INTRINSIC:
        return False
    if estimate.pdc is not None and estimate.pdc < ruleset.pdc_adherent_min:
        return True
    fills_ok = estimate.pdc is not None and estimate.pdc >= ruleset.pdc_adherent_min
    for level in estimate.levels:
        if not level.low:
            continue
        if level.point.analyte is Analyte.HYDROXYCHLOROQUINE:
            return True
        if level.point.analyte is Analyte.MPA_TROUGH and not fills_ok:
            return True
    return False


def _context(facts: PatientFacts, response: ResponseAssessment, ruleset: Ruleset) -> _Context:
    induction = facts.induction
    assert induction is not None  # findings_for returns early otherwise
    agents = {c.agent for c in induction.courses} | {Agent.HYDROXYCHLOROQUINE}
    relevant = [e for e in facts.adherence if e.agent in agents]
    doubts = tuple(e for e in relevant if _in_doubt(e, ruleset))
    known = {e.agent for e in relevant if e.status is not AdherenceStatus.UNKNOWN}
    unknown = tuple(
        c.agent
        for c in induction.courses
        if c.agent not in known
        and (c.route is Route.ORAL or (c.route is Route.UNKNOWN and c.agent in _ORAL_AGENTS))
    )
    return _Context(facts, response, ruleset, induction, doubts, unknown)


def renal_worsening(ctx: _Context) -> Finding | None:
    """CRITICAL: renal function worse beyond the band within the first months."""
    if not ctx.response.early_worsening:
        return None
    rs = ctx.ruleset
    found = early_worsening(ctx.facts, rs)
    if found is None:  # pragma: no cover - the response said it worsened
        return None
    baseline, worse = found
    analyte = baseline.analyte
    series = tuple(
        p for p in ctx.facts.labs.get(analyte).points if baseline.day <= p.day <= ctx.facts.today
    )
    band = rs.creatinine_band if analyte is Analyte.CREATININE else rs.egfr_band
    direction = "rise" if analyte is Analyte.CREATININE else "fall"
    rows = [_row(baseline, "baseline"), *(_row(p) for p in worse if p != series[-1])]
    rows.append(_row(series[-1], "latest"))
    return Finding(
        topic=Topic.RENAL_WORSENING,
        severity=Severity.CRITICAL,
        summary=_summary(
            f"Renal function worse within {rs.early_worsening_months:g} months of induction: "
            "earlier repeat biopsy and therapy review"
        ),
        rationale=(
            f"{_label(baseline)} {direction} beyond "
            f"{band:.0%} of baseline within the first {rs.early_worsening_months:g} months "
            f"of induction ({rs.title})."
        ),
        evidence=tuple(rows),
        series=series,
        next_steps=(
            "Repeat kidney biopsy now rather than at 6 months.",
            "Review the induction therapy (adherence, dose, regimen).",
            *_BIOPSY_STEPS,
        ),
        actions=(_biopsy_order("Renal function worsening in the first months of induction"),),
        citations=ctx.citations,
        notes=ctx.notes,
    )


def _biopsy_order(reason: str) -> RecommendedAction:
    """The recommended draft order for a kidney biopsy, with its reason."""
    return RecommendedAction(
        ActionKind.ORDER_KIDNEY_BIOPSY, "Order kidney biopsy", {"reason": reason}, recommended=True
    )


def adherence(ctx: _Context) -> Finding | None:
    """WARNING: possible non-adherence (low PDC for an oral agent, or a low drug level)."""
    if not ctx.doubts:
        return None
    rs = ctx.ruleset
    rows: list[EvidenceRow] = []
    parts: list[str] = []
    for est in ctx.doubts:
        name = AGENT_DISPLAY[est.agent]
        for fill in est.fills:
            supply = f"{fill.days_supply:g} days" if fill.days_supply is not None else "supply ?"
            rows.append(
                EvidenceRow(fill.when, None, f"Dispense: {name}", supply, "", None, fill.source_id)
            )
        if est.pdc is not None:
            when = est.window_end or ctx.facts.today
            rows.append(EvidenceRow(when, None, f"PDC: {name}", f"{est.pdc:.0%}", "", "latest"))
            if est.pdc < rs.pdc_adherent_min:
                parts.append(f"{name} PDC {est.pdc:.0%}")
        for level in est.levels:
            rows.append(_row(level.point, "latest" if level.low else None))
            if level.low:
                parts.append(f"low {_label(level.point)} {_fmt(level.point)} {level.point.unit}")
    detail = "; ".join(parts) or "; ".join(
        f"{AGENT_DISPLAY[e.agent]} possibly not taken" for e in ctx.doubts
    )
    oral_backbone = ctx.induction.primary_agent in MYCOPHENOLATES or (
        ctx.induction.primary_agent is Agent.CYCLOPHOSPHAMIDE
        and any(
            c.agent is Agent.CYCLOPHOSPHAMIDE and c.route is Route.ORAL
            for c in ctx.induction.courses
        )
    )
    actions: list[RecommendedAction] = []
    if any(c.agent in MYCOPHENOLATES for c in ctx.induction.courses):
        actions.append(
            RecommendedAction(
                ActionKind.ORDER_LAB,
                "Order MPA trough level",
                {
                    "loinc": MPA_TROUGH_LOINC,
                    "display": MPA_TROUGH_DISPLAY,
                    "reason": "Possible non-adherence to mycophenolate",
                },
                recommended=True,
            )
        )
    if oral_backbone:
        actions.append(
            RecommendedAction(
                ActionKind.START_THERAPY,
                "Switch to IV cyclophosphamide",
                {
                    "agent": Agent.CYCLOPHOSPHAMIDE.value,
                    "dosage_text": "500 mg IV every 2 weeks x 6 doses (Euro-Lupus)",
                    "route": Route.INTRAVENOUS.value,
                },
            )
        )
    return Finding(
        topic=Topic.ADHERENCE,
        severity=Severity.WARNING,
        summary=_summary(f"Possible non-adherence: {detail}"),
        rationale=(
            f"Proportion of days covered below {rs.pdc_adherent_min:.0%} for an oral "
            "induction agent, or a drug level below its threshold, suggests possible "
            "non-adherence (a missing refill is not proof)."
        ),
        evidence=tuple(rows),
        series=ctx.proteinuria_trend,
        next_steps=(
            "Discuss adherence with the patient (side effects, cost, other pharmacies).",
            "Measure a drug level (MPA trough for mycophenolate).",
            "If oral adherence fails: IV cyclophosphamide (adherence intrinsic).",
        ),
        actions=tuple(actions),
        citations=(*ctx.citations, ADHERENCE_CITATION),
    )


def _latest_since(ctx: _Context, analyte: Analyte) -> LabPoint | None:
    points = [
        p
        for p in ctx.facts.labs.get(analyte).points
        if ctx.induction.start <= p.day <= ctx.facts.today
    ]
    return points[-1] if points else None


def _dose_step(course: TherapyCourse, ctx: _Context) -> tuple[float, float] | None:
    """(target mg/day, dose mg twice daily) when ``course`` is below its target."""
    doses = ctx.ruleset.doses
    targets = {
        Agent.MYCOPHENOLATE_MOFETIL: (doses.mmf_target_mg_day, doses.mmf_step_dose_mg),
        Agent.MYCOPHENOLATE_SODIUM: (doses.mps_target_mg_day, doses.mps_step_dose_mg),
    }
    target = targets.get(course.agent)
    daily = course.daily_dose_mg
    if target is None or daily is None or daily >= target[0]:
        return None
    return target


def dose_review(ctx: _Context) -> Finding | None:
    """WARNING: no response and mycophenolate below target dose or exposure."""
    if ctx.response.classification is not ResponseClass.NONE:
        return None
    rs = ctx.ruleset
    doses = rs.doses
    course = next((c for c in ctx.induction.courses if c.agent in MYCOPHENOLATES), None)
    if course is None:
        return None
    step = None if ctx.induction.contains_cni else _dose_step(course, ctx)
    trough = _latest_since(ctx, Analyte.MPA_TROUGH)
    auc = _latest_since(ctx, Analyte.MPA_AUC)
    low_trough = (
        trough is not None
        and not ctx.adherence_in_doubt
        and is_below(trough, doses.mpa_trough_min_mg_l)
    )
    low_auc = auc is not None and is_below(auc, doses.mpa_auc_min_mg_h_l)
    if step is None and not (low_trough or low_auc):
        return None
    name = AGENT_DISPLAY[course.agent]
    daily = course.daily_dose_mg
    dose_text = f" {_grams(daily)}" if daily is not None else ""
    rows: list[EvidenceRow] = list(ctx.proteinuria_rows())
    if daily is not None:
        rows.append(
            EvidenceRow(
                ctx.facts.today,
                None,
                name,
                f"{daily:g}",
                "mg/day",
                "latest",
                course.orders[-1].source_id if course.orders else None,
            )
        )
    rows += [_row(p, "latest") for p in (trough, auc) if p is not None]
    actions: tuple[RecommendedAction, ...] = ()
    if step is not None:
        target, each = step
        action_text = f"consider {_grams(target)}"
        actions = (
            RecommendedAction(
                ActionKind.DOSE_STEP,
                f"Increase {name} to {_grams(target)}",
                {
                    "agent": course.agent.value,
                    "daily_dose_mg": target,
                    "dose_mg": each,
                    "frequency_per_day": 2,
                    "route": Route.ORAL.value,
                    "replaces": course.orders[-1].source_id if course.orders else None,
                },
                recommended=True,
            ),
        )
    else:
        action_text = "low MPA exposure, consider AUC-guided dosing"
    return Finding(
        topic=Topic.DOSE_REVIEW,
        severity=Severity.WARNING,
        summary=_summary(
            f"No response after {ctx.months} months of {name}{dose_text}: {action_text}"
        ),
        rationale=(
            f"Without remission at >= {rs.earliest_judgement_months:g} months ({rs.title}), "
            f"mycophenolate below target ({_grams(doses.mmf_target_mg_day)} MMF or "
            f"{_grams(doses.mps_target_mg_day)} mycophenolate sodium; MPA trough >= "
            f"{doses.mpa_trough_min_mg_l:g} mg/L, AUC >= {doses.mpa_auc_min_mg_h_l:g} mg.h/L) "
            "should be maximised as tolerated."
        ),
        evidence=tuple(rows),
        series=ctx.proteinuria_trend,
        next_steps=(
            f"Increase to {_grams(doses.mmf_target_mg_day)} MMF "
            f"({_grams(doses.mps_target_mg_day)} mycophenolate sodium) as tolerated.",
            "Consider MPA AUC-guided dosing (especially in Asian patients).",
        ),
        actions=actions,
        citations=ctx.citations,
        notes=ctx.notes,
    )


def _no_response_rationale(ctx: _Context) -> str:
    rs = ctx.ruleset
    cap = f" and < {rs.pr_cap_below_g_g:g} g/g" + (
        " if nephrotic at baseline" if rs.pr_cap_only_if_nephrotic else ""
    )
    return (
        f"No complete (proteinuria < {rs.cr_proteinuria_below_g_g:g} g/g) or partial "
        f"(fall >= {rs.pr_min_fall:.0%}{cap}) response after "
        f"{ctx.response.months_on_therapy or 0.0:.1f} months of induction ({rs.title})."
    )


def repeat_biopsy(ctx: _Context) -> Finding | None:
    """WARNING: no response at >= 6 months and no kidney biopsy since induction start."""
    if ctx.response.classification is not ResponseClass.NONE:
        return None
    if any(b.when >= ctx.induction.start for b in ctx.facts.biopsies):
        return None
    return Finding(
        topic=Topic.REPEAT_BIOPSY,
        severity=Severity.WARNING,
        summary=_summary(
            f"No response after {ctx.months} months of induction: consider repeat kidney biopsy"
        ),
        rationale=_no_response_rationale(ctx),
        evidence=ctx.proteinuria_rows(),
        series=ctx.proteinuria_trend,
        next_steps=_BIOPSY_STEPS,
        actions=(_biopsy_order("No response to induction therapy"),),
        citations=ctx.citations,
        notes=ctx.notes,
    )


def refractory(ctx: _Context) -> Finding | None:
    """WARNING: no response at >= 6 months of an induction that was taken."""
    if ctx.response.classification is not ResponseClass.NONE or ctx.adherence_in_doubt:
        return None
    survival = ", ".join(f"{v:.0%} {k}" for k, v in PROGNOSIS_10Y_RENAL_SURVIVAL.items())
    return Finding(
        topic=Topic.REFRACTORY,
        severity=Severity.WARNING,
        summary=_summary(
            f"Refractory lupus nephritis: no response after {ctx.months} months of "
            f"{ctx.regimen_label}"
        ),
        rationale=_no_response_rationale(ctx),
        evidence=ctx.proteinuria_rows(),
        series=ctx.proteinuria_trend,
        next_steps=(
            "Confirm adherence (drug levels, refills).",
            "Review the dose against guideline targets.",
            "Repeat kidney biopsy to exclude other lesions.",
            "Then switch or add therapy.",
        ),
        citations=ctx.citations,
        notes=(*ctx.notes, f"10-year renal survival by remission (review): {survival}."),
    )


def _egfr_above(point: LabPoint | None, limit: float) -> bool:
    if point is None or point.comparator in ("<", "<="):
        return False
    if point.comparator == ">":
        return point.value >= limit
    return point.value > limit


def therapy_switch(ctx: _Context, open_topics: frozenset[Topic]) -> Finding | None:
    """WARNING: refractory, adherence not in doubt, dose at target: switch or add therapy."""
    if Topic.REFRACTORY not in open_topics or open_topics & {Topic.ADHERENCE, Topic.DOSE_REVIEW}:
        return None
    ind = ctx.induction
    doses = ctx.ruleset.doses
    agents = {c.agent for c in ind.courses}
    if ind.primary_agent in MYCOPHENOLATES:
        target, dosage = (
            Agent.CYCLOPHOSPHAMIDE,
            ("Euro-Lupus 500 mg IV every 2 weeks x 6, or NIH 0.5-1 g/m2 IV monthly x 6"),
        )
        route = Route.INTRAVENOUS
    else:
        target, dosage = Agent.MYCOPHENOLATE_MOFETIL, "1-1.5 g orally twice daily"
        route = Route.ORAL
    current = AGENT_DISPLAY[ind.primary_agent]
    steps = [
        f"Switch {current} to {AGENT_DISPLAY[target]} ({dosage}), "
        "sometimes with IV methylprednisolone pulses x3.",
        "Rituximab as add-on or alternative.",
    ]
    if not ind.contains_cni:
        steps.append("Multitarget therapy: tacrolimus + mycophenolate + glucocorticoids.")
        egfr = ctx.facts.labs.get(Analyte.EGFR).latest
        if _egfr_above(egfr, doses.voclosporin_min_egfr):
            steps.append(f"Voclosporin with mycophenolate (eGFR > {doses.voclosporin_min_egfr:g}).")
    if Agent.BELIMUMAB not in agents:
        steps.append("Belimumab add-on.")
    cyc = next((c for c in ctx.facts.courses if c.agent is Agent.CYCLOPHOSPHAMIDE), None)
    if cyc is not None:
        so_far = (
            f"cumulative dose so far {cyc.cumulative_dose_mg / 1000:g} g"
            if cyc.cumulative_dose_mg is not None
            else "cumulative dose unknown"
        )
        steps.append(
            f"Prolonged IV cyclophosphamide ({so_far}; toxicity: fertility, bladder, "
            "malignancy; consider a GnRH analogue)."
        )
    steps.append("Clinical trial.")
    notes = list(ctx.notes)
    if any(c.daily_dose_mg is None and c.route is Route.ORAL for c in ind.courses):
        notes.append("Daily dose of an oral agent could not be computed: check it is at target.")
    return Finding(
        topic=Topic.THERAPY_SWITCH,
        severity=Severity.WARNING,
        summary=_summary(f"Refractory on {current}: consider switching to {AGENT_DISPLAY[target]}"),
        rationale=(
            f"Refractory lupus nephritis with adherence not in doubt and dose at target "
            f"({ctx.ruleset.title}): the review switches the induction agent next."
        ),
        evidence=ctx.proteinuria_rows(),
        series=ctx.proteinuria_trend,
        next_steps=tuple(steps),
        actions=(
            RecommendedAction(
                ActionKind.START_THERAPY,
                f"Start {AGENT_DISPLAY[target]}",
                {"agent": target.value, "dosage_text": dosage, "route": route.value},
            ),
        ),
        citations=ctx.citations,
        notes=tuple(notes),
    )


def cni_caveat(ctx: _Context) -> Finding | None:
    """INFO: a response on a CNI-containing regimen may be antiproteinuric only."""
    if not ctx.induction.contains_cni or ctx.response.classification not in (
        ResponseClass.COMPLETE,
        ResponseClass.PARTIAL,
    ):
        return None
    return Finding(
        topic=Topic.CNI_CAVEAT,
        severity=Severity.INFO,
        summary=_summary(
            "Response on a calcineurin inhibitor may be antiproteinuric: biopsy before "
            "stopping or tapering"
        ),
        rationale=(
            "Calcineurin inhibitors lower proteinuria through podocyte effects independent "
            "of immunosuppression; a proteinuria response may not be immunological remission."
        ),
        evidence=ctx.proteinuria_rows(),
        series=ctx.proteinuria_trend,
        next_steps=("Consider a kidney biopsy before stopping or tapering therapy.",),
        citations=ctx.citations,
        notes=ctx.notes,
    )


def data_gap(ctx: _Context) -> Finding | None:
    """INFO: response not assessable for lack of baseline or recent proteinuria."""
    if ctx.response.classification is not ResponseClass.INSUFFICIENT_DATA:
        return None
    rs = ctx.ruleset
    latest = ctx.response.latest_proteinuria
    if ctx.response.baseline_proteinuria is None:
        what = "no baseline proteinuria"
    elif latest is not None and unreadable_proteinuria_after(ctx.facts, latest.day):
        what = "latest proteinuria unreadable"
    else:
        what = "no recent proteinuria"
    return Finding(
        topic=Topic.DATA_GAP,
        severity=Severity.INFO,
        summary=_summary(f"Response to induction not assessable: {what}. Order a UPCR"),
        rationale=(
            f"Response needs a baseline (within {rs.baseline_days_before} days before the "
            f"induction start) and a proteinuria from the last {rs.latest_max_age_days} days "
            f"({rs.title})."
        ),
        evidence=ctx.proteinuria_rows(),
        series=ctx.proteinuria_trend,
        next_steps=("Measure urine protein/creatinine ratio (24 h urine preferred).",),
        actions=(
            RecommendedAction(
                ActionKind.ORDER_LAB,
                "Order UPCR",
                {"loinc": UPCR_LOINC, "display": UPCR_DISPLAY, "reason": "Response assessment"},
                recommended=True,
            ),
        ),
        citations=ctx.citations,
        notes=(*ctx.response.reasons, *ctx.notes),
    )


def response_status(ctx: _Context) -> Finding | None:
    """INFO (on request): complete or partial response reached, with its date."""
    cls = ctx.response.classification
    if cls not in (ResponseClass.COMPLETE, ResponseClass.PARTIAL):
        return None
    since = ctx.response.response_date
    return Finding(
        topic=Topic.RESPONSE_STATUS,
        severity=Severity.INFO,
        summary=_summary(f"{cls.value.capitalize()} response since {since} ({ctx.ruleset.name})"),
        rationale=_response_rationale(ctx.ruleset, cls),
        evidence=ctx.proteinuria_rows(),
        series=ctx.proteinuria_trend,
        citations=ctx.citations,
        notes=ctx.notes,
    )


def _response_rationale(rs: Ruleset, cls: ResponseClass) -> str:
    if cls is ResponseClass.COMPLETE:
        return (
            f"Proteinuria < {rs.cr_proteinuria_below_g_g:g} g/g with stable renal function "
            f"({rs.title})."
        )
    return (
        f"Proteinuria fell >= {rs.pr_min_fall:.0%} (and < {rs.pr_cap_below_g_g:g} g/g) with "
        f"stable renal function ({rs.title})."
    )


_Topic = Callable[[_Context], Finding | None]
_BEFORE_SWITCH: tuple[_Topic, ...] = (
    renal_worsening,
    adherence,
    dose_review,
    repeat_biopsy,
    refractory,
)
_AFTER_SWITCH: tuple[_Topic, ...] = (cni_caveat, data_gap)


def findings_for(
    facts: PatientFacts,
    response: ResponseAssessment | None,
    ruleset: Ruleset,
    *,
    show_status: bool = False,
) -> tuple[Finding, ...]:
    """Every finding for this patient, in ``Topic`` order (none without LN or induction)."""
    if response is None or facts.induction is None or not facts.has_lupus_nephritis:
        return ()
    ctx = _context(facts, response, ruleset)
    found = [f for f in (topic(ctx) for topic in _BEFORE_SWITCH) if f is not None]
    switch = therapy_switch(ctx, frozenset(f.topic for f in found))
    found += [switch] if switch is not None else []
    found += [f for f in (topic(ctx) for topic in _AFTER_SWITCH) if f is not None]
    status = response_status(ctx) if show_status else None
    found += [status] if status is not None else []
    order = list(Topic)
    return tuple(sorted(found, key=lambda f: order.index(f.topic)))
