"""read.lines: the course of treatment as lines of therapy, from EHR-shaped records.

Each rule of the ``fhir_mappings.read.lines`` docstring is tested here through the whole
reading stage (requests and administrations -> orders -> courses -> lines), every window
taken from the ruleset so a test follows its number.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fhir_mappings.facts import (
    Agent,
    LineChange,
    LineRole,
    PulseScheme,
    RegimenKind,
    Route,
)

from ._builders import (
    ANIFROLUMAB,
    AZA,
    BELIMUMAB,
    CYC,
    CYC_ORAL,
    CYCLOSPORINE,
    DOSES,
    HCQ_200,
    METHYLPREDNISOLONE,
    MMF_500,
    OBINUTUZUMAB,
    PREDNISONE_20,
    RITUXIMAB,
    TACROLIMUS_1MG,
    VOCLOSPORIN,
    WINDOWS,
    Chart,
    Json,
    day,
)

MMF = Agent.MYCOPHENOLATE_MOFETIL
MPS = Agent.MYCOPHENOLATE_SODIUM


class TestFirstLine:
    def test_mycophenolate_alone_is_the_first_induction_line(self) -> None:
        """MMF 3 g/day from 240 days ago is line 1, an induction, its clock at the start."""
        history = Chart().mmf(240, 3).history()
        (line,) = history.lines
        assert history.current == line
        assert (line.number, line.role, line.change, line.regimen) == (
            1,
            LineRole.INDUCTION,
            LineChange.FIRST,
            RegimenKind.MYCOPHENOLATE,
        )
        assert (line.start, line.end, line.clock_start) == (day(240), None, day(240))
        assert (line.added, line.stopped) == ((MMF,), ())
        (member,) = line.agents
        assert (member.agent, member.daily_dose_mg, member.route, member.on_hold) == (
            MMF,
            3000.0,
            Route.ORAL,
            False,
        )
        assert member.dose_order is not None
        assert member.dose_order.source_id == "MedicationRequest/rx-1"
        assert member.pulses is None
        assert history.earlier_lines() == ()

    def test_two_grams_with_no_induction_before_is_an_induction(self) -> None:
        """MMF at 2 g/day (the maintenance dose) with nothing before it is an induction."""
        (line,) = Chart().mmf(200, 2).lines()
        assert (line.role, line.change) == (LineRole.INDUCTION, LineChange.FIRST)

    def test_azathioprine_with_nothing_before_is_maintenance(self) -> None:
        """Azathioprine as the oldest agent read is a maintenance line (the induction before
        it is outside the record)."""
        (line,) = Chart().daily(AZA, 300, 100).lines()
        assert (line.role, line.change, line.regimen) == (
            LineRole.MAINTENANCE,
            LineChange.FIRST,
            RegimenKind.AZATHIOPRINE,
        )

    def test_an_order_starting_later_makes_no_line_yet(self) -> None:
        """An order whose start is after the evaluation date is not a line yet."""
        history = Chart().mmf(-10, 3).history()
        assert (history.lines, history.current) == ((), None)
        assert len(history.courses) == 1

    def test_no_line_agent_no_line(self) -> None:
        """Background therapy alone (hydroxychloroquine, prednisone) makes no line."""
        chart = Chart().tablets(HCQ_200, 300, 1).tablets(PREDNISONE_20, 200, 1, timing="QD")
        history = chart.history()
        assert (history.lines, history.current, history.earlier_lines()) == ((), None, ())
        assert {c.agent for c in history.courses} == {Agent.HYDROXYCHLOROQUINE, Agent.PREDNISONE}


class TestStartedTogether:
    @pytest.mark.parametrize(
        ("delay", "lines"),
        [(WINDOWS.regimen_window_days, 1), (WINDOWS.regimen_window_days + 1, 2)],
    )
    def test_agent_started_within_the_regimen_window_joins_the_line(
        self, delay: int, lines: int
    ) -> None:
        """Belimumab started 30 days after MMF joins its line; 31 days after, it is an add-on."""
        chart = Chart().mmf(300, 3).iv_every(BELIMUMAB, 300 - delay, mg_per_kg=10)
        history = chart.history()
        assert len(history.lines) == lines
        current = history.current
        assert current is not None
        assert current.agent_set == {MMF, Agent.BELIMUMAB}
        assert current.regimen is RegimenKind.MYCOPHENOLATE_BELIMUMAB
        if lines == 1:
            assert (current.role, current.clock_start, current.added) == (
                LineRole.INDUCTION,
                day(300),
                (MMF, Agent.BELIMUMAB),
            )
        else:
            assert (current.role, current.change, current.clock_start, current.added) == (
                LineRole.ADD_ON,
                LineChange.ADDED,
                day(300 - delay),
                (Agent.BELIMUMAB,),
            )

    def test_triple_therapy_started_on_one_day_is_one_line(self) -> None:
        """MMF, voclosporin and prednisone from one day: one line, the backbone first,
        prednisone not a member."""
        chart = Chart().mmf(100, 2).tablets(VOCLOSPORIN, 100, 3).daily(PREDNISONE_20, 100, 40)
        line = chart.current()
        assert [a.agent for a in line.agents] == [MMF, Agent.VOCLOSPORIN]
        assert line.regimen is RegimenKind.MYCOPHENOLATE_VOCLOSPORIN
        assert line.contains_cni

    def test_cerner_text_only_multitarget(self) -> None:
        """MMF and tacrolimus written as text ("Prograf 1 mg capsule", 2 capsules twice
        daily) one day apart: multitarget, tacrolimus at 4 mg/day."""
        chart = Chart().mmf(100, 1).tablets({"text": "Prograf 1 mg capsule"}, 99, 2)
        line = chart.current()
        assert line.regimen is RegimenKind.MULTITARGET
        tacrolimus = line.agent(Agent.TACROLIMUS)
        assert tacrolimus is not None
        assert tacrolimus.daily_dose_mg == 4.0


class TestAddOn:
    @pytest.mark.parametrize(
        ("agent", "add"),
        [
            (Agent.TACROLIMUS, lambda c: c.tacrolimus(120)),
            (Agent.VOCLOSPORIN, lambda c: c.tablets(VOCLOSPORIN, 120, 3)),
            (Agent.RITUXIMAB, lambda c: c.infusions(RITUXIMAB, 120, 106)),
            (Agent.OBINUTUZUMAB, lambda c: c.infusions(OBINUTUZUMAB, 120, 106)),
            (Agent.BELIMUMAB, lambda c: c.iv_every(BELIMUMAB, 120, mg_per_kg=10)),
        ],
        ids=["tacrolimus", "voclosporin", "rituximab", "obinutuzumab", "belimumab"],
    )
    def test_a_later_add_on_is_a_new_line_whose_clock_restarts(
        self, agent: Agent, add: Callable[[Chart], object]
    ) -> None:
        """An agent added 180 days into an MMF line starts an add-on line judged from the
        add-on; the MMF line ends there."""
        chart = Chart().mmf(300, 3)
        add(chart)
        first, second = chart.lines()
        assert (first.role, first.end) == (LineRole.INDUCTION, day(120))
        assert (second.number, second.role, second.change) == (
            2,
            LineRole.ADD_ON,
            LineChange.ADDED,
        )
        assert (second.start, second.clock_start, second.end) == (day(120), day(120), None)
        assert (second.added, second.stopped) == ((agent,), ())
        assert second.agent_set == {MMF, agent}
        assert second.backbone is not None
        assert second.backbone.agent is MMF

    def test_an_add_on_to_an_add_on_line_joins_within_the_window(self) -> None:
        """A second agent started 10 days after an add-on joins the add-on line."""
        chart = Chart().mmf(300, 3).tacrolimus(120).iv_every(BELIMUMAB, 110, mg_per_kg=10)
        line = chart.current()
        assert line.number == 2
        assert line.agent_set == {MMF, Agent.TACROLIMUS, Agent.BELIMUMAB}
        assert line.added == (Agent.TACROLIMUS, Agent.BELIMUMAB)


class TestSwitch:
    @pytest.mark.parametrize(
        "stopped_after",
        [-20, 0, WINDOWS.switch_overlap_days],
        ids=["stopped-before", "same-day", "overlap-at-the-window"],
    )
    def test_mycophenolate_to_cyclophosphamide_is_a_switch(self, stopped_after: int) -> None:
        """MMF stopped up to 30 days after (or any time before) the first pulse: the
        cyclophosphamide line replaces it, a new induction with its own clock."""
        chart = Chart().mmf(300, 3, end=200 - stopped_after).pulses(CYC, 200, 6)
        first, second = chart.lines()
        assert (second.role, second.change, second.regimen) == (
            LineRole.INDUCTION,
            LineChange.SWITCHED,
            RegimenKind.CYCLOPHOSPHAMIDE_IV,
        )
        assert (second.clock_start, second.added, second.stopped) == (
            day(200),
            (Agent.CYCLOPHOSPHAMIDE,),
            (MMF,),
        )
        assert second.agent_set == {Agent.CYCLOPHOSPHAMIDE}
        assert first.end == day(200)

    def test_a_backbone_tapered_while_switched_away_makes_no_line(self) -> None:
        """MMF 3 g/day, the first pulse, then MMF tapered to 1 g/day for 20 days and
        stopped: the cyclophosphamide line goes on; the taper is no maintenance line."""
        chart = Chart().mmf(300, 3, end=200).mmf(200, 1, end=180).pulses(CYC, 205, 6)
        lines = chart.lines()
        assert [(ln.role, ln.change) for ln in lines] == [
            (LineRole.INDUCTION, LineChange.FIRST),
            (LineRole.INDUCTION, LineChange.SWITCHED),
        ]
        assert chart.current().agent_set == {Agent.CYCLOPHOSPHAMIDE}

    def test_overlap_beyond_the_window_is_a_combination(self) -> None:
        """MMF going on 31 days after the first pulse: cyclophosphamide was added to it."""
        stopped_after = WINDOWS.switch_overlap_days + 1
        chart = Chart().mmf(300, 3, end=200 - stopped_after).pulses(CYC, 200, 6)
        second = chart.lines()[1]
        assert (second.role, second.change) == (LineRole.ADD_ON, LineChange.ADDED)
        assert second.agent_set == {MMF, Agent.CYCLOPHOSPHAMIDE}

    @pytest.mark.parametrize("dosage", [None, {"text": "Take as directed"}], ids=["3g", "unknown"])
    def test_cyclophosphamide_to_induction_dose_mycophenolate_is_a_switch(
        self, dosage: Json | None
    ) -> None:
        """MMF 3 g/day (or at a dose that cannot be read) after a finished Euro-Lupus
        course is a switch, not maintenance."""
        chart = Chart().pulses(CYC, 300, 6)
        if dosage is None:
            chart.mmf(150, 3)
        else:
            chart.request(MMF_500, 150, dosage)
        second = chart.current()
        assert (second.role, second.change, second.clock_start) == (
            LineRole.INDUCTION,
            LineChange.SWITCHED,
            day(150),
        )
        assert second.agent_set == {MMF}
        assert second.stopped == (Agent.CYCLOPHOSPHAMIDE,)


class TestNewCourse:
    def test_a_second_cyclophosphamide_course_is_a_new_course(self) -> None:
        """Euro-Lupus again 250 days after the first course: a new induction line judged
        from its own first pulse, holding only the second course."""
        chart = Chart().pulses(CYC, 400, 6).pulses(CYC, 150, 6)
        first, second = chart.lines()
        assert (second.role, second.change, second.clock_start) == (
            LineRole.INDUCTION,
            LineChange.NEW_COURSE,
            day(150),
        )
        (member,) = second.agents
        assert member.start == day(150)
        assert member.pulses is not None
        assert [d.when for d in member.pulses.given] == [day(150 - 14 * k) for k in range(6)]
        assert first.end == day(150)

    def test_an_anti_cd20_re_dose_beside_a_backbone_is_an_add_on_course(self) -> None:
        """Rituximab with MMF from the start, then re-dosed 180 days later: a new course,
        an add-on to the mycophenolate going on, with a new clock."""
        chart = Chart().mmf(300, 3).infusions(RITUXIMAB, 295, 281).infusions(RITUXIMAB, 110, 96)
        first, second = chart.lines()
        assert first.agent_set == {MMF, Agent.RITUXIMAB}
        assert (second.role, second.change, second.clock_start) == (
            LineRole.ADD_ON,
            LineChange.NEW_COURSE,
            day(110),
        )
        rituximab = second.agent(Agent.RITUXIMAB)
        assert rituximab is not None
        assert rituximab.start == day(110)


class TestMaintenance:
    def test_azathioprine_after_euro_lupus_keeps_the_clock_of_the_first_pulse(self) -> None:
        """Azathioprine started after six fortnightly pulses is maintenance judged from the
        first pulse; cyclophosphamide does not go on in it."""
        chart = Chart().pulses(CYC, 240, 6).daily(AZA, 150, 100)
        first, second = chart.lines()
        assert (second.role, second.change, second.regimen) == (
            LineRole.MAINTENANCE,
            LineChange.STEP_DOWN,
            RegimenKind.AZATHIOPRINE,
        )
        assert (second.start, second.clock_start) == (day(150), day(240))
        assert second.agent_set == {Agent.AZATHIOPRINE}
        assert second.stopped == (Agent.CYCLOPHOSPHAMIDE,)
        assert first.clock_start == day(240)

    @pytest.mark.parametrize(
        ("grams", "maintenance"),
        [(1.5, True), (DOSES.maintenance_mmf_max_mg_day / 1000, True), (2.5, False)],
        ids=["1.5g", "exactly-the-maintenance-dose", "2.5g"],
    )
    def test_mycophenolate_down_to_the_maintenance_dose_is_maintenance(
        self, grams: float, maintenance: bool
    ) -> None:
        """MMF 3 g/day then down to 2 g/day or less: a maintenance line on the induction's
        clock; down to 2.5 g/day it is still the induction."""
        chart = Chart().mmf(300, 3, end=120).mmf(120, grams)
        lines = chart.lines()
        current = chart.current()
        (member,) = current.agents
        assert member.daily_dose_mg == grams * 1000
        if maintenance:
            assert len(lines) == 2
            assert (current.role, current.change, current.start, current.clock_start) == (
                LineRole.MAINTENANCE,
                LineChange.STEP_DOWN,
                day(120),
                day(300),
            )
        else:
            assert len(lines) == 1
            assert current.role is LineRole.INDUCTION

    @pytest.mark.parametrize(
        ("mg_day", "maintenance"),
        [(DOSES.maintenance_mps_max_mg_day, True), (DOSES.maintenance_mps_max_mg_day + 180, False)],
        ids=["1440mg", "1620mg"],
    )
    def test_mycophenolate_sodium_at_1440_mg_is_maintenance(
        self, mg_day: float, maintenance: bool
    ) -> None:
        """Mycophenolate sodium 2160 mg/day then 1440 mg/day (MMF 2 g by the Salvadori
        equivalence) is maintenance; 1620 mg/day is still the induction."""
        chart = Chart().mps(300, 2160, end=120).mps(120, mg_day)
        current = chart.current()
        assert current.agent_set == {MPS}
        assert current.regimen is RegimenKind.MYCOPHENOLATE
        assert (current.role is LineRole.MAINTENANCE) is maintenance

    def test_maintenance_dose_mycophenolate_after_cyclophosphamide_is_maintenance(self) -> None:
        """MMF 2 g/day after Euro-Lupus is maintenance on the cyclophosphamide clock, not a
        switch."""
        chart = Chart().pulses(CYC, 300, 6).mmf(200, 2)
        current = chart.current()
        assert (current.role, current.change, current.clock_start) == (
            LineRole.MAINTENANCE,
            LineChange.STEP_DOWN,
            day(300),
        )
        assert current.agent_set == {MMF}

    def test_a_step_down_made_no_agent_start(self) -> None:
        """A step down of the same mycophenolate course adds no agent and stops none."""
        current = Chart().mmf(300, 3, end=120).mmf(120, 2).current()
        assert (current.added, current.stopped) == ((), ())


class TestReInduction:
    @pytest.mark.parametrize("grams", [3, 2.5])
    def test_a_return_above_the_maintenance_dose_is_a_re_induction(self, grams: float) -> None:
        """MMF 3 -> 2 -> back above 2 g/day: a third line, an induction judged afresh."""
        chart = Chart().mmf(400, 3, end=250).mmf(250, 2, end=60).mmf(60, grams)
        lines = chart.lines()
        assert [(ln.role, ln.change) for ln in lines] == [
            (LineRole.INDUCTION, LineChange.FIRST),
            (LineRole.MAINTENANCE, LineChange.STEP_DOWN),
            (LineRole.INDUCTION, LineChange.RE_INDUCTION),
        ]
        assert (lines[2].clock_start, lines[2].added) == (day(60), ())
        assert lines[1].clock_start == day(400)
        (member,) = lines[2].agents
        assert member.daily_dose_mg == grams * 1000

    def test_a_dose_raised_within_the_induction_is_no_new_line(self) -> None:
        """MMF started at 2 g/day then raised to 3 g/day: the same induction line."""
        chart = Chart().mmf(300, 2, end=200).mmf(200, 3)
        (line,) = chart.lines()
        assert (line.role, line.clock_start) == (LineRole.INDUCTION, day(300))
        assert line.agents[0].daily_dose_mg == 3000.0

    def test_an_agent_started_after_a_pause_is_a_re_induction(self) -> None:
        """Tacrolimus alone 100 days after MMF stopped: a re-induction, MMF stopped."""
        chart = Chart().mmf(400, 3, end=300).tacrolimus(200)
        first, second = chart.lines()
        assert (second.role, second.change, second.regimen) == (
            LineRole.INDUCTION,
            LineChange.RE_INDUCTION,
            RegimenKind.CNI_MONOTHERAPY,
        )
        assert (second.clock_start, second.added, second.stopped) == (
            day(200),
            (Agent.TACROLIMUS,),
            (MMF,),
        )
        assert second.backbone is None
        assert first.end == day(200)

    def test_an_agent_restarted_within_the_window_is_not_stopped(self) -> None:
        """MMF and tacrolimus paused, MMF resumed (a new course, a new line) and tacrolimus
        five days later: tacrolimus joins that line and is not listed as stopped."""
        chart = Chart().mmf(300, 3, end=150).tacrolimus(300, end=140)
        chart.mmf(100, 3).tacrolimus(95)
        first, second = chart.lines()
        assert first.agent_set == {MMF, Agent.TACROLIMUS}
        assert second.change is LineChange.NEW_COURSE
        assert second.agent_set == {MMF, Agent.TACROLIMUS}
        assert (second.added, second.stopped) == ((MMF, Agent.TACROLIMUS), ())


class TestPulseLines:
    def test_the_last_pulse_does_not_end_the_line(self) -> None:
        """Six pulses given 200-130 days ago: the line is still current, going on."""
        history = Chart().pulses(CYC, 200, 6).history()
        (line,) = history.lines
        assert (history.current, line.end) == (line, None)
        (member,) = line.agents
        assert member.end == day(130)

    @pytest.mark.parametrize(
        ("since_first", "current"),
        [(WINDOWS.pulse_line_days, True), (WINDOWS.pulse_line_days + 1, False)],
    )
    def test_a_pulse_line_stays_current_for_a_year(self, since_first: int, current: bool) -> None:
        """A Euro-Lupus line with nothing after it is current for 366 days from its first
        pulse; a day later it has ended (with its last pulse) and there is no current line."""
        history = Chart().pulses(CYC, since_first, 6).history()
        (line,) = history.lines
        assert (history.current is line) is current
        assert line.end == (None if current else day(since_first - 70))
        assert history.earlier_lines() == (() if current else (line,))

    def test_an_anti_cd20_course_alone_stays_current(self) -> None:
        """Two rituximab infusions 200 days ago, nothing since: an anti-CD20 line going on."""
        line = Chart().infusions(RITUXIMAB, 200, 186).current()
        assert (line.regimen, line.end) == (RegimenKind.ANTI_CD20, None)


class TestCurrentLine:
    @pytest.mark.parametrize(
        ("ended", "current"),
        [(WINDOWS.line_recency_days, True), (WINDOWS.line_recency_days + 1, False)],
    )
    def test_no_current_line_once_every_agent_ended_long_ago(
        self, ended: int, current: bool
    ) -> None:
        """MMF stopped 90 days ago: its line is still current; 91 days ago: off therapy."""
        history = Chart().mmf(400, 3, end=ended).history()
        (line,) = history.lines
        assert line.end == day(ended)
        assert (history.current is line) is current

    def test_earlier_lines_are_the_lines_before_the_current_one(self) -> None:
        """With an add-on line current, the MMF line alone is earlier."""
        history = Chart().mmf(300, 3).tacrolimus(120).history()
        assert [ln.number for ln in history.earlier_lines()] == [1]


class TestDosesWithinALine:
    def test_an_on_hold_order_has_no_dose_and_keeps_the_line(self) -> None:
        """MMF put on hold (an order with no dose): the same line, the agent on hold with no
        current dose."""
        chart = (
            Chart()
            .mmf(300, 3, end=60)
            .request(MMF_500, 60, {"text": "Hold while neutropenic"}, status="on-hold")
        )
        (line,) = chart.lines()
        (member,) = line.agents
        assert (member.on_hold, member.daily_dose_mg, member.dose_order) == (True, None, None)

    def test_an_on_hold_order_at_a_lower_dose_is_no_step_down(self) -> None:
        """An on-hold order written at 2 g/day does not step the line down to maintenance."""
        chart = Chart().mmf(300, 3, end=60).mmf(60, 2, status="on-hold")
        (line,) = chart.lines()
        assert (line.role, line.agents[0].on_hold) == (LineRole.INDUCTION, True)

    def test_an_unknown_dose_keeps_its_phase_and_the_last_known_dose(self) -> None:
        """A renewal with a dose that cannot be read ('as directed') starts no line; the
        maintenance line keeps the last dose that could be read."""
        chart = Chart().mmf(300, 3, end=150).mmf(150, 2, end=60)
        chart.request(MMF_500, 60, {"text": "Take as directed"})
        lines = chart.lines()
        assert [ln.role for ln in lines] == [LineRole.INDUCTION, LineRole.MAINTENANCE]
        (member,) = lines[1].agents
        assert member.daily_dose_mg == 2000.0
        assert member.dose_order is not None
        assert member.dose_order.start == day(150)

    def test_a_course_of_unknown_dose_is_one_induction_line(self) -> None:
        """MMF whose dose can never be read: one induction line with no daily dose."""
        (line,) = Chart().request(MMF_500, 200, {"text": "Take as directed"}).lines()
        assert (line.role, line.agents[0].daily_dose_mg) == (LineRole.INDUCTION, None)

    def test_each_line_shows_the_dose_it_ran_at(self) -> None:
        """The induction line keeps 3 g/day; the 2 g/day order that starts the maintenance
        line belongs to the maintenance line."""
        first, second = Chart().mmf(300, 3, end=120).mmf(120, 2).lines()
        assert first.agents[0].daily_dose_mg == 3000.0
        assert second.agents[0].daily_dose_mg == 2000.0


class TestPulseDelivery:
    def test_euro_lupus_from_the_ordered_interval(self) -> None:
        """An order every 14 days x 6 with six 500 mg pulses: Euro-Lupus, 3 g cumulative."""
        (member,) = Chart().pulses(CYC, 200, 6).current().agents
        pulses = member.pulses
        assert pulses is not None
        assert (pulses.scheme, pulses.interval_days, pulses.planned) == (
            PulseScheme.EURO_LUPUS,
            14.0,
            6,
        )
        assert (len(pulses.given), pulses.cumulative_mg) == (6, 3000.0)

    def test_nih_from_the_ordered_interval(self) -> None:
        """An order every 28 days: NIH-type, whatever the doses' spacing."""
        chart = Chart().pulses(CYC, 200, 3, every=14, order_every=28, mg=750)
        pulses = chart.current().agents[0].pulses
        assert pulses is not None
        assert (pulses.scheme, pulses.interval_days) == (PulseScheme.NIH, 28.0)

    @pytest.mark.parametrize(
        ("every", "scheme"),
        [(14, PulseScheme.EURO_LUPUS), (28, PulseScheme.NIH), (21, PulseScheme.EURO_LUPUS)],
        ids=["fortnightly", "monthly", "halfway-goes-to-euro-lupus"],
    )
    def test_scheme_from_the_doses_spacing(self, every: int, scheme: PulseScheme) -> None:
        """Pulses recorded with no order: the scheme whose interval is nearer the spacing."""
        chart = Chart().pulses(CYC, 200, 4, every=every, order=False)
        line = chart.current()
        assert line.regimen is RegimenKind.CYCLOPHOSPHAMIDE_IV
        pulses = line.agents[0].pulses
        assert pulses is not None
        assert (pulses.scheme, pulses.interval_days, pulses.planned) == (scheme, None, None)

    @pytest.mark.parametrize(
        ("per_m2", "scheme"), [(750, PulseScheme.NIH), (None, PulseScheme.UNKNOWN)]
    )
    def test_a_dose_per_m2_is_nih(self, per_m2: float | None, scheme: PulseScheme) -> None:
        """One pulse of an order written 750 mg/m2 with no interval is NIH-type; in mg with
        no interval and one pulse the scheme is unknown."""
        chart = Chart().pulses(CYC, 20, 1, order_every=0, planned=None, per_m2=per_m2)
        pulses = chart.current().agents[0].pulses
        assert pulses is not None
        assert (pulses.scheme, pulses.interval_days) == (scheme, None)

    def test_cumulative_dose_only_when_every_dose_is_known(self) -> None:
        """One pulse recorded without a dose: the cumulative dose is unknown."""
        chart = Chart().pulses(CYC, 200, 5).given(CYC, 130, None)
        pulses = chart.current().agents[0].pulses
        assert pulses is not None
        assert (len(pulses.given), pulses.cumulative_mg) == (6, None)

    def test_an_anti_cd20_course_has_pulses_of_no_scheme(self) -> None:
        """Rituximab infusions are pulses without a cyclophosphamide scheme."""
        pulses = Chart().infusions(RITUXIMAB, 60, 46).current().agents[0].pulses
        assert pulses is not None
        assert (pulses.scheme, len(pulses.given), pulses.cumulative_mg) == (
            PulseScheme.UNKNOWN,
            2,
            2000.0,
        )

    def test_iv_administrations_of_a_continuous_agent_are_recorded(self) -> None:
        """Belimumab given IV on the infusion unit: its doses are listed, no scheme."""
        chart = Chart().mmf(200, 3).iv_every(BELIMUMAB, 200, mg=600)
        chart.infusions(BELIMUMAB, 200, 186, 172, mg=600)
        member = chart.current().agent(Agent.BELIMUMAB)
        assert member is not None
        assert member.pulses is not None
        assert (member.pulses.scheme, len(member.pulses.given)) == (PulseScheme.UNKNOWN, 3)

    def test_oral_agents_have_no_pulses(self) -> None:
        """Oral cyclophosphamide is a daily drug: no pulses, the oral regimen."""
        line = Chart().daily(CYC_ORAL, 100, 100).current()
        assert (line.regimen, line.agents[0].pulses) == (RegimenKind.CYCLOPHOSPHAMIDE_ORAL, None)

    def test_pulses_of_a_course_carried_into_an_add_on_line(self) -> None:
        """Euro-Lupus with rituximab added 60 days in: the add-on line counts every pulse of
        the course, not only those given since the add-on."""
        chart = Chart().pulses(CYC, 240, 6).infusions(RITUXIMAB, 180, 166)
        first, second = chart.lines()
        assert second.change is LineChange.ADDED
        cyclophosphamide = second.agent(Agent.CYCLOPHOSPHAMIDE)
        assert cyclophosphamide is not None
        assert cyclophosphamide.pulses is not None
        assert len(cyclophosphamide.pulses.given) == 6
        assert cyclophosphamide.pulses.cumulative_mg == 3000.0
        earlier = first.agent(Agent.CYCLOPHOSPHAMIDE)
        assert earlier is not None
        assert earlier.pulses is not None
        assert [d.when for d in earlier.pulses.given] == [day(240 - 14 * k) for k in range(5)]


