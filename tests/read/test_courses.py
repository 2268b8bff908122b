"""read.courses: orders and administrations of one agent -> courses, with the ruleset's
windows (``TreatmentWindows``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fhir_mappings.facts import Agent, Route
from fhir_mappings.read.courses import build_courses

from ._builders import WINDOWS, dose_fact, order_fact

TODAY = date(2024, 12, 1)
MMF = Agent.MYCOPHENOLATE_MOFETIL
CYC = Agent.CYCLOPHOSPHAMIDE


def _days(n: int) -> timedelta:
    return timedelta(days=n)


class TestOrdersIntoCourses:
    @pytest.mark.parametrize(
        ("gap", "courses"), [(WINDOWS.course_gap_days, 1), (WINDOWS.course_gap_days + 1, 2)]
    )
    def test_orders_closer_than_the_course_gap_merge(self, gap: int, courses: int) -> None:
        """A renewal 30 days after the last order ended continues the course; 31 days after,
        it starts a new one."""
        first = order_fact(MMF, date(2024, 1, 1), date(2024, 3, 1), status="completed", daily=2000)
        second = order_fact(MMF, date(2024, 3, 1) + _days(gap), daily=3000)
        assert len(build_courses([second, first], [], TODAY, WINDOWS)) == courses

    def test_merged_course_takes_the_latest_dose(self) -> None:
        """Merged orders make one course from the first start, ongoing, at the latest
        order's daily dose, its orders oldest first."""
        first = order_fact(MMF, date(2024, 1, 1), date(2024, 3, 1), status="completed", daily=2000)
        second = order_fact(MMF, date(2024, 3, 20), daily=3000)
        (course,) = build_courses([second, first], [], TODAY, WINDOWS)
        assert (course.start, course.end, course.daily_dose_mg, course.orders) == (
            date(2024, 1, 1),
            None,
            3000,
            (first, second),
        )
        assert (course.ongoing, course.route, course.cumulative_dose_mg) == (
            True,
            Route.ORAL,
            None,
        )

    def test_an_order_during_an_open_course_joins_it(self) -> None:
        """An order written while the course is open joins it and it stays open."""
        first = order_fact(Agent.TACROLIMUS, date(2024, 1, 1))
        second = order_fact(Agent.TACROLIMUS, date(2024, 9, 1), date(2024, 10, 1))
        (course,) = build_courses([first, second], [], TODAY, WINDOWS)
        assert course.end is None

    def test_overlapping_ended_orders_end_at_the_later_end(self) -> None:
        """Two ended orders that overlap end where the later one ends."""
        first = order_fact(MMF, date(2024, 1, 1), date(2024, 6, 1), status="completed")
        second = order_fact(MMF, date(2024, 2, 1), date(2024, 4, 1), status="stopped")
        (course,) = build_courses([first, second], [], TODAY, WINDOWS)
        assert course.end == date(2024, 6, 1)

    @pytest.mark.parametrize(
        ("end", "ongoing"),
        [(date(2024, 6, 1), False), (TODAY, True), (date(2025, 6, 1), True)],
        ids=["end-passed", "ends-today", "ends-later"],
    )
    def test_an_active_order_is_current_until_its_end(self, end: date, ongoing: bool) -> None:
        """An active order whose end has passed is over; one ending today or later is not."""
        (course,) = build_courses(
            [order_fact(Agent.TACROLIMUS, date(2024, 1, 1), end)], [], TODAY, WINDOWS
        )
        assert course.ongoing is ongoing

    def test_an_ended_order_without_an_end_ends_at_its_start(self) -> None:
        """A stopped order with no end date is over from its start."""
        order = order_fact(Agent.TACROLIMUS, date(2024, 1, 1), status="stopped")
        (course,) = build_courses([order], [], TODAY, WINDOWS)
        assert course.end == date(2024, 1, 1)

    def test_undated_order_skipped(self) -> None:
        """An order with no start and no authoredOn cannot be placed."""
        assert build_courses([order_fact(Agent.TACROLIMUS, None)], [], TODAY, WINDOWS) == ()

    def test_authored_used_when_no_start(self) -> None:
        """authoredOn anchors an order with no start."""
        order = order_fact(Agent.TACROLIMUS, None, authored=date(2024, 5, 1))
        (course,) = build_courses([order], [], TODAY, WINDOWS)
        assert course.start == date(2024, 5, 1)

    def test_agents_apart_oldest_first(self) -> None:
        """Each agent has its own courses; all come out oldest first, then by agent."""
        orders = [
            order_fact(Agent.TACROLIMUS, date(2024, 3, 1)),
            order_fact(MMF, date(2024, 3, 1)),
            order_fact(Agent.AZATHIOPRINE, date(2024, 1, 1)),
        ]
        courses = build_courses(orders, [], TODAY, WINDOWS)
        assert [(c.start, c.agent) for c in courses] == [
            (date(2024, 1, 1), Agent.AZATHIOPRINE),
            (date(2024, 3, 1), MMF),
            (date(2024, 3, 1), Agent.TACROLIMUS),
        ]


