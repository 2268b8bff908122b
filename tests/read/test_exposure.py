"""read.exposure: refills (fills, PDC, MPR, status) and drug levels of the current line's
agents, read from EHR-shaped dispenses and lab results.

These are measurements; whether they mean adherence is judged by the rules (the tests
of that judgement live with the rules).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from fhir_mappings.facts import (
    Agent,
    AgentExposure,
    Analyte,
    Fill,
    RefillStatus,
)
from fhir_mappings.read.exposure import (
    LEVEL_ANALYTES,
    medication_possession_ratio,
    proportion_of_days_covered,
    read_exposure,
)
from fhir_mappings.read.medications import MedicationIdentifier
from fhir_mappings.resources import DataGap
from tests.support import ehr

from ._builders import (
    BELIMUMAB,
    CYC,
    HCQ_200,
    MMF_500,
    RECORD,
    RULESET,
    TODAY,
    WINDOWS,
    Chart,
    Json,
    day,
)

MMF = Agent.MYCOPHENOLATE_MOFETIL
MMF_TEXT = "mycophenolate mofetil 500 MG Oral Tablet"
WINDOW = RECORD.adherence_days
CARRY = RECORD.fill_carry_days
RECENCY = WINDOWS.level_recency_days
MPA_TROUGH = "72667-9"
MPA_RANDOM = "23905-3"
MPA_AUC = "115789-0"
HCQ_LEVEL = "95921-3"


def _exposure(chart: Chart, agent: Agent = MMF) -> AgentExposure:
    found = [e for e in chart.facts().exposure if e.agent is agent]
    assert len(found) == 1, [e.agent for e in chart.facts().exposure]
    return found[0]


def _monthly(chart: Chart, first: int, count: int, every: int = 30) -> Chart:
    """MMF 500 mg dispensed ``count`` times every ``every`` days, 30 days' supply each."""
    for k in range(count):
        chart.dispense(MMF_500, first - k * every, quantity=180, supply=30)
    return chart


class TestCoverage:
    def test_fills_covering_every_day(self) -> None:
        """Monthly 30-day fills since the start: PDC and MPR 1 over the last 180 days."""
        chart = _monthly(Chart().mmf(300, 3), 300, 11)
        refills = _exposure(chart).refills
        assert (refills.status, refills.pdc, refills.mpr) == (RefillStatus.MEASURED, 1.0, 1.0)
        assert (refills.window_start, refills.window_end) == (day(WINDOW), TODAY)
        assert (refills.days_since_last_fill, len(refills.fills)) == (0, 11)
        first = refills.fills[0]
        assert first == Fill(day(300), 30.0, 180.0, "MedicationDispense/md-2")

    def test_fills_every_sixty_days_cover_half(self) -> None:
        """A 30-day fill every 60 days covers 91 of the 181 days of the window."""
        chart = _monthly(Chart().mmf(300, 3), 180, 4, every=60)
        refills = _exposure(chart).refills
        assert refills.pdc == pytest.approx(91 / 181)
        assert refills.mpr == pytest.approx(120 / 181)

    def test_the_window_starts_with_a_recent_line(self) -> None:
        """A line started 60 days ago: its refills are measured from its start."""
        chart = _monthly(Chart().mmf(60, 3), 60, 2)
        refills = _exposure(chart).refills
        assert refills.window_start == day(60)
        assert refills.pdc == pytest.approx(60 / 61)

    def test_an_agent_carried_into_an_add_on_line_is_measured_from_the_add_on(self) -> None:
        """MMF since 300 days, tacrolimus added 100 days ago: MMF's window is the add-on
        line's, from 100 days ago."""
        chart = _monthly(Chart().mmf(300, 3).tacrolimus(100), 300, 11)
        assert _exposure(chart).refills.window_start == day(100)

    def test_a_partial_dispense_gap_narrows_the_window(self) -> None:
        """Dispenses read completely only for the last 90 days: the window starts there."""
        chart = _monthly(Chart().mmf(300, 3), 90, 4)
        chart.gaps.append(DataGap("MedicationDispense", "paging stopped", day(90)))
        refills = _exposure(chart).refills
        assert (refills.status, refills.window_start, refills.pdc) == (
            RefillStatus.MEASURED,
            day(90),
            1.0,
        )

    @pytest.mark.parametrize(
        ("filled", "read"), [(WINDOW + CARRY, True), (WINDOW + CARRY + 1, False)]
    )
    def test_fills_up_to_the_carry_window_before_are_read(self, filled: int, read: bool) -> None:
        """A fill 180 days before the window can carry supply into it; an older one is not
        read."""
        chart = Chart().mmf(400, 3).dispense(MMF_500, filled, quantity=180, supply=30)
        refills = _exposure(chart).refills
        expected = RefillStatus.MEASURED if read else RefillStatus.NO_DISPENSES
        assert refills.status is expected
        if read:
            assert (refills.pdc, refills.mpr, refills.days_since_last_fill) == (0.0, 0.0, filled)

    def test_a_dispense_dated_after_today_is_not_read(self) -> None:
        """A fill dated tomorrow has not happened yet."""
        chart = Chart().mmf(100, 3).dispense(MMF_500, -1)
        assert _exposure(chart).refills.status is RefillStatus.NO_DISPENSES


