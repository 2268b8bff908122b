"""estimate_adherence: PDC, MPR, unknown vs zero, intrinsic IV, drug levels."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from fhir_mappings.facts import (
    CANONICAL_UNIT,
    AdherenceEstimate,
    AdherenceStatus,
    Agent,
    Analyte,
    DoseGiven,
    Fill,
    InductionRegimen,
    LabPoint,
    LabResults,
    LabSeries,
    RegimenKind,
    Route,
    TherapyCourse,
)
from fhir_mappings.read.adherence import (
    LEVEL_RECENCY_DAYS,
    PDC_ADHERENT_THRESHOLD,
    WINDOW_DAYS,
    estimate_adherence,
    fills_for,
    medication_possession_ratio,
    proportion_of_days_covered,
)

RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
TODAY = date(2024, 12, 1)
MMF = Agent.MYCOPHENOLATE_MOFETIL
NO_LABS = LabResults({})


def _dispense(
    when: date | None,
    *,
    days: float | None = 30,
    quantity: float | None = 120,
    status: str = "completed",
    code: str = "200060",
    **extra: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "id": f"d{when}",
        "status": status,
        "medicationCodeableConcept": {"coding": [{"system": RX, "code": code}]},
    }
    if when is not None:
        resource["whenHandedOver"] = when.isoformat()
    if days is not None:
        resource["daysSupply"] = {"value": days, "code": "d"}
    if quantity is not None:
        resource["quantity"] = {"value": quantity, "code": "{tbl}"}
    resource.update(extra)
    return resource


def _course(
    agent: Agent = MMF,
    start: date = date(2024, 1, 1),
    *,
    route: Route = Route.ORAL,
    daily: float | None = 2000,
    doses: tuple[DoseGiven, ...] = (),
) -> TherapyCourse:
    return TherapyCourse(agent, start, None, route, daily, (), doses)


def _induction(*courses: TherapyCourse) -> InductionRegimen:
    return InductionRegimen(
        RegimenKind.MYCOPHENOLATE, courses[0].start, courses[0].agent, courses, False
    )


def _labs(analyte: Analyte, value: float, when: date, comparator: str | None = None) -> LabResults:
    point = LabPoint(
        analyte,
        datetime(when.year, when.month, when.day, tzinfo=UTC),
        value,
        CANONICAL_UNIT[analyte],
        comparator,
        value,
        CANONICAL_UNIT[analyte],
        "x",
        None,
    )
    return LabResults({analyte: LabSeries(analyte, (point,))})


def _one(
    course: TherapyCourse, dispenses: list[dict[str, Any]], labs: LabResults = NO_LABS
) -> AdherenceEstimate:
    (estimate,) = estimate_adherence([course], _induction(course), dispenses, labs, {}, TODAY)
    return estimate


def _monthly(start: date, count: int, every: int = 30) -> list[dict[str, Any]]:
    return [_dispense(start + timedelta(days=every * i)) for i in range(count)]


class TestPdc:
    def test_full_coverage(self) -> None:
        """Monthly 30-day fills cover the whole window: PDC 1, adherent."""
        estimate = _one(_course(), _monthly(TODAY - timedelta(days=WINDOW_DAYS), 7))
        assert (estimate.status, estimate.pdc, estimate.mpr) == (AdherenceStatus.ADHERENT, 1.0, 1.0)
        assert estimate.window_start == TODAY - timedelta(days=WINDOW_DAYS)

    def test_gaps(self) -> None:
        """Fills every 60 days cover about half the days: possible non-adherence."""
        estimate = _one(_course(), _monthly(TODAY - timedelta(days=WINDOW_DAYS), 4, every=60))
        assert estimate.pdc is not None
        assert estimate.pdc < PDC_ADHERENT_THRESHOLD
        assert estimate.status is AdherenceStatus.POSSIBLE_NONADHERENCE

    def test_overlapping_fills_shift_forward(self) -> None:
        """Early refills shift forward instead of double counting days."""
        fills = (Fill(date(2024, 1, 1), 30, None, None), Fill(date(2024, 1, 11), 30, None, None))
        pdc = proportion_of_days_covered(fills, date(2024, 1, 1), date(2024, 3, 30))
        assert pdc == pytest.approx(60 / 90)

    def test_fill_before_window_carries_in(self) -> None:
        """Supply dispensed before the window covers its first days."""
        fills = (Fill(date(2023, 12, 20), 30, None, None),)
        assert proportion_of_days_covered(fills, date(2024, 1, 1), date(2024, 1, 18)) == 1.0

    @pytest.mark.parametrize(
        ("supply", "expected"),
        [(10, 10 / 30), (90, 1.0)],
    )
    def test_mpr_capped(self, supply: float, expected: float) -> None:
        """MPR is supply over days, capped at 1."""
        fills = (Fill(date(2024, 1, 1), supply, None, None),)
        assert medication_possession_ratio(
            fills, date(2024, 1, 1), date(2024, 1, 30)
        ) == pytest.approx(expected)

    def test_empty_window(self) -> None:
        """A window ending before it starts gives None."""
        assert proportion_of_days_covered((), date(2024, 2, 1), date(2024, 1, 1)) is None
        assert medication_possession_ratio((), date(2024, 2, 1), date(2024, 1, 1)) is None

    def test_future_course_has_no_window(self) -> None:
        """A course starting after today has an empty window: PDC None, status unknown."""
        course = _course(start=TODAY + timedelta(days=10))
        estimate = _one(course, [_dispense(TODAY - timedelta(days=1))])
        assert (estimate.pdc, estimate.status) == (None, AdherenceStatus.UNKNOWN)

    def test_window_from_induction_start(self) -> None:
        """A recent induction start (later than today-180) starts the window."""
        course = _course(start=TODAY - timedelta(days=60))
        estimate = _one(course, _monthly(course.start, 2))
        assert estimate.window_start == course.start


class TestUnknown:
    def test_no_dispenses(self) -> None:
        """No dispense at all: UNKNOWN with a reason, PDC None (not zero)."""
        estimate = _one(_course(), [])
        assert (estimate.status, estimate.pdc, estimate.days_since_last_fill) == (
            AdherenceStatus.UNKNOWN,
            None,
            None,
        )
        assert any("not zero" in r for r in estimate.reasons)

    @pytest.mark.parametrize(
        "status",
        ["in-progress", "cancelled", "declined", "stopped", "entered-in-error", "preparation"],
    )
    def test_non_completed_dispenses_ignored(self, status: str) -> None:
        """Only completed dispenses count as supply."""
        estimate = _one(_course(), [_dispense(TODAY - timedelta(days=10), status=status)])
        assert estimate.status is AdherenceStatus.UNKNOWN

    def test_other_drug_ignored(self) -> None:
        """Dispenses of another drug do not count."""
        estimate = _one(_course(), [_dispense(TODAY - timedelta(days=10), code="197388")])
        assert estimate.fills == ()

    def test_supply_unknown(self) -> None:
        """Fills with no days' supply and no way to compute it: UNKNOWN with a reason."""
        course = _course(daily=None)
        estimate = _one(course, [_dispense(TODAY - timedelta(days=10), days=None)])
        assert (estimate.status, estimate.days_since_last_fill) == (AdherenceStatus.UNKNOWN, 10)
        assert any("could not be determined" in r for r in estimate.reasons)


