"""fhir_mappings.rules.history: agents tried before, and cyclophosphamide pulses delivered."""

from __future__ import annotations

import pytest

from fhir_mappings.facts import Agent, LineChange, PulseScheme, Route
from fhir_mappings.rules.history import TriedReason, pulse_delivery, tried_agents
from fhir_mappings.rulesets import Ruleset, get_ruleset
from tests.rules._builders import (
    CYC,
    MMF,
    START,
    cyc_iv,
    day,
    facts,
    given,
    line,
    member,
    mmf,
    pulses,
    upcr,
)

KDIGO_2024 = get_ruleset("kdigo-2024")


class TestPulseDelivery:
    @pytest.mark.parametrize(("today_n", "due"), [(28 + 7, 2), (28 + 8, 3)])
    def test_a_pulse_is_missed_once_more_than_a_week_past(
        self, ruleset: Ruleset, today_n: int, due: int
    ) -> None:
        """Euro-Lupus pulses every 14 days: the third (day 28) is not due on day 35, a
        week past its date (the grace covers rescheduling), and due on day 36."""
        d = pulse_delivery(cyc_iv(0, 14), day(today_n), ruleset, administrations_read=True)
        assert d is not None
        assert (d.given, d.due, d.missed) == (2, due, due - 2)

    def test_nih_pulses_are_monthly(self) -> None:
        """NIH-type: one pulse on day 0, three due by day 64 (days 0, 28, 56)."""
        d = pulse_delivery(
            cyc_iv(0, scheme=PulseScheme.NIH, mg=750.0),
            day(64),
            KDIGO_2024,
            administrations_read=True,
        )
        assert d is not None
        assert (d.interval_days, d.planned, d.due, d.missed) == (28.0, 6, 3, 2)
        assert (d.first, d.last, d.cumulative_mg) == (START, START, 750.0)
        assert d.doses == (given(0, 750.0),)

    def test_the_order_schedule_wins_over_the_scheme(self) -> None:
        """An order for 3 pulses every 21 days: 3 due by day 60, none missed when 3 given."""
        course = cyc_iv(0, 21, 42, interval_days=21.0, planned=3)
        d = pulse_delivery(course, day(200), KDIGO_2024, administrations_read=True)
        assert d is not None
        assert (d.interval_days, d.planned, d.due, d.missed) == (21.0, 3, 3, 0)

    def test_no_more_due_than_planned(self) -> None:
        """A year on, six pulses are due, not 26."""
        d = pulse_delivery(
            cyc_iv(0, 14, 28, 42, 56, 70), day(365), KDIGO_2024, administrations_read=True
        )
        assert d is not None
        assert (d.due, d.missed) == (6, 0)

    def test_more_given_than_due_is_no_negative_miss(self) -> None:
        """Pulses given early are not negative misses."""
        d = pulse_delivery(cyc_iv(0, 7, 14), day(20), KDIGO_2024, administrations_read=True)
        assert d is not None
        assert d.missed == 0

    def test_an_unknown_scheme_without_an_ordered_schedule_is_unknown(self) -> None:
        """Neither a scheme nor an ordered interval and count: delivery not judged."""
        course = cyc_iv(0, scheme=PulseScheme.UNKNOWN)
        assert pulse_delivery(course, day(200), KDIGO_2024, administrations_read=True) is None

    def test_administrations_not_read_is_unknown(self) -> None:
        """A server that provides no administrations: delivery unknown, not zero."""
        assert pulse_delivery(cyc_iv(0), day(200), KDIGO_2024, administrations_read=False) is None

    def test_no_dose_recorded_is_unknown(self) -> None:
        """An IV course with no administration recorded: delivery unknown."""
        assert pulse_delivery(cyc_iv(), day(200), KDIGO_2024, administrations_read=True) is None

    def test_only_cyclophosphamide_pulses_are_counted(self) -> None:
        """Oral MMF and rituximab infusions have no pulse schedule to check."""
        rtx = member(Agent.RITUXIMAB, pulses=pulses(0, 14, mg=1000.0))
        for m in (mmf(), rtx, member(CYC, 100.0, route=Route.ORAL)):
            assert pulse_delivery(m, day(200), KDIGO_2024, administrations_read=True) is None


class TestTriedAgents:
    def test_an_earlier_line_without_response_is_tried(self) -> None:
        """MMF for 6 months without response, then cyclophosphamide: MMF was tried."""
        first = line(mmf(end=day(180)), end=day(180))
        second = line(cyc_iv(180), number=2, start=day(180), change=LineChange.SWITCHED)
        f = facts(points=(upcr(-5, 4.0), upcr(170, 3.5)), lines=[first, second], today=day(300))
        (tried,) = tried_agents(f, KDIGO_2024)
        assert (tried.agent, tried.reason, tried.line) == (MMF, TriedReason.NO_RESPONSE, first)

    def test_an_earlier_line_that_responded_is_not_tried(self) -> None:
        """MMF reached a partial response before it was stopped: not 'tried'."""
        first = line(mmf(end=day(180)), end=day(180))
        second = line(cyc_iv(180), number=2, start=day(180), change=LineChange.SWITCHED)
        f = facts(points=(upcr(-5, 4.0), upcr(170, 1.5)), lines=[first, second], today=day(300))
        assert tried_agents(f, KDIGO_2024) == ()

    def test_an_earlier_line_still_going_is_not_judged(self) -> None:
        """An earlier line with no end (still going) is not a line that failed."""
        first = line(mmf())
        second = line(member(Agent.BELIMUMAB, start=day(60)), number=2, start=day(60))
        f = facts(points=(upcr(-5, 4.0), upcr(170, 3.5)), lines=[first, second])
        assert tried_agents(f, KDIGO_2024) == ()

    def test_anti_cd20_once_given_is_tried_even_in_the_current_line(self) -> None:
        """Rituximab in the current line counts as given, whatever the response."""
        current = line(mmf(), member(Agent.RITUXIMAB, pulses=pulses(0, 14, mg=1000.0)))
        (tried,) = tried_agents(facts(points=(upcr(-5, 4.0),), lines=[current]), KDIGO_2024)
        assert (tried.agent, tried.reason) == (Agent.RITUXIMAB, TriedReason.GIVEN)

    def test_one_entry_per_agent_the_latest_line_that_tried_it(self) -> None:
        """MMF failed in line 1 and again in line 2: one entry, for line 2; sorted by line."""
        first = line(mmf(end=day(180)), member(Agent.RITUXIMAB, end=day(20)), end=day(180))
        second = line(mmf(end=day(400), start=day(200)), number=2, start=day(200), end=day(400))
        third = line(cyc_iv(400), number=3, start=day(400), change=LineChange.SWITCHED)
        pts = (upcr(-5, 4.0), upcr(170, 3.5), upcr(195, 3.5), upcr(390, 3.4))
        f = facts(points=pts, lines=[first, second, third], today=day(500))
        tried = tried_agents(f, KDIGO_2024)
        assert [(t.agent, t.line.number) for t in tried] == [
            (Agent.RITUXIMAB, 1),
            (MMF, 2),
        ]