class TestStatuses:
    def test_no_dispense_is_unknown_not_zero(self) -> None:
        """No dispense of the drug: NO_DISPENSES with no PDC (many EHRs have no pharmacy
        feed), the window still stated."""
        refills = _exposure(Chart().mmf(100, 3)).refills
        assert (refills.status, refills.pdc, refills.mpr, refills.fills) == (
            RefillStatus.NO_DISPENSES,
            None,
            None,
            (),
        )
        assert (refills.window_start, refills.window_end) == (day(100), TODAY)

    @pytest.mark.parametrize(
        "status",
        [
            "in-progress",
            "preparation",
            "cancelled",
            "declined",
            "stopped",
            "on-hold",
            "entered-in-error",
            "unknown",
        ],
    )
    def test_only_completed_dispenses_are_supply(self, status: str) -> None:
        """A dispense that did not reach the patient is not a fill."""
        chart = Chart().mmf(100, 3).dispense(MMF_500, 10, status=status)
        assert _exposure(chart).refills.status is RefillStatus.NO_DISPENSES

    def test_another_drug_is_not_a_fill(self) -> None:
        """Azathioprine dispenses are not mycophenolate fills."""
        chart = Chart().mmf(100, 3).dispense(ehr.AZA_IN, 10)
        assert _exposure(chart).refills.status is RefillStatus.NO_DISPENSES

    def test_supply_unknown(self) -> None:
        """Fills whose days' supply cannot be read (no daysSupply, a dose that cannot be
        read): SUPPLY_UNKNOWN, with the fills and the days since the last one."""
        chart = Chart().request(MMF_500, 100, {"text": "as directed"})
        chart.fills(MMF_TEXT, 40, 2, supply=None)
        refills = _exposure(chart).refills
        assert (refills.status, refills.pdc, refills.days_since_last_fill) == (
            RefillStatus.SUPPLY_UNKNOWN,
            None,
            10,
        )
        assert [f.days_supply for f in refills.fills] == [None, None]

    @pytest.mark.parametrize("reason", [None, day(30)], ids=["none-read", "partly-read"])
    def test_a_server_without_dispenses(self, reason: date | None) -> None:
        """A server that provides no dispenses: NOT_PROVIDED, no fills, no PDC; one that
        provides them from a date on measures from there."""
        chart = _monthly(Chart().mmf(100, 3), 100, 4)
        chart.gaps.append(DataGap("MedicationDispense", "not supported", reason))
        refills = _exposure(chart).refills
        if reason is None:
            assert (refills.status, refills.fills, refills.window_start) == (
                RefillStatus.NOT_PROVIDED,
                (),
                day(100),
            )
        else:
            assert (refills.status, refills.window_start) == (RefillStatus.MEASURED, reason)

    @pytest.mark.parametrize(
        "build",
        [
            lambda c: c.pulses(CYC, 100, 3),
            lambda c: c.iv_every(BELIMUMAB, 100, mg_per_kg=10),
            lambda c: c.mmf(100, 3).given(MMF_500, 50, 1000),
        ],
        ids=["pulses", "iv-order", "oral-recorded-as-given"],
    )
    def test_given_by_clinicians(self, build: Callable[[Chart], object]) -> None:
        """IV orders, and any agent recorded as administrations, are given by clinicians:
        refills say nothing of them."""
        chart = Chart()
        build(chart)
        (exposure,) = chart.facts().exposure
        assert exposure.refills.status is RefillStatus.GIVEN_BY_CLINICIANS
        assert exposure.refills.window_start is None

    def test_on_hold(self) -> None:
        """The current order on hold: ON_HOLD, neither adherence nor dose is measured."""
        chart = Chart().mmf(200, 3, end=30).request(MMF_500, 30, {"text": "hold"}, status="on-hold")
        _monthly(chart, 200, 6)
        refills = _exposure(chart).refills
        assert (refills.status, refills.pdc, refills.fills) == (RefillStatus.ON_HOLD, None, ())


