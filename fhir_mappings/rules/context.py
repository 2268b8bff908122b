"""Everything the topics share about one patient, judged once (``Judged``)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

from fhir_mappings import wording
from fhir_mappings.facts import (
    BACKBONE_AGENTS,
    MYCOPHENOLATES,
    Agent,
    Analyte,
    Biopsy,
    LabPoint,
    LineAgent,
    LineChange,
    LineRole,
    MedicationOrder,
    PatientFacts,
    RefillStatus,
    Route,
    TherapyLine,
)
from fhir_mappings.findings import EvidenceRow, ResponseAssessment, ResponseClass
from fhir_mappings.rules import evidence
from fhir_mappings.rules.adherence import AgentAdherence, Verdict, judge_all
from fhir_mappings.rules.flare import Flare, renal_flare
from fhir_mappings.rules.history import Delivery, TriedAgent, pulse_delivery, tried_agents
from fhir_mappings.rules.response import (
    assess_line,
    is_at_least,
    proteinuria_series,
    renal_worse,
)
from fhir_mappings.rules.safety import SafetyAssessment
from fhir_mappings.rules.worsening import Worsening, renal_worsening
from fhir_mappings.rulesets import DAYS_PER_MONTH, Ruleset

#: Oral agents whose missing dispense records make adherence unknown (not zero).
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


def _falling(points: tuple[LabPoint, ...], count: int) -> bool:
    """The last ``count`` values each lower than the one before (no comparators)."""
    tail = points[-count:]
    if len(tail) < count or any(p.comparator is not None for p in tail):
        return False
    return all(b.value < a.value for a, b in itertools.pairwise(tail))


@dataclass(frozen=True, slots=True)
class DoseStep:
    """A mycophenolate backbone below its induction target, and the step to it."""

    member: LineAgent
    order: MedicationOrder  # the order its current dose comes from
    current_mg_day: float
    target_mg_day: float
    each_mg: float  # the target in two doses a day


@dataclass(frozen=True)
class Judged:
    """One patient's current line, judged: response, worsening, flare, adherence, history."""

    facts: PatientFacts
    ruleset: Ruleset
    line: TherapyLine
    response: ResponseAssessment
    safety: SafetyAssessment
    adherence: tuple[AgentAdherence, ...]
    worsening: Worsening | None
    flare: Flare | None
    tried: tuple[TriedAgent, ...]
    delivery: tuple[Delivery, ...]
    notes: tuple[str, ...] = field(default=())

    # --- what the algorithm needs to know -------------------------------------------

    @property
    def confirmed_worsening(self) -> Worsening | None:
        """The worsening, when confirmed (an unconfirmed one only asks for a repeat value)."""
        return self.worsening if self.worsening is not None and self.worsening.confirmed else None

    @property
    def today(self) -> date:
        return self.facts.today

    @property
    def months(self) -> float:
        return self.response.months_on_line

    @property
    def after_induction(self) -> bool:
        """The clock runs from an induction seen in the record (not a maintenance-only
        record, whose induction is older than what was read)."""
        return (
            self.line.role is not LineRole.MAINTENANCE or self.line.change is not LineChange.FIRST
        )

    @property
    def judgeable(self) -> bool:
        """No response ever met, on an induction clock, at or past the earliest month."""
        return (
            self.response.classification is ResponseClass.NONE
            and not self.response.responded
            and self.after_induction
            and self.months >= self.ruleset.earliest_judgement_months
        )

    @property
    def improving(self) -> bool:
        """Not yet responding but improving before the later time point: the switch waits."""
        return (
            self.judgeable
            and self.months < self.ruleset.judgement_window_end_months
            and self.response.renal_function_stable is not False
            and not self._renal_worse_now()
            and self.confirmed_worsening is None
            and self._on_course_to_respond()
        )

    def _renal_worse_now(self) -> bool:
        """The newest renal value (the ruleset's preferred measure) is beyond the band,
        even when it is newer than the latest proteinuria the response was judged at."""
        base, latest = self.response.baseline_renal, self.response.latest_renal
        return base is not None and latest is not None and renal_worse(base, latest, self.ruleset)

    def _on_course_to_respond(self) -> bool:
        """The newest values keep falling and the straight line through every value since
        the baseline reaches the partial-response level by the later time point."""
        rs = self.ruleset
        base = self.response.baseline_proteinuria
        follow_up = self.response.follow_up
        if base is None or not _falling(follow_up, rs.improving.falling_points):
            return False
        points = (base, *follow_up)
        xs = [float((p.day - base.day).days) for p in points]
        ys = [p.value for p in points]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        spread = sum((x - mean_x) ** 2 for x in xs)
        if spread == 0:  # pragma: no cover - follow-up is dated after the baseline: days differ
            return False
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
        end = self.response.clock_start + timedelta(
            days=rs.judgement_window_end_months * DAYS_PER_MONTH
        )
        projected = mean_y + slope * ((end - base.day).days - mean_x)
        return projected <= base.value * (1 - rs.pr_min_fall)

    @property
    def doubts(self) -> tuple[AgentAdherence, ...]:
        return tuple(a for a in self.adherence if a.in_doubt)

    @property
    def low_exposure(self) -> tuple[AgentAdherence, ...]:
        return tuple(a for a in self.adherence if a.verdict is Verdict.LOW_EXPOSURE)

    @property
    def dose_step(self) -> DoseStep | None:
        """The backbone's step up to the induction target, if it is below it.

        Only a mycophenolate with a dose read from a current order, on an induction or
        add-on line without a calcineurin inhibitor: multitarget doses are standard, a
        maintenance dose is not an under-dosed induction, a held order has no dose. The
        dose card drafts this step and the switch waits for it (one rule for both).
        """
        backbone = self.line.backbone
        if backbone is None or backbone.on_hold or backbone.dose_order is None:
            return None
        if self.line.role is LineRole.MAINTENANCE or self.line.contains_cni:
            return None
        doses = self.ruleset.doses
        targets = {
            Agent.MYCOPHENOLATE_MOFETIL: (doses.mmf_target_mg_day, doses.mmf_step_dose_mg),
            Agent.MYCOPHENOLATE_SODIUM: (doses.mps_target_mg_day, doses.mps_step_dose_mg),
        }
        target = targets.get(backbone.agent)
        daily = backbone.daily_dose_mg
        if target is None or daily is None or daily >= target[0]:
            return None
        return DoseStep(backbone, backbone.dose_order, daily, *target)

    @property
    def under_treated(self) -> tuple[Delivery, ...]:
        return tuple(d for d in self.delivery if d.missed > 0)

    @property
    def refractory(self) -> bool:
        """The review's refractory disease: no response at >= the earliest month of an
        adherent (not in doubt), fully delivered induction, not improving, no flare."""
        return (
            self.judgeable
            and not self.improving
            and self.flare is None
            and not self.doubts
            and not self.under_treated
            and not self.low_exposure
        )

    @property
    def needs_repeat_biopsy(self) -> bool:
        """A non-responder past the earliest month with no repeat biopsy on this clock (not
        while improving, and not when a worsening or flare card asks for one already)."""
        return (
            self.judgeable
            and not self.improving
            and self.confirmed_worsening is None
            and self.flare is None
            and not self.repeat_biopsies()
        )

    @property
    def given_by_clinicians(self) -> bool:
        """Every agent of the line is given by clinicians (IV): adherence is not in question."""
        return all(a.route is Route.INTRAVENOUS for a in self.line.agents)

    def excluded_in_pregnancy(self, agent: Agent) -> bool:
        """The patient is (possibly) pregnant and ``agent`` is not for use in pregnancy."""
        return self.safety.pregnancy is not None and agent in self.ruleset.safety.pregnancy_excluded

    # --- evidence shared by several topics --------------------------------------------

    def response_rows(self) -> tuple[EvidenceRow, ...]:
        """Baseline and latest proteinuria and renal function."""
        r = self.response
        rows: list[EvidenceRow] = []
        for point, marker in (
            (r.baseline_proteinuria, "baseline"),
            (r.latest_proteinuria, "latest"),
            (r.baseline_renal, "baseline"),
            (r.latest_renal, "latest"),
        ):
            if point is not None and (marker == "baseline" or point != _baseline_of(r, point)):
                rows.append(evidence.lab(point, marker))
        return tuple(rows)

    def proteinuria_trend(self) -> tuple[LabPoint, ...]:
        """The proteinuria series from the baseline on."""
        base = self.response.baseline_proteinuria
        points = proteinuria_series(self.facts)
        return tuple(p for p in points if base is None or p.day >= base.day)

    def biopsies_since(self, day: date) -> tuple[Biopsy, ...]:
        return tuple(b for b in self.facts.biopsies if b.when >= day)

    def repeat_biopsies(self) -> tuple[Biopsy, ...]:
        """Biopsies on this clock after its diagnostic window (they count as repeats)."""
        after = self.response.clock_start + timedelta(
            days=self.ruleset.treatment.repeat_biopsy_after_days
        )
        return self.biopsies_since(after)

    def egfr_above(self, limit: float) -> bool:
        """The latest eGFR is certainly above ``limit``."""
        point = self.facts.labs.get(Analyte.EGFR).latest
        if point is None or point.comparator in ("<", "<="):
            return False
        if point.comparator == ">":
            return point.value >= limit
        return point.value > limit

    def egfr_at_least(self, limit: float) -> bool:
        """The latest eGFR is certainly at or above ``limit``."""
        point = self.facts.labs.get(Analyte.EGFR).latest
        return point is not None and is_at_least(point, limit)

    def oral_backbone(self) -> bool:
        backbone = self.line.backbone
        if backbone is None:
            return False
        return backbone.agent in MYCOPHENOLATES or (
            backbone.agent is Agent.CYCLOPHOSPHAMIDE and backbone.route is Route.ORAL
        )

    def is_tried(self, agent: Agent) -> bool:
        return any(t.agent is agent for t in self.tried)