class TestDaysSupply:
    def test_from_quantity_and_daily_dose(self) -> None:
        """120 tablets of 500 mg at 2000 mg/day last 30 days."""
        (fill,) = fills_for(MMF, [_dispense(TODAY, days=None, quantity=120)], {}, 2000)
        assert fill.days_supply == 30

    def test_from_dispense_dosage(self) -> None:
        """Without a daily dose, the dispense's own dosage (2 tablets BID) gives units a day."""
        dosage = [
            {
                "timing": {"code": {"coding": [{"code": "BID"}]}},
                "doseAndRate": [{"doseQuantity": {"value": 2, "code": "{tbl}"}}],
            }
        ]
        dispense = _dispense(TODAY, days=None, quantity=120, dosageInstruction=dosage)
        (fill,) = fills_for(MMF, [dispense], {}, None)
        assert fill.days_supply == 30

    @pytest.mark.parametrize(
        "quantity", [{"value": 600, "code": "mL"}, {"value": 0, "code": "{tbl}"}]
    )
    def test_unusable_quantity(self, quantity: dict[str, Any]) -> None:
        """Volumes and zero quantities give no days' supply."""
        dispense = _dispense(TODAY, days=None, quantity=None)
        dispense["quantity"] = quantity
        (fill,) = fills_for(MMF, [dispense], {}, 2000)
        assert fill.days_supply is None

    @pytest.mark.parametrize(
        "dose_and_rate",
        [
            [{"doseQuantity": {"value": 500, "code": "mg"}}, {"doseQuantity": {"value": 2}}],
            [{"doseQuantity": {"value": 2, "code": "{tbl}"}}],
        ],
    )
    def test_dispense_dosage_without_units_a_day(self, dose_and_rate: list[dict[str, Any]]) -> None:
        """A dispense dosage in mg, or in tablets with no frequency, gives no units a day."""
        dosage = [{"doseAndRate": dose_and_rate}]
        dispense = _dispense(TODAY, days=None, quantity=120, dosageInstruction=dosage)
        (fill,) = fills_for(MMF, [dispense], {}, None)
        assert fill.days_supply is None

    def test_when_prepared_fallback(self) -> None:
        """whenPrepared dates a dispense with no whenHandedOver; undated ones are skipped."""
        prepared = _dispense(None, whenPrepared="2024-11-01")
        fills = fills_for(MMF, [prepared, _dispense(None), "junk"], {}, 2000)
        assert [f.when for f in fills] == [date(2024, 11, 1)]