class TestBackgroundTherapy:
    def test_hydroxychloroquine_and_glucocorticoids_never_make_a_line(self) -> None:
        """Hydroxychloroquine, prednisone and methylprednisolone pulses started during an
        MMF line change nothing: one line, MMF its only agent."""
        chart = Chart().mmf(300, 3).tablets(HCQ_200, 200, 1).daily(PREDNISONE_20, 150, 40)
        chart.pulses(METHYLPREDNISOLONE, 100, 3, every=1, mg=500, planned=3)
        (line,) = chart.lines()
        assert line.agent_set == {MMF}


def _regimen_chart(*parts: tuple[Json, str]) -> Chart:
    chart = Chart()
    for concept, how in parts:
        if how == "pulses":
            chart.pulses(concept, 100, 3)
        elif how == "iv":
            chart.iv_every(concept, 100, mg=600)
        else:
            chart.tablets(concept, 100, 2)
    return chart


class TestRegimenKinds:
    @pytest.mark.parametrize(
        ("parts", "regimen"),
        [
            (((MMF_500, "oral"),), RegimenKind.MYCOPHENOLATE),
            (((CYC, "pulses"),), RegimenKind.CYCLOPHOSPHAMIDE_IV),
            (((CYC_ORAL, "oral"),), RegimenKind.CYCLOPHOSPHAMIDE_ORAL),
            (((CYC, "pulses"), (BELIMUMAB, "iv")), RegimenKind.CYCLOPHOSPHAMIDE_BELIMUMAB),
            (((MMF_500, "oral"), (TACROLIMUS_1MG, "oral")), RegimenKind.MULTITARGET),
            (((MMF_500, "oral"), (VOCLOSPORIN, "oral")), RegimenKind.MYCOPHENOLATE_VOCLOSPORIN),
            (((MMF_500, "oral"), (BELIMUMAB, "iv")), RegimenKind.MYCOPHENOLATE_BELIMUMAB),
            (((MMF_500, "oral"), (CYCLOSPORINE, "oral")), RegimenKind.MYCOPHENOLATE),
            (((TACROLIMUS_1MG, "oral"),), RegimenKind.CNI_MONOTHERAPY),
            (((CYCLOSPORINE, "oral"),), RegimenKind.CNI_MONOTHERAPY),
            (((RITUXIMAB, "pulses"),), RegimenKind.ANTI_CD20),
            (((OBINUTUZUMAB, "pulses"),), RegimenKind.ANTI_CD20),
            (((AZA, "oral"),), RegimenKind.AZATHIOPRINE),
            (((BELIMUMAB, "iv"),), RegimenKind.OTHER),
            (((ANIFROLUMAB, "iv"),), RegimenKind.OTHER),
        ],
        ids=[
            "mmf",
            "cyc-iv",
            "cyc-oral",
            "cyc-belimumab",
            "multitarget",
            "mmf-voclosporin",
            "mmf-belimumab",
            "mmf-cyclosporine",
            "tacrolimus",
            "cyclosporine",
            "rituximab",
            "obinutuzumab",
            "azathioprine",
            "belimumab-alone",
            "anifrolumab-alone",
        ],
    )
    def test_regimen_of_agents_started_together(
        self, parts: tuple[tuple[Json, str], ...], regimen: RegimenKind
    ) -> None:
        """Agents started on one day make the regimen named by KDIGO 2024 / EULAR 2019."""
        assert _regimen_chart(*parts).current().regimen is regimen

    @pytest.mark.parametrize(
        ("concept", "cni"),
        [(TACROLIMUS_1MG, True), (VOCLOSPORIN, True), (CYCLOSPORINE, True), (AZA, False)],
        ids=["tacrolimus", "voclosporin", "cyclosporine", "azathioprine"],
    )
    def test_a_line_with_a_calcineurin_inhibitor_says_so(self, concept: Json, cni: bool) -> None:
        """contains_cni is true for tacrolimus, voclosporin and cyclosporine with MMF."""
        line = Chart().mmf(100, 2).tablets(concept, 100, 1).current()
        assert line.contains_cni is cni

    def test_cyclophosphamide_of_unknown_route_counts_as_iv(self) -> None:
        """Cyclophosphamide with no route anywhere is read as the IV regimen."""
        chart = Chart().request(CYC, 100, {"text": "per protocol"})
        line = chart.current()
        assert (line.agents[0].route, line.regimen) == (
            Route.UNKNOWN,
            RegimenKind.CYCLOPHOSPHAMIDE_IV,
        )