class TestDaysSupply:
    def _fill(self, chart: Chart) -> Fill:
        (fill,) = _exposure(chart).refills.fills
        return fill

    def test_recorded_days_supply(self) -> None:
        """daysSupply is the supply, whatever the quantity."""
        chart = Chart().mmf(100, 3).dispense(MMF_500, 10, quantity=999, supply=28)
        assert self._fill(chart).days_supply == 28.0

    def test_from_quantity_and_daily_dose(self) -> None:
        """120 tablets of 500 mg at 2 g/day last 30 days (no daysSupply)."""
        chart = Chart().mmf(100, 2).dispense(MMF_500, 10, quantity=120, supply=None)
        assert self._fill(chart).days_supply == 30.0

    def test_from_the_dispense_dosage(self) -> None:
        """Without a daily dose, the dispense's own dosage (4 tablets a day, Cerner) gives
        the tablets a day: 120 tablets last 30 days."""
        chart = Chart().request(MMF_500, 100, {"text": "as directed"})
        chart.fills(MMF_TEXT, 10, 1, supply=None, tablets=120, tablets_per_day=4)
        assert self._fill(chart).days_supply == 30.0

    @pytest.mark.parametrize(
        ("quantity", "unit"), [(600, "mL"), (0, "{tbl}"), (None, "{tbl}")], ids=str
    )
    def test_unusable_quantity(self, quantity: float | None, unit: str) -> None:
        """A volume, a zero or no quantity gives no days' supply."""
        chart = Chart().mmf(100, 2).dispense(MMF_500, 10, quantity=quantity, unit=unit, supply=None)
        assert self._fill(chart).days_supply is None

    @pytest.mark.parametrize(
        "dose_and_rate",
        [
            [{"doseQuantity": {"value": 500, "code": "mg"}}, {"doseQuantity": {"value": 2}}],
            [{"doseQuantity": {"value": 2, "code": "{tbl}"}}],
        ],
        ids=["mg-then-unitless-without-frequency", "tablets-without-frequency"],
    )
    def test_dispense_dosage_without_tablets_a_day(self, dose_and_rate: list[Json]) -> None:
        """A dispense dosage in mg, or in tablets with no frequency, gives no tablets a day."""
        chart = Chart().request(MMF_500, 100, {"text": "as directed"})
        dosage = [{"doseAndRate": dose_and_rate}]
        chart.dispense(MMF_500, 10, supply=None, dosage=dosage)
        assert self._fill(chart).days_supply is None

    def test_a_per_ml_strength_is_not_a_tablet_strength(self) -> None:
        """A suspension dispensed in unit doses: its per-mL strength gives no days' supply."""
        suspension = {"text": "mycophenolate mofetil 200 MG/ML Oral Suspension"}
        chart = Chart().mmf(100, 2).dispense(suspension, 10, quantity=5, unit="1", supply=None)
        (exposure,) = chart.facts().exposure
        assert exposure.refills.fills[0].days_supply is None

    def test_when_prepared_dates_a_fill(self) -> None:
        """A Cerner dispense dated whenPrepared only is a fill; an undated one is not."""
        chart = Chart().mmf(100, 3).fills(MMF_TEXT, 20, 1)
        undated = {
            "resourceType": "MedicationDispense",
            "id": "undated",
            "status": "completed",
            "medicationCodeableConcept": {"text": MMF_TEXT},
            "daysSupply": {"value": 30},
        }
        chart.add(undated)
        assert [f.when for f in _exposure(chart).refills.fills] == [day(20)]

    def test_what_is_not_a_resource_is_skipped(self) -> None:
        """Dispenses passed straight to read_exposure may hold junk: it is skipped."""
        chart = Chart().mmf(100, 3).fills(MMF_TEXT, 20, 1)
        facts, resources = chart.facts(), chart.resources()
        exposure = read_exposure(
            facts.treatment.current,
            facts.treatment.courses,
            ["junk", None, *resources.medication_dispenses],
            facts.labs,
            MedicationIdentifier({}),
            TODAY,
            RULESET,
        )
        assert [len(e.refills.fills) for e in exposure] == [1]