def _baseline_of(response: ResponseAssessment, point: LabPoint) -> LabPoint | None:
    if point.analyte in (Analyte.UPCR, Analyte.PROTEIN_24H):
        return response.baseline_proteinuria
    return response.baseline_renal


def _data_notes(facts: PatientFacts, adherence: tuple[AgentAdherence, ...]) -> tuple[str, ...]:
    """One line per thing the record could not tell (read from the gaps and refills)."""
    notes: list[str] = []
    no_records = [
        a.agent
        for a in adherence
        if a.exposure.refills.status is RefillStatus.NO_DISPENSES and a.agent in _ORAL_AGENTS
    ]
    if no_records:
        notes.append(
            f"Adherence unknown: no dispense records ({', '.join(map(wording.agent, no_records))})."
        )
    for gap in facts.gaps:
        if gap.resource_type in _SAID_BY_SAFETY:
            continue
        if gap.complete_since is None:
            notes.append(f"{_GAP_EFFECT.get(gap.resource_type, 'Data unknown')}: {gap.reason}.")
        else:
            notes.append(
                f"{gap.resource_type} read back to {wording.day(gap.complete_since)} only "
                f"({gap.reason}): older records are unknown."
            )
    notes.extend(facts.safety.unknown)
    return tuple(dict.fromkeys(notes))


