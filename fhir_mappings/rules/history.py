"""What the course of treatment says for the current line: agents tried, pulses delivered.

* Tried: an agent of an earlier line that ended without a complete or partial response
  (judged at the line's end), and an anti-CD20 antibody once given. The switch card
  never offers a tried agent or one already in the current line.
* Delivery: the pulses of IV cyclophosphamide given against the scheme's schedule
  (Euro-Lupus every 2 weeks x 6, NIH-type every 4 weeks x 6). A pulse is due once its
  date is more than ``pulse_due_grace_days`` past (the ruleset's grace); fewer given
  than due is under-treatment (a dose question), not refractory disease. Without any
  administration recorded, or when the server provides none, delivery is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from fhir_mappings.facts import (
    ANTI_CD20,
    Agent,
    DoseGiven,
    LineAgent,
    PatientFacts,
    PulseScheme,
    TherapyLine,
)
from fhir_mappings.rules.response import assess_line
from fhir_mappings.rulesets import Ruleset


class TriedReason(StrEnum):
    NO_RESPONSE = "no-response"  # an earlier line ended without CR/PR
    GIVEN = "given"  # an anti-CD20 antibody, once given


@dataclass(frozen=True, slots=True)
class TriedAgent:
    agent: Agent
    reason: TriedReason
    line: TherapyLine  # the (last) line it was tried in


def tried_agents(facts: PatientFacts, ruleset: Ruleset) -> tuple[TriedAgent, ...]:
    """Agents tried before, one entry each (the latest line that tried it)."""
    found: dict[Agent, TriedAgent] = {}
    for line in facts.treatment.earlier_lines():
        if line.end is None:
            continue
        response = assess_line(facts, line, ruleset, at=line.end)
        if not response.responded:
            for member in line.agents:
                found[member.agent] = TriedAgent(member.agent, TriedReason.NO_RESPONSE, line)
    for line in facts.treatment.lines:
        for member in line.agents:
            if member.agent in ANTI_CD20 and member.agent not in found:
                found[member.agent] = TriedAgent(member.agent, TriedReason.GIVEN, line)
    return tuple(sorted(found.values(), key=lambda t: (t.line.number, t.agent)))


@dataclass(frozen=True, slots=True)
class Delivery:
    """Pulses of one IV agent of the current line against its schedule."""

    agent: Agent
    scheme: PulseScheme
    interval_days: float
    planned: int
    given: int
    due: int  # scheduled pulses more than the grace past their date
    first: date
    last: date | None
    cumulative_mg: float | None
    doses: tuple[DoseGiven, ...]  # the pulses given, oldest first

    @property
    def missed(self) -> int:
        return max(self.due - self.given, 0)


def _scheme_schedule(scheme: PulseScheme, ruleset: Ruleset) -> tuple[float, int] | None:
    doses = ruleset.doses
    if scheme is PulseScheme.EURO_LUPUS:
        return doses.euro_lupus_interval_days, doses.euro_lupus_pulses
    if scheme is PulseScheme.NIH:
        return doses.nih_interval_days, doses.nih_pulses
    return None


def pulse_delivery(
    member: LineAgent, today: date, ruleset: Ruleset, *, administrations_read: bool
) -> Delivery | None:
    """The delivery of a cyclophosphamide pulse course, or ``None`` when unknown."""
    pulses = member.pulses
    if member.agent is not Agent.CYCLOPHOSPHAMIDE or pulses is None or not administrations_read:
        return None
    if not pulses.given:
        return None
    schedule = _scheme_schedule(pulses.scheme, ruleset)
    interval = pulses.interval_days or (schedule[0] if schedule else None)
    planned = pulses.planned or (schedule[1] if schedule else None)
    if interval is None or planned is None:
        return None
    first = pulses.given[0].when
    cutoff = today - timedelta(days=ruleset.doses.pulse_due_grace_days)
    due = sum(1 for k in range(planned) if first + timedelta(days=k * interval) < cutoff)
    return Delivery(
        agent=member.agent,
        scheme=pulses.scheme,
        interval_days=interval,
        planned=planned,
        given=len(pulses.given),
        due=due,
        first=first,
        last=pulses.given[-1].when,
        cumulative_mg=pulses.cumulative_mg,
        doses=pulses.given,
    )