class TestMeasures:
    def test_overlapping_fills_shift_forward(self) -> None:
        """An early refill starts when the previous supply runs out: no day counts twice."""
        fills = (Fill(date(2024, 1, 1), 30, None, None), Fill(date(2024, 1, 11), 30, None, None))
        pdc = proportion_of_days_covered(fills, date(2024, 1, 1), date(2024, 3, 30))
        assert pdc == pytest.approx(60 / 90)

    def test_a_fill_before_the_window_carries_in(self) -> None:
        """Supply dispensed before the window covers its first days."""
        fills = (Fill(date(2023, 12, 20), 30, None, None),)
        assert proportion_of_days_covered(fills, date(2024, 1, 1), date(2024, 1, 18)) == 1.0

    def test_a_fill_without_supply_covers_nothing(self) -> None:
        """A fill of unknown supply is skipped by the PDC and the MPR."""
        fills = (Fill(date(2024, 1, 1), None, 120, None), Fill(date(2024, 1, 1), 10, None, None))
        start, end = date(2024, 1, 1), date(2024, 1, 20)
        assert proportion_of_days_covered(fills, start, end) == 0.5
        assert medication_possession_ratio(fills, start, end) == 0.5

    @pytest.mark.parametrize(("supply", "expected"), [(10, 10 / 30), (90, 1.0)])
    def test_mpr_capped(self, supply: float, expected: float) -> None:
        """MPR is supply over days, capped at 1."""
        fills = (Fill(date(2024, 1, 1), supply, None, None),)
        mpr = medication_possession_ratio(fills, date(2024, 1, 1), date(2024, 1, 30))
        assert mpr == pytest.approx(expected)

    def test_mpr_counts_fills_in_the_window_only(self) -> None:
        """A fill before the window adds nothing to the MPR."""
        fills = (Fill(date(2023, 12, 20), 30, None, None),)
        assert medication_possession_ratio(fills, date(2024, 1, 1), date(2024, 1, 30)) == 0.0

    def test_empty_window(self) -> None:
        """A window ending before it starts gives None."""
        assert proportion_of_days_covered((), date(2024, 2, 1), date(2024, 1, 1)) is None
        assert medication_possession_ratio((), date(2024, 2, 1), date(2024, 1, 1)) is None