class TestAdministrations:
    def test_a_complete_schedule_ends_at_the_last_dose(self) -> None:
        """Six of six planned IV doses end the course at the last dose, with its cumulative
        dose."""
        order = order_fact(
            CYC, date(2024, 1, 1), date(2024, 3, 11), route=Route.INTRAVENOUS, planned=6
        )
        doses = [dose_fact(CYC, date(2024, 1, 1) + _days(14 * i)) for i in range(6)]
        (course,) = build_courses([order], doses, date(2024, 3, 20), WINDOWS)
        assert (course.end, course.cumulative_dose_mg, course.administrations) == (
            date(2024, 3, 11),
            3000.0,
            tuple(doses),
        )

    def test_a_complete_schedule_of_an_open_order_ends_too(self) -> None:
        """An open order (no end) whose six planned doses are given ends at the sixth."""
        order = order_fact(CYC, date(2024, 1, 1), route=Route.INTRAVENOUS, planned=6)
        doses = [dose_fact(CYC, date(2024, 1, 1) + _days(14 * i)) for i in range(6)]
        (course,) = build_courses([order], doses, TODAY, WINDOWS)
        assert course.end == date(2024, 3, 11)

    def test_a_schedule_in_progress_is_ongoing(self) -> None:
        """Four of six doses given, order still scheduled: the course is ongoing."""
        order = order_fact(
            CYC, date(2024, 1, 1), date(2024, 3, 11), route=Route.INTRAVENOUS, planned=6
        )
        doses = [dose_fact(CYC, date(2024, 1, 1) + _days(14 * i)) for i in range(4)]
        (course,) = build_courses([order], doses, date(2024, 2, 20), WINDOWS)
        assert course.ongoing

    def test_a_late_dose_extends_the_end(self) -> None:
        """A dose after the order's end (within the course gap) moves the end."""
        order = order_fact(CYC, date(2024, 1, 1), date(2024, 2, 1), route=Route.INTRAVENOUS)
        (course,) = build_courses([order], [dose_fact(CYC, date(2024, 2, 20))], TODAY, WINDOWS)
        assert course.end == date(2024, 2, 20)

    def test_an_early_dose_moves_the_start(self) -> None:
        """A dose given before the order's start (within the course gap) starts the course."""
        order = order_fact(CYC, date(2024, 1, 10), route=Route.INTRAVENOUS)
        (course,) = build_courses([order], [dose_fact(CYC, date(2024, 1, 2))], TODAY, WINDOWS)
        assert course.start == date(2024, 1, 2)

    def test_unknown_dose_makes_cumulative_unknown(self) -> None:
        """One dose without mg makes the cumulative dose unknown."""
        doses = [
            dose_fact(Agent.RITUXIMAB, date(2024, 11, 1)),
            dose_fact(Agent.RITUXIMAB, date(2024, 11, 15), None),
        ]
        (course,) = build_courses([], doses, TODAY, WINDOWS)
        assert course.cumulative_dose_mg is None

    @pytest.mark.parametrize(
        ("last", "ongoing"),
        [(TODAY - _days(20), True), (TODAY - _days(100), False)],
    )
    def test_administration_only(self, last: date, ongoing: bool) -> None:
        """Doses with no order form a course, ongoing while the next dose is due."""
        doses = [dose_fact(CYC, last - _days(30 * i)) for i in range(3)]
        (course,) = build_courses([], doses, TODAY, WINDOWS)
        assert (course.ongoing, course.route, course.orders) == (ongoing, Route.INTRAVENOUS, ())
        assert course.end == (None if ongoing else last)

    @pytest.mark.parametrize(
        ("since", "ongoing"),
        [
            (WINDOWS.course_gap_days + WINDOWS.admin_grace_days, True),
            (WINDOWS.course_gap_days + WINDOWS.admin_grace_days + 1, False),
        ],
    )
    def test_a_single_dose_is_due_again_after_the_course_gap(
        self, since: int, ongoing: bool
    ) -> None:
        """One dose with no order: ongoing while 30 days plus the 14-day grace have not
        passed since it."""
        (course,) = build_courses([], [dose_fact(CYC, TODAY - _days(since))], TODAY, WINDOWS)
        assert course.ongoing is ongoing

    @pytest.mark.parametrize(
        ("gap", "courses"),
        [(WINDOWS.admin_only_gap_days, 1), (WINDOWS.admin_only_gap_days + 1, 2)],
    )
    def test_administrations_far_apart_are_separate_courses(self, gap: int, courses: int) -> None:
        """Doses with no order 45 days apart are one course; 46 days apart, two."""
        doses = [
            dose_fact(Agent.RITUXIMAB, date(2024, 1, 1)),
            dose_fact(Agent.RITUXIMAB, date(2024, 1, 1) + _days(gap)),
        ]
        assert len(build_courses([], doses, TODAY, WINDOWS)) == courses

    def test_doses_outside_every_order_make_their_own_courses(self) -> None:
        """Doses long before and long after an order course each form an
        administration-only course beside it."""
        order = order_fact(
            CYC, date(2024, 5, 1), date(2024, 6, 1), status="completed", route=Route.INTRAVENOUS
        )
        before = dose_fact(CYC, date(2024, 1, 1))
        after = dose_fact(CYC, date(2024, 9, 1))
        courses = build_courses([order], [after, before], TODAY, WINDOWS)
        assert [(c.start, len(c.orders), len(c.administrations)) for c in courses] == [
            (date(2024, 1, 1), 0, 1),
            (date(2024, 5, 1), 1, 0),
            (date(2024, 9, 1), 0, 1),
        ]

    @pytest.mark.parametrize(
        ("order_route", "dose_route", "route"),
        [
            (Route.UNKNOWN, Route.INTRAVENOUS, Route.INTRAVENOUS),
            (Route.UNKNOWN, Route.UNKNOWN, Route.UNKNOWN),
            (Route.SUBCUTANEOUS, Route.INTRAVENOUS, Route.SUBCUTANEOUS),
        ],
    )
    def test_route(self, order_route: Route, dose_route: Route, route: Route) -> None:
        """The latest order's route, else the route of the latest dose that has one."""
        order = order_fact(Agent.BELIMUMAB, date(2024, 11, 1), route=order_route)
        dose = dose_fact(Agent.BELIMUMAB, date(2024, 11, 1), route=dose_route)
        (course,) = build_courses([order], [dose], TODAY, WINDOWS)
        assert course.route is route