#: Gaps whose sentence the safety record already carries (``SafetyRecord.unknown``).
_SAID_BY_SAFETY = frozenset({"Procedure"})
_GAP_EFFECT = {
    "MedicationDispense": "Adherence unknown",
    "MedicationAdministration": "IV doses given unknown",
    "MedicationStatement": "Medication statements unknown",
}


def judge(
    facts: PatientFacts, line: TherapyLine, ruleset: Ruleset, safety: SafetyAssessment
) -> Judged:
    """Judge the current line of one patient."""
    response = assess_line(facts, line, ruleset)
    adherence = judge_all(facts.exposure, ruleset)
    administrations_read = facts.gap("MedicationAdministration") is None
    delivery = tuple(
        d
        for member in line.agents
        if member.agent in BACKBONE_AGENTS
        and (
            d := pulse_delivery(
                member, facts.today, ruleset, administrations_read=administrations_read
            )
        )
        is not None
    )
    return Judged(
        facts=facts,
        ruleset=ruleset,
        line=line,
        response=response,
        safety=safety,
        adherence=adherence,
        worsening=renal_worsening(facts, response, ruleset),
        flare=renal_flare(facts, response, ruleset),
        tried=tried_agents(facts, ruleset),
        delivery=delivery,
        notes=_data_notes(facts, adherence),
    )
