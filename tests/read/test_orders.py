"""map_orders, map_administrations, build_courses, find_induction, maintenance_courses."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from fhir_mappings.facts import (
    Agent,
    DoseGiven,
    MatchMethod,
    MedicationMatch,
    MedicationOrder,
    RegimenKind,
    Route,
    TherapyCourse,
)
from fhir_mappings.read.therapy import (
    COURSE_GAP_DAYS,
    INDUCTION_RECENCY_DAYS,
    PULSE_COURSE_ASSESSMENT_DAYS,
    REGIMEN_WINDOW_DAYS,
    build_courses,
    find_induction,
    maintenance_courses,
    map_administrations,
    map_orders,
)

RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
SCT = "http://snomed.info/sct"
TODAY = date(2024, 12, 1)

CODES = {
    Agent.MYCOPHENOLATE_MOFETIL: "200060",
    Agent.CYCLOPHOSPHAMIDE: "3002",
    Agent.TACROLIMUS: "42316",
    Agent.AZATHIOPRINE: "197388",
    Agent.RITUXIMAB: "121191",
}


def _request(
    medication: str | dict[str, Any] = "200060",
    *,
    status: str | None = "active",
    intent: str | None = "order",
    dosage: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    concept = (
        {"coding": [{"system": RX, "code": medication}]}
        if isinstance(medication, str)
        else medication
    )
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": "r",
        "medicationCodeableConcept": concept,
    }
    if status is not None:
        resource["status"] = status
    if intent is not None:
        resource["intent"] = intent
    if dosage is not None:
        resource["dosageInstruction"] = dosage
    resource.update(fields)
    return resource


def _bid(value: float = 2, unit: str = "{tbl}", **repeat: Any) -> dict[str, Any]:
    timing: dict[str, Any] = {"code": {"coding": [{"code": "BID"}]}}
    if repeat:
        timing["repeat"] = repeat
    return {"timing": timing, "doseAndRate": [{"doseQuantity": {"value": value, "code": unit}}]}


def _match(agent: Agent) -> MedicationMatch:
    return MedicationMatch(agent, MatchMethod.CODING, None, None, None, None)


def _order(
    agent: Agent,
    start: date | None,
    end: date | None = None,
    *,
    status: str = "active",
    daily: float | None = None,
    route: Route = Route.ORAL,
    planned: int | None = None,
    authored: date | None = None,
) -> MedicationOrder:
    return MedicationOrder(
        None,
        _match(agent),
        status,
        "order",
        authored,
        start,
        end,
        route,
        None,
        daily,
        None,
        None,
        None,
        planned,
        None,
    )


def _course(
    agent: Agent,
    start: date,
    end: date | None = None,
    *,
    daily: float | None = None,
    route: Route = Route.ORAL,
) -> TherapyCourse:
    return TherapyCourse(agent, start, end, route, daily, ())


def _dose(agent: Agent, when: date, mg: float | None = 500.0) -> DoseGiven:
    return DoseGiven(agent, when, mg, Route.INTRAVENOUS, None)


class TestMapOrders:
    @pytest.mark.parametrize(
        ("status", "kept"),
        [
            ("active", True),
            ("on-hold", True),
            ("completed", True),
            ("stopped", True),
            ("unknown", True),
            (None, True),
            ("draft", False),
            ("cancelled", False),
            ("entered-in-error", False),
            ("bogus", False),
        ],
    )
    def test_status(self, status: str | None, kept: bool) -> None:
        """Drafts, cancelled and erroneous orders are excluded; the rest kept."""
        assert bool(map_orders([_request(status=status)], {})) is kept

    @pytest.mark.parametrize(
        ("intent", "kept"),
        [
            ("order", True),
            ("original-order", True),
            ("reflex-order", True),
            ("filler-order", True),
            ("instance-order", True),
            (None, True),
            ("proposal", False),
            ("plan", False),
            ("option", False),
        ],
    )
    def test_intent(self, intent: str | None, kept: bool) -> None:
        """Proposals, plans and options are excluded; orders kept."""
        assert bool(map_orders([_request(intent=intent)], {})) is kept

    def test_do_not_perform(self) -> None:
        """doNotPerform=true is excluded."""
        assert map_orders([_request(doNotPerform=True)], {}) == ()

    def test_unrecognised_drug_and_junk(self) -> None:
        """Unrecognised drugs and non-dicts are skipped."""
        assert map_orders([_request("197361"), "x", None], {}) == ()

    def test_tablets_to_daily_dose(self) -> None:
        """2 x 500 mg tablets BID gives 1000 mg per dose, 2000 mg/day, oral from the form."""
        (order,) = map_orders([_request(dosage=[_bid()], authoredOn="2024-03-01")], {})
        assert (order.dose_mg, order.daily_dose_mg, order.route, order.start) == (
            1000.0,
            2000.0,
            Route.ORAL,
            date(2024, 3, 1),
        )

    def test_bounds_period(self) -> None:
        """boundsPeriod gives start and end ahead of authoredOn."""
        dosage = _bid(boundsPeriod={"start": "2024-02-01", "end": "2024-08-01"})
        (order,) = map_orders([_request(dosage=[dosage], authoredOn="2024-01-20")], {})
        assert (order.authored_on, order.start, order.end) == (
            date(2024, 1, 20),
            date(2024, 2, 1),
            date(2024, 8, 1),
        )

    def test_finite_iv_schedule(self) -> None:
        """'500 mg IV every 2 weeks x 6' ends 70 days after the start, route from SNOMED."""
        dosage = {
            "route": {"coding": [{"system": SCT, "code": "47625008"}]},
            "timing": {"repeat": {"period": 2, "periodUnit": "wk", "count": 6}},
            "doseAndRate": [{"doseQuantity": {"value": 500, "code": "mg"}}],
        }
        (order,) = map_orders([_request("3002", dosage=[dosage], authoredOn="2024-01-01")], {})
        assert (order.route, order.planned_doses, order.interval_days, order.end) == (
            Route.INTRAVENOUS,
            6,
            14.0,
            date(2024, 3, 11),
        )

    def test_per_m2_with_bsa(self) -> None:
        """An NIH-style 750 mg/m2 order keeps mg/m2 and converts with the BSA."""
        dosage = {"doseAndRate": [{"doseQuantity": {"value": 750, "code": "mg/m2"}}]}
        (order,) = map_orders([_request("3002", dosage=[dosage])], {}, bsa_m2=1.6)
        assert (order.dose_per_m2_mg, order.dose_mg) == (750.0, 1200.0)

    def test_per_kg_with_weight(self) -> None:
        """A 10 mg/kg order keeps mg/kg and converts with the weight."""
        dosage = {"doseAndRate": [{"doseQuantity": {"value": 10, "code": "mg/kg"}}]}
        (order,) = map_orders([_request("3002", dosage=[dosage])], {}, weight_kg=70)
        assert (order.dose_per_kg_mg, order.dose_mg) == (10.0, 700.0)

    @pytest.mark.parametrize(
        ("dispense", "end"),
        [
            (
                {"expectedSupplyDuration": {"value": 30, "code": "d"}, "numberOfRepeatsAllowed": 2},
                date(2024, 3, 31),
            ),
            ({"expectedSupplyDuration": {"value": 4, "unit": "weeks"}}, date(2024, 1, 29)),
            ({"validityPeriod": {"end": "2024-06-30"}}, date(2024, 6, 30)),
            ({}, date(2024, 1, 1)),
        ],
    )
    def test_completed_end(self, dispense: dict[str, Any], end: date) -> None:
        """A completed order with no end ends at its expected supply, else validity, else start."""
        request = _request(status="completed", authoredOn="2024-01-01", dispenseRequest=dispense)
        (order,) = map_orders([request], {})
        assert order.end == end

    def test_active_without_end(self) -> None:
        """An active order with no end is open."""
        (order,) = map_orders([_request(authoredOn="2024-01-01")], {})
        assert order.end is None

    def test_dosage_text_kept(self) -> None:
        """Dosage texts are joined for display."""
        (order,) = map_orders([_request(dosage=[{"text": "1 g bid"}, {"text": "with food"}])], {})
        assert order.dosage_text == "1 g bid; with food"

    @pytest.mark.parametrize(
        ("status", "kept"),
        [
            ("active", True),
            ("completed", True),
            ("intended", False),
            ("not-taken", False),
            ("entered-in-error", False),
        ],
    )
    def test_statement(self, status: str, kept: bool) -> None:
        """MedicationStatements that are taken count, with effectivePeriod dates."""
        statement = {
            "resourceType": "MedicationStatement",
            "status": status,
            "medicationCodeableConcept": {"text": "Imuran 50 mg tablet"},
            "effectivePeriod": {"start": "2023-01-01", "end": "2023-06-01"},
            "dosage": [
                {
                    "timing": {"code": {"coding": [{"code": "QD"}]}},
                    "doseAndRate": [{"doseQuantity": {"value": 2, "code": "{tbl}"}}],
                }
            ],
        }
        orders = map_orders([statement], {})
        assert bool(orders) is kept
        if kept:
            assert (orders[0].start, orders[0].end, orders[0].daily_dose_mg) == (
                date(2023, 1, 1),
                date(2023, 6, 1),
                100.0,
            )


class TestMapAdministrations:
    @staticmethod
    def _admin(status: str = "completed", **fields: Any) -> dict[str, Any]:
        return {
            "resourceType": "MedicationAdministration",
            "id": "a",
            "status": status,
            "medicationCodeableConcept": {"coding": [{"system": RX, "code": "3002"}]},
            "effectiveDateTime": "2024-01-15T10:00:00Z",
            "dosage": {
                "route": {"coding": [{"system": SCT, "code": "47625008"}]},
                "dose": {"value": 500, "code": "mg"},
            },
            **fields,
        }

    @pytest.mark.parametrize(
        ("status", "kept"),
        [
            ("completed", True),
            ("in-progress", True),
            ("not-done", False),
            ("entered-in-error", False),
            ("stopped", False),
            ("on-hold", False),
        ],
    )
    def test_status(self, status: str, kept: bool) -> None:
        """Only completed and in-progress administrations count as given."""
        assert bool(map_administrations([self._admin(status)], {})) is kept

    def test_dose(self) -> None:
        """Dose, date, route and source come from the administration."""
        (dose,) = map_administrations([self._admin()], {})
        assert dose == DoseGiven(
            Agent.CYCLOPHOSPHAMIDE,
            date(2024, 1, 15),
            500.0,
            Route.INTRAVENOUS,
            "MedicationAdministration/a",
        )

    def test_effective_period(self) -> None:
        """effectivePeriod.start is the date when there is no effectiveDateTime."""
        admin = self._admin(effectiveDateTime=None, effectivePeriod={"start": "2024-02-01"})
        (dose,) = map_administrations([admin], {})
        assert dose.when == date(2024, 2, 1)

    def test_no_date_or_drug(self) -> None:
        """Administrations without a date or a recognised drug, and junk, are skipped."""
        no_date = self._admin(effectiveDateTime=None)
        other = self._admin(medicationCodeableConcept={"text": "saline"})
        assert map_administrations([no_date, other, 1], {}) == ()

    def test_sorted(self) -> None:
        """Doses come out oldest first."""
        later = self._admin(effectiveDateTime="2024-03-01")
        doses = map_administrations([later, self._admin()], {})
        assert [d.when for d in doses] == [date(2024, 1, 15), date(2024, 3, 1)]


class TestBuildCourses:
    def test_merge_consecutive_orders(self) -> None:
        """Orders of one agent within the gap merge; the latest order's daily dose wins."""
        first = _order(
            Agent.MYCOPHENOLATE_MOFETIL,
            date(2024, 1, 1),
            date(2024, 3, 1),
            status="completed",
            daily=2000,
        )
        second = _order(
            Agent.MYCOPHENOLATE_MOFETIL,
            date(2024, 3, 1) + timedelta(days=COURSE_GAP_DAYS),
            daily=3000,
        )
        (course,) = build_courses([second, first], [], TODAY)
        assert (course.start, course.end, course.daily_dose_mg, len(course.orders)) == (
            date(2024, 1, 1),
            None,
            3000,
            2,
        )
        assert course.ongoing

    def test_gap_splits(self) -> None:
        """A gap longer than the constant starts a new course."""
        first = _order(
            Agent.MYCOPHENOLATE_MOFETIL, date(2024, 1, 1), date(2024, 3, 1), status="completed"
        )
        second = _order(
            Agent.MYCOPHENOLATE_MOFETIL, date(2024, 3, 1) + timedelta(days=COURSE_GAP_DAYS + 1)
        )
        assert len(build_courses([first, second], [], TODAY)) == 2

    def test_overlapping_open_order_absorbs(self) -> None:
        """An order during an open course joins it."""
        first = _order(Agent.TACROLIMUS, date(2024, 1, 1))
        second = _order(Agent.TACROLIMUS, date(2024, 9, 1), date(2024, 10, 1))
        (course,) = build_courses([first, second], [], TODAY)
        assert course.end is None

    def test_active_order_with_past_end(self) -> None:
        """An active order whose end has passed is over."""
        (course,) = build_courses(
            [_order(Agent.TACROLIMUS, date(2024, 1, 1), date(2024, 6, 1))], [], TODAY
        )
        assert course.end == date(2024, 6, 1)

    def test_undated_order_skipped(self) -> None:
        """An order with no start and no authoredOn cannot be placed."""
        assert build_courses([_order(Agent.TACROLIMUS, None)], [], TODAY) == ()

    def test_authored_used_when_no_start(self) -> None:
        """authoredOn anchors an order with no start."""
        (course,) = build_courses(
            [_order(Agent.TACROLIMUS, None, authored=date(2024, 5, 1))], [], TODAY
        )
        assert course.start == date(2024, 5, 1)

    def test_euro_lupus_complete(self) -> None:
        """Six of six planned IV doses end the course at the last dose, with cumulative dose."""
        order = _order(
            Agent.CYCLOPHOSPHAMIDE,
            date(2024, 1, 1),
            date(2024, 3, 11),
            route=Route.INTRAVENOUS,
            planned=6,
        )
        doses = [
            _dose(Agent.CYCLOPHOSPHAMIDE, date(2024, 1, 1) + timedelta(days=14 * i))
            for i in range(6)
        ]
        (course,) = build_courses([order], doses, date(2024, 3, 20))
        assert (course.end, course.cumulative_dose_mg, len(course.administrations)) == (
            date(2024, 3, 11),
            3000.0,
            6,
        )

    def test_euro_lupus_in_progress(self) -> None:
        """Four of six doses given, order still scheduled: the course is ongoing."""
        order = _order(
            Agent.CYCLOPHOSPHAMIDE,
            date(2024, 1, 1),
            date(2024, 3, 11),
            route=Route.INTRAVENOUS,
            planned=6,
        )
        doses = [
            _dose(Agent.CYCLOPHOSPHAMIDE, date(2024, 1, 1) + timedelta(days=14 * i))
            for i in range(4)
        ]
        (course,) = build_courses([order], doses, date(2024, 2, 20))
        assert course.ongoing

    def test_late_dose_extends_end(self) -> None:
        """A dose after the order's end moves the end."""
        order = _order(
            Agent.CYCLOPHOSPHAMIDE, date(2024, 1, 1), date(2024, 2, 1), route=Route.INTRAVENOUS
        )
        (course,) = build_courses(
            [order], [_dose(Agent.CYCLOPHOSPHAMIDE, date(2024, 2, 20))], TODAY
        )
        assert course.end == date(2024, 2, 20)

    def test_unknown_dose_makes_cumulative_unknown(self) -> None:
        """One dose without mg makes the cumulative dose unknown."""
        doses = [
            _dose(Agent.RITUXIMAB, date(2024, 11, 1)),
            _dose(Agent.RITUXIMAB, date(2024, 11, 15), None),
        ]
        (course,) = build_courses([], doses, TODAY)
        assert course.cumulative_dose_mg is None

    @pytest.mark.parametrize(
        ("last", "ongoing"),
        [(TODAY - timedelta(days=20), True), (TODAY - timedelta(days=100), False)],
    )
    def test_administration_only(self, last: date, ongoing: bool) -> None:
        """Doses with no order form a course, ongoing while the next dose is due."""
        doses = [_dose(Agent.CYCLOPHOSPHAMIDE, last - timedelta(days=30 * i)) for i in range(3)]
        (course,) = build_courses([], doses, TODAY)
        assert (course.ongoing, course.route) == (ongoing, Route.INTRAVENOUS)

    def test_administration_only_split(self) -> None:
        """Doses far apart form separate courses."""
        doses = [_dose(Agent.RITUXIMAB, date(2023, 1, 1)), _dose(Agent.RITUXIMAB, date(2024, 1, 1))]
        assert len(build_courses([], doses, TODAY)) == 2

    def test_route_from_doses(self) -> None:
        """An order of unknown route takes the route of its doses."""
        order = _order(Agent.RITUXIMAB, date(2024, 11, 1), route=Route.UNKNOWN)
        (course,) = build_courses([order], [_dose(Agent.RITUXIMAB, date(2024, 11, 1))], TODAY)
        assert course.route is Route.INTRAVENOUS