class TestModellingEdges:
    def test_a_switch_within_the_regimen_window_is_still_a_switch(self) -> None:
        """MMF started, then stopped two weeks later for IV cyclophosphamide: the MMF does not
        stay in the line as its backbone; the cyclophosphamide line is a switch."""
        chart = Chart().mmf(200, 3, end=186).pulses(CYC, 186, 6)
        current = chart.current()
        assert (current.role, current.change) == (LineRole.INDUCTION, LineChange.SWITCHED)
        assert current.agent_set == {Agent.CYCLOPHOSPHAMIDE}
        assert current.backbone is not None
        assert current.backbone.agent is Agent.CYCLOPHOSPHAMIDE

    def test_maintenance_mycophenolate_to_azathioprine_keeps_the_clock(self) -> None:
        """Maintenance MMF 2 g/day changed to azathioprine (e.g. before a pregnancy) is still
        maintenance on the induction's clock, not an add-on that restarts it."""
        chart = Chart().mmf(500, 3, end=300).mmf(300, 2, end=100)
        chart.tablets(AZA, 100, 2, timing="QD")
        lines = chart.lines()
        current = chart.current()
        assert (current.role, current.change) == (LineRole.MAINTENANCE, LineChange.SWITCHED)
        assert current.clock_start == lines[0].clock_start
        assert current.agent_set == {Agent.AZATHIOPRINE}

    def test_maintenance_resumed_after_a_pause_is_maintenance(self) -> None:
        """Maintenance MMF 2 g/day stopped for two months and resumed at 2 g/day: maintenance
        again on the same clock, not a new induction."""
        chart = Chart().mmf(700, 3, end=500).mmf(500, 2, end=200).mmf(140, 2)
        current = chart.current()
        first = chart.lines()[0]
        assert current.role is LineRole.MAINTENANCE
        assert current.clock_start == first.clock_start