class TestLevels:
    def test_the_newest_level_of_each_analyte(self) -> None:
        """Two MPA troughs and an AUC since the start: the newest trough and the AUC,
        oldest first, in canonical units."""
        chart = Chart().mmf(200, 3)
        chart.lab(MPA_TROUGH, 60, 1.8, "mg/L").lab(MPA_TROUGH, 20, 2.4, "mg/L")
        chart.lab(MPA_AUC, 40, 28, "mg.h/L").lab(MPA_RANDOM, 10, 3.1, "mg/L")
        levels = _exposure(chart).levels
        assert [(p.analyte, p.value, p.day) for p in levels] == [
            (Analyte.MPA_AUC, 28.0, day(40)),
            (Analyte.MPA_TROUGH, 2.4, day(20)),
            (Analyte.MPA_RANDOM, 3.1, day(10)),
        ]

    def test_a_comparator_is_kept(self) -> None:
        """'<0.5 mg/L' stays below 0.5, for the rules to read as such."""
        chart = Chart().mmf(200, 3).lab(MPA_TROUGH, 20, 0.5, "mg/L", comparator="<")
        (level,) = _exposure(chart).levels
        assert (level.value, level.comparator) == (0.5, "<")

    @pytest.mark.parametrize(("taken", "listed"), [(RECENCY, True), (RECENCY + 1, False)])
    def test_a_level_older_than_the_recency_window_is_not_read(
        self, taken: int, listed: bool
    ) -> None:
        """A level 90 days old is read; 91 days old, it says nothing about exposure now."""
        chart = Chart().mmf(300, 3).lab(MPA_TROUGH, taken, 2.0, "mg/L")
        assert bool(_exposure(chart).levels) is listed

    def test_a_level_before_the_agent_started_is_not_read(self) -> None:
        """A trough taken before MMF started is not a level of this course."""
        chart = Chart().mmf(30, 3).lab(MPA_TROUGH, 40, 2.0, "mg/L")
        assert _exposure(chart).levels == ()

    def test_no_mpa_level_for_tacrolimus(self) -> None:
        """MPA levels are read for mycophenolate only."""
        chart = Chart().tacrolimus(100).lab(MPA_TROUGH, 10, 2.0, "mg/L")
        assert _exposure(chart, Agent.TACROLIMUS).levels == ()
        assert Agent.TACROLIMUS not in LEVEL_ANALYTES


class TestAgents:
    def test_no_line_and_no_hydroxychloroquine(self) -> None:
        """Nothing current: no exposure to read."""
        assert Chart().mmf(400, 3, end=300).facts().exposure == ()

    def test_every_agent_of_the_current_line_then_hydroxychloroquine(self) -> None:
        """The current line's agents (backbone first), then hydroxychloroquine with its
        whole-blood level, measured from its own start."""
        chart = Chart().mmf(200, 3).tacrolimus(195).tablets(HCQ_200, 400, 1, timing="QD")
        chart.lab(HCQ_LEVEL, 30, 350, "ng/mL")
        chart.dispense(HCQ_200, 150, quantity=90, supply=90)
        exposure = chart.facts().exposure
        assert [e.agent for e in exposure] == [MMF, Agent.TACROLIMUS, Agent.HYDROXYCHLOROQUINE]
        hcq = exposure[2]
        assert [(p.analyte, p.value) for p in hcq.levels] == [(Analyte.HYDROXYCHLOROQUINE, 350.0)]
        assert hcq.refills.window_start == day(WINDOW)
        assert hcq.refills.pdc == pytest.approx(90 / 181)

    def test_hydroxychloroquine_alone(self) -> None:
        """Hydroxychloroquine with no line of therapy still has its exposure read."""
        chart = Chart().tablets(HCQ_200, 100, 1, timing="QD")
        assert [e.agent for e in chart.facts().exposure] == [Agent.HYDROXYCHLOROQUINE]

    @pytest.mark.parametrize(("ended", "read"), [(RECENCY, True), (RECENCY + 1, False)])
    def test_hydroxychloroquine_stopped_long_ago_is_not_read(self, ended: int, read: bool) -> None:
        """Hydroxychloroquine stopped 90 days ago is still read; 91 days ago, not."""
        chart = Chart().tablets(HCQ_200, 400, 1, timing="QD", end=ended)
        assert bool(chart.facts().exposure) is read

    def test_hydroxychloroquine_on_hold(self) -> None:
        """Hydroxychloroquine whose current order is on hold: ON_HOLD, not a falling PDC."""
        chart = Chart().tablets(HCQ_200, 300, 1, timing="QD", end=100)
        chart.request(HCQ_200, 100, {"text": "On hold: retinal screening"}, status="on-hold")
        chart.dispense(HCQ_200, 250, quantity=90, supply=90)
        (exposure,) = chart.facts().exposure
        assert (exposure.refills.status, exposure.refills.pdc) == (RefillStatus.ON_HOLD, None)

    def test_the_latest_hydroxychloroquine_course(self) -> None:
        """Of two hydroxychloroquine courses the latest is read."""
        chart = Chart().tablets(HCQ_200, 400, 1, timing="QD", end=300)
        chart.tablets(HCQ_200, 60, 2, timing="QD")
        (exposure,) = chart.facts().exposure
        assert exposure.refills.window_start == day(60)