class TestIntrinsic:
    @pytest.mark.parametrize(
        "course",
        [
            _course(Agent.CYCLOPHOSPHAMIDE, route=Route.INTRAVENOUS),
            _course(
                Agent.CYCLOPHOSPHAMIDE,
                route=Route.UNKNOWN,
                doses=(
                    DoseGiven(Agent.CYCLOPHOSPHAMIDE, date(2024, 1, 1), 500, Route.UNKNOWN, None),
                ),
            ),
        ],
    )
    def test_iv(self, course: TherapyCourse) -> None:
        """IV route or recorded administrations: adherence is intrinsic."""
        assert _one(course, []).status is AdherenceStatus.INTRINSIC


class TestLevels:
    @pytest.mark.parametrize(
        ("analyte", "value", "comparator", "low"),
        [
            (Analyte.MPA_TROUGH, 2.0, None, True),
            (Analyte.MPA_TROUGH, 3.0, None, False),
            (Analyte.MPA_TROUGH, 3.0, "<", True),
            (Analyte.MPA_TROUGH, 5.0, "<", False),
            (Analyte.MPA_TROUGH, 1.0, ">", False),
            (Analyte.MPA_AUC, 25.0, None, True),
            (Analyte.MPA_AUC, 35.0, None, False),
        ],
    )
    def test_mpa(self, analyte: Analyte, value: float, comparator: str | None, low: bool) -> None:
        """MPA trough < 3 mg/L or AUC < 30 mg*h/L flag possible non-adherence."""
        labs = _labs(analyte, value, TODAY - timedelta(days=10), comparator)
        estimate = _one(_course(), _monthly(TODAY - timedelta(days=WINDOW_DAYS), 7), labs)
        (signal,) = estimate.levels
        assert signal.low is low
        expected = AdherenceStatus.POSSIBLE_NONADHERENCE if low else AdherenceStatus.ADHERENT
        assert estimate.status is expected

    def test_old_level_ignored(self) -> None:
        """A level older than the recency window is not used."""
        labs = _labs(Analyte.MPA_TROUGH, 1.0, TODAY - timedelta(days=LEVEL_RECENCY_DAYS + 1))
        assert _one(_course(), [], labs).levels == ()

    def test_level_without_dispenses(self) -> None:
        """A normal level with no dispenses reads as adherent, with the reason."""
        labs = _labs(Analyte.MPA_TROUGH, 4.0, TODAY - timedelta(days=5))
        estimate = _one(_course(), [], labs)
        assert estimate.status is AdherenceStatus.ADHERENT
        assert any("level" in r for r in estimate.reasons)

    def test_level_not_for_other_agent(self) -> None:
        """MPA levels are not read for tacrolimus."""
        labs = _labs(Analyte.MPA_TROUGH, 1.0, TODAY - timedelta(days=5))
        assert _one(_course(Agent.TACROLIMUS), [], labs).levels == ()

    @pytest.mark.parametrize(
        ("value", "status"),
        [(150.0, AdherenceStatus.POSSIBLE_NONADHERENCE), (600.0, AdherenceStatus.ADHERENT)],
    )
    def test_hydroxychloroquine(self, value: float, status: AdherenceStatus) -> None:
        """HCQ whole-blood level < 200 ng/mL flags possible non-adherence when on HCQ."""
        hcq = _course(Agent.HYDROXYCHLOROQUINE, daily=400)
        labs = _labs(Analyte.HYDROXYCHLOROQUINE, value, TODAY - timedelta(days=5))
        estimates = estimate_adherence([hcq], None, [], labs, {}, TODAY)
        assert [(e.agent, e.status) for e in estimates] == [(Agent.HYDROXYCHLOROQUINE, status)]


class TestEstimateAdherence:
    def test_no_induction(self) -> None:
        """Without an induction or HCQ there is nothing to estimate."""
        assert estimate_adherence([], None, [], NO_LABS, {}, TODAY) == ()

    def test_one_per_agent(self) -> None:
        """Each agent of the induction gets an estimate, IV ones intrinsic."""
        mmf = _course()
        cyc = _course(Agent.CYCLOPHOSPHAMIDE, route=Route.INTRAVENOUS)
        estimates = estimate_adherence([mmf, cyc], _induction(mmf, cyc), [], NO_LABS, {}, TODAY)
        assert [(e.agent, e.status) for e in estimates] == [
            (MMF, AdherenceStatus.UNKNOWN),
            (Agent.CYCLOPHOSPHAMIDE, AdherenceStatus.INTRINSIC),
        ]

    def test_old_hcq_ignored(self) -> None:
        """A hydroxychloroquine course that ended long ago is not estimated."""
        hcq = TherapyCourse(
            Agent.HYDROXYCHLOROQUINE, date(2020, 1, 1), date(2020, 6, 1), Route.ORAL, 400, ()
        )
        assert estimate_adherence([hcq], None, [], NO_LABS, {}, TODAY) == ()
