"""A patient's set of cards: each evidence row and each trend line is shown once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from cds_service import demo
from cds_service.cards import render_cards, shown_once
from cds_service.terminal import evidence_rows
from fhir_mappings import assess
from fhir_mappings.findings import EvidenceRow, Topic
from fhir_mappings.resources import PatientResources
from tests.cards.card_builders import (
    counter_uuids,
    make_assessment,
    make_finding,
    upcr_point,
    upcr_row,
)
from tests.ehr_shapes.test_cerner import euro_lupus_patient, myfortic_patient
from tests.ehr_shapes.test_epic import epic_patient
from tests.support.ehr import TODAY as HELDOUT_TODAY
from tests.support.ehr import Json, resources

DEMO_TODAY = date(2026, 6, 30)


def trend_of(detail: str) -> str | None:
    return next(
        (line for line in detail.splitlines() if line.startswith("**Trend:**")),
        None,
    )


def demo_sets(show_status: bool) -> list[tuple[str, list[dict[str, Any]]]]:
    out = []
    for patient in demo.load_patients(DEMO_TODAY):
        found = assess(
            PatientResources.from_resources(patient.resources()),
            today=DEMO_TODAY,
            show_status=show_status,
        )
        out.append(
            (patient.slug, render_cards(found, uuid_factory=counter_uuids(), ruleset="kdigo-2024"))
        )
    return out


HELDOUT: dict[str, list[Json]] = {
    "epic-mmf": epic_patient(),
    "cerner-myfortic": myfortic_patient(),
    "cerner-myfortic-fills-counted": myfortic_patient(cancelled_fills=False),
    "cerner-euro-lupus": euro_lupus_patient(),
}


def heldout_sets() -> list[tuple[str, list[dict[str, Any]]]]:
    out = []
    for name, items in HELDOUT.items():
        found = assess(resources(*items), today=HELDOUT_TODAY, show_status=True)
        out.append((name, render_cards(found, uuid_factory=counter_uuids(), ruleset="kdigo-2024")))
    return out


def every_set() -> list[tuple[str, list[dict[str, Any]]]]:
    return [*demo_sets(False), *demo_sets(True), *heldout_sets()]


def repeated(cards: Sequence[dict[str, Any]]) -> list[str]:
    """Table rows and trend lines that appear on more than one card of the set."""
    seen: dict[str, int] = {}
    twice: list[str] = []
    for index, card in enumerate(cards):
        detail = card["detail"]
        shown = [" | ".join(row[:4]) for row in evidence_rows(detail)]
        trend = trend_of(detail)
        shown += [trend] if trend is not None else []
        for item in shown:
            if seen.setdefault(item, index) != index:
                twice.append(item)
    return twice


SETS = every_set()
SET_IDS = [f"{i}-{name}" for i, (name, _) in enumerate(SETS)]


class TestEvidenceOnce:
    @pytest.mark.parametrize(("name", "cards"), SETS, ids=SET_IDS)
    def test_no_row_or_trend_on_two_cards(self, name: str, cards: list[dict[str, Any]]) -> None:
        """Over every demo patient (status cards on and off) and the held-out EHR-shaped
        patients, no evidence row (date, test, value, unit) and no trend line appears on
        two cards of one response."""
        assert repeated(cards) == [], name

    def test_the_sets_have_several_cards(self) -> None:
        """The check above runs on sets with more than one card that had shared evidence."""
        pointed = [
            n for n, cards in SETS if any("_Shown on the card" in c["detail"] for c in cards)
        ]
        assert len(pointed) >= 6

    @pytest.mark.parametrize(("name", "cards"), SETS, ids=SET_IDS)
    def test_a_trend_stands_with_its_baseline(self, name: str, cards: list[dict[str, Any]]) -> None:
        """The card that shows a test's baseline row also shows that test's trend: the first
        card of the set carries the table and the trend together."""
        for card in cards:
            baselines = {row[1] for row in evidence_rows(card["detail"]) if row[4] == "baseline"}
            for other in cards:
                trend = trend_of(other["detail"])
                if trend is not None and baselines & trend_tests(trend):
                    assert other is card, (name, card["summary"], other["summary"])


def trend_tests(trend: str) -> set[str]:
    """The tests a trend line names: "**Trend:** UPCR / 24 h protein (g/g, g/day): ..."."""
    head = trend.removeprefix("**Trend:** ").split(":", 1)[0]
    return {t for t in ("UPCR", "24 h protein", "eGFR", "Creatinine") if t in head}


def _row(day: int, label: str, value: float, unit: str = "mg/day") -> EvidenceRow:
    return EvidenceRow(date(2026, 1, day), label, value, unit)


class TestShownOnce:
    def test_a_later_card_keeps_its_own_rows_and_names_the_first(self) -> None:
        """The switch card after the refractory card keeps its dose and PDC rows; the UPCR
        rows and the trend stay on the refractory card, which it names."""
        first = make_finding()
        dose = _row(3, "Mycophenolate mofetil", 3000.0)
        second = make_finding(
            topic=Topic.THERAPY_SWITCH,
            summary="Refractory on mycophenolate mofetil 3 g/day: switch or add (rituximab)",
            evidence=(*first.evidence, dose),
        )
        one, two = shown_once([first, second])
        assert one.rows == first.evidence
        assert one.trend is not None
        assert one.elsewhere is None
        assert two.rows == (dose,)
        assert two.trend is None
        assert two.elsewhere == (
            "Shown on the card “Refractory lupus nephritis”: UPCR and the trend."
        )

    def test_a_card_left_without_rows_has_no_table(self) -> None:
        """A biopsy card whose rows and trend are all on the first card shows no table and
        no trend, and says where they are."""
        first = make_finding(topic=Topic.ADHERENCE, summary="Possible non-adherence: MMF PDC 50 %")
        biopsy = make_finding(topic=Topic.REPEAT_BIOPSY, summary="No response: repeat biopsy")
        cards = render_cards(
            make_assessment((biopsy, first)), uuid_factory=counter_uuids(), ruleset="r"
        )
        detail = cards[1]["detail"]
        assert "| Date |" not in detail
        assert "**Trend:**" not in detail
        assert detail.startswith(
            "_Shown on the card “Possible non-adherence”: UPCR and the trend._"
        )
        assert "| Date |" in cards[0]["detail"]

    def test_same_test_another_value_is_its_own_row(self) -> None:
        """A row with the same test on another date or with another value is not a repeat;
        a different series gives its own trend."""
        first = make_finding()
        other = make_finding(
            topic=Topic.DOSE_REVIEW,
            evidence=(upcr_row(date(2026, 1, 10), 3.2, "baseline"),),
            series=(upcr_point(date(2026, 1, 10), 3.2), upcr_point(date(2026, 7, 2), 2.2)),
        )
        _, two = shown_once([first, other])
        assert [r.value for r in two.rows] == [3.2]
        assert two.trend is not None
        assert two.elsewhere is None

    def test_a_row_twice_on_one_card_is_shown_once(self) -> None:
        """The same row given twice by one finding is one table row."""
        row = _row(2, "PDC: tacrolimus", 50.0, "%")
        (one,) = shown_once([make_finding(evidence=(row, row))])
        assert one.rows == (row,)

    def test_names_every_card_it_points_to(self) -> None:
        """Rows first shown on two different cards: both cards are named, in order."""
        a = make_finding(topic=Topic.FLARE, summary="Renal flare: UPCR up", series=())
        dose = _row(4, "Mycophenolate mofetil", 2000.0)
        b = make_finding(
            topic=Topic.ADHERENCE, summary="Possible non-adherence", evidence=(dose,), series=()
        )
        c = make_finding(topic=Topic.THERAPY_SWITCH, evidence=(*a.evidence, dose), series=())
        *_, three = shown_once([a, b, c])
        assert three.rows == ()
        assert three.elsewhere == (
            "Shown on the card “Renal flare”: UPCR; "
            "on the card “Possible non-adherence”: mycophenolate mofetil dose."
        )