class TestFindInduction:
    MMF = Agent.MYCOPHENOLATE_MOFETIL

    def test_mycophenolate(self) -> None:
        """An ongoing MMF course alone is a mycophenolate induction."""
        induction = find_induction([_course(self.MMF, date(2024, 6, 1), daily=3000)], TODAY)
        assert induction is not None
        assert (
            induction.kind,
            induction.start,
            induction.primary_agent,
            induction.contains_cni,
        ) == (
            RegimenKind.MYCOPHENOLATE,
            date(2024, 6, 1),
            self.MMF,
            False,
        )

    @pytest.mark.parametrize(
        ("addon", "kind", "cni"),
        [
            (Agent.TACROLIMUS, RegimenKind.MULTITARGET, True),
            (Agent.VOCLOSPORIN, RegimenKind.MYCOPHENOLATE_VOCLOSPORIN, True),
            (Agent.BELIMUMAB, RegimenKind.MYCOPHENOLATE_BELIMUMAB, False),
            (Agent.CYCLOSPORINE, RegimenKind.MYCOPHENOLATE, True),
        ],
    )
    def test_combinations(self, addon: Agent, kind: RegimenKind, cni: bool) -> None:
        """Add-ons started within the window make the combined regimen."""
        courses = [
            _course(self.MMF, date(2024, 6, 1)),
            _course(addon, date(2024, 6, 1) + timedelta(days=REGIMEN_WINDOW_DAYS)),
        ]
        induction = find_induction(courses, TODAY)
        assert induction is not None
        assert (induction.kind, induction.contains_cni, len(induction.courses)) == (kind, cni, 2)
        assert induction.course(addon) is not None

    @pytest.mark.parametrize(
        ("days_since_start", "expected"),
        [(PULSE_COURSE_ASSESSMENT_DAYS, True), (PULSE_COURSE_ASSESSMENT_DAYS + 1, False)],
    )
    def test_finished_pulse_course_stays_under_assessment(
        self, days_since_start: int, expected: bool
    ) -> None:
        """A Euro-Lupus course finished months ago is still the induction until 12 months."""
        start = TODAY - timedelta(days=days_since_start)
        courses = [
            _course(
                Agent.CYCLOPHOSPHAMIDE, start, start + timedelta(days=70), route=Route.INTRAVENOUS
            ),
            _course(Agent.AZATHIOPRINE, start + timedelta(days=84)),
        ]
        induction = find_induction(courses, TODAY)
        assert (induction is not None) is expected
        if induction is not None:
            assert induction.primary_agent is Agent.CYCLOPHOSPHAMIDE
            assert maintenance_courses(courses, induction)[0].agent is Agent.AZATHIOPRINE

    def test_triple_therapy(self) -> None:
        """MMF + voclosporin + prednisone: the CNI combination, steroids not a member."""
        courses = [
            _course(self.MMF, date(2024, 6, 1)),
            _course(Agent.VOCLOSPORIN, date(2024, 6, 3)),
            _course(Agent.PREDNISONE, date(2024, 6, 1)),
        ]
        induction = find_induction(courses, TODAY)
        assert induction is not None
        assert induction.kind is RegimenKind.MYCOPHENOLATE_VOCLOSPORIN
        assert {c.agent for c in induction.courses} == {self.MMF, Agent.VOCLOSPORIN}

    def test_addon_outside_window(self) -> None:
        """An add-on started long after the backbone is not part of the regimen."""
        courses = [
            _course(self.MMF, date(2024, 1, 1)),
            _course(Agent.BELIMUMAB, date(2024, 1, 1) + timedelta(days=REGIMEN_WINDOW_DAYS + 1)),
        ]
        induction = find_induction(courses, TODAY)
        assert induction is not None
        assert induction.kind is RegimenKind.MYCOPHENOLATE

    @pytest.mark.parametrize(
        ("route", "addon", "kind"),
        [
            (Route.INTRAVENOUS, None, RegimenKind.CYCLOPHOSPHAMIDE_IV),
            (Route.UNKNOWN, None, RegimenKind.CYCLOPHOSPHAMIDE_IV),
            (Route.ORAL, None, RegimenKind.CYCLOPHOSPHAMIDE_ORAL),
            (Route.INTRAVENOUS, Agent.BELIMUMAB, RegimenKind.CYCLOPHOSPHAMIDE_BELIMUMAB),
        ],
    )
    def test_cyclophosphamide(self, route: Route, addon: Agent | None, kind: RegimenKind) -> None:
        """Cyclophosphamide is IV unless oral, and pairs with belimumab."""
        courses = [_course(Agent.CYCLOPHOSPHAMIDE, date(2024, 9, 1), route=route)]
        if addon is not None:
            courses.append(_course(addon, date(2024, 9, 1)))
        induction = find_induction(courses, TODAY)
        assert induction is not None
        assert induction.kind is kind

    def test_switch_mmf_to_cyc(self) -> None:
        """A switch MMF -> CYC makes the CYC course the induction, with its own start."""
        courses = [
            _course(self.MMF, date(2024, 1, 1), date(2024, 8, 1), daily=3000),
            _course(Agent.CYCLOPHOSPHAMIDE, date(2024, 8, 5), route=Route.INTRAVENOUS),
        ]
        induction = find_induction(courses, TODAY)
        assert induction is not None
        assert (induction.primary_agent, induction.start) == (
            Agent.CYCLOPHOSPHAMIDE,
            date(2024, 8, 5),
        )

    def test_cni_alone(self) -> None:
        """A CNI with no backbone is CNI monotherapy."""
        induction = find_induction([_course(Agent.TACROLIMUS, date(2024, 5, 1))], TODAY)
        assert induction is not None
        assert (induction.kind, induction.primary_agent, induction.contains_cni) == (
            RegimenKind.CNI_MONOTHERAPY,
            Agent.TACROLIMUS,
            True,
        )

    @pytest.mark.parametrize(
        "courses",
        [
            [],
            [_course(Agent.AZATHIOPRINE, date(2024, 1, 1))],
            [_course(Agent.RITUXIMAB, date(2024, 10, 1))],
            [
                _course(
                    Agent.MYCOPHENOLATE_MOFETIL,
                    date(2023, 1, 1),
                    TODAY - timedelta(days=INDUCTION_RECENCY_DAYS + 1),
                )
            ],
            [_course(Agent.MYCOPHENOLATE_MOFETIL, TODAY + timedelta(days=5))],
        ],
    )
    def test_none(self, courses: list[TherapyCourse]) -> None:
        """No induction: nothing, maintenance only, rituximab only, long-ended or future courses."""
        assert find_induction(courses, TODAY) is None

    def test_recently_ended_counts(self) -> None:
        """A course ended within the recency window is still the induction."""
        course = _course(self.MMF, date(2024, 1, 1), TODAY - timedelta(days=INDUCTION_RECENCY_DAYS))
        assert find_induction([course], TODAY) is not None


class TestMaintenance:
    def test_azathioprine_after_cyc(self) -> None:
        """Azathioprine after a completed CYC course is maintenance, and induction is None."""
        courses = [
            _course(
                Agent.CYCLOPHOSPHAMIDE, date(2023, 1, 1), date(2023, 3, 15), route=Route.INTRAVENOUS
            ),
            _course(Agent.AZATHIOPRINE, date(2023, 4, 1), daily=100),
        ]
        induction = find_induction(courses, TODAY)
        assert induction is None
        assert maintenance_courses(courses, induction) == (courses[1],)

    def test_low_dose_mmf_after_cyc(self) -> None:
        """MMF below 2 g/day after a finished CYC course is maintenance, not induction."""
        courses = [
            _course(
                Agent.CYCLOPHOSPHAMIDE, date(2024, 7, 1), date(2024, 9, 15), route=Route.INTRAVENOUS
            ),
            _course(Agent.MYCOPHENOLATE_MOFETIL, date(2024, 10, 1), daily=1000),
        ]
        induction = find_induction(courses, TODAY)
        assert induction is not None
        assert induction.primary_agent is Agent.CYCLOPHOSPHAMIDE
        assert maintenance_courses(courses, induction) == (courses[1],)

    @pytest.mark.parametrize("daily", [2000.0, None])
    def test_full_dose_mmf_after_cyc_is_switch(self, daily: float | None) -> None:
        """MMF at induction dose (or unknown dose) after CYC is a switch, not maintenance."""
        courses = [
            _course(
                Agent.CYCLOPHOSPHAMIDE, date(2024, 1, 1), date(2024, 3, 15), route=Route.INTRAVENOUS
            ),
            _course(Agent.MYCOPHENOLATE_MOFETIL, date(2024, 4, 1), daily=daily),
        ]
        induction = find_induction(courses, TODAY)
        assert induction is not None
        assert induction.primary_agent is Agent.MYCOPHENOLATE_MOFETIL
        assert maintenance_courses(courses, induction) == ()

    def test_low_dose_mmf_without_cyc(self) -> None:
        """Low-dose MMF with no prior CYC is not maintenance."""
        course = _course(Agent.MYCOPHENOLATE_MOFETIL, date(2024, 4, 1), daily=1000)
        assert maintenance_courses([course], None) == ()

    def test_other_agents_not_maintenance(self) -> None:
        """Steroids and HCQ are neither induction nor maintenance here."""
        course = _course(Agent.HYDROXYCHLOROQUINE, date(2024, 4, 1))
        assert maintenance_courses([course], None) == ()


class TestEndToEnd:
    def test_requests_to_induction(self) -> None:
        """MMF and tacrolimus orders become a multitarget induction."""
        mmf = _request(dosage=[_bid()], authoredOn="2024-06-01")
        tac = _request(
            {"text": "Prograf 1 mg capsule"}, dosage=[_bid(2, "{capsule}")], authoredOn="2024-06-02"
        )
        orders = map_orders([mmf, tac], {})
        induction = find_induction(build_courses(orders, [], TODAY), TODAY)
        assert induction is not None
        assert induction.kind is RegimenKind.MULTITARGET
        tac_course = induction.course(Agent.TACROLIMUS)
        assert tac_course is not None
        assert tac_course.daily_dose_mg == 4.0
