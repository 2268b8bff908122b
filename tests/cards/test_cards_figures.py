"""One voice: every figure of a summary reads the same in the evidence of its set.

Read from the rendered cards, as a clinician reads them: each lab value, dose and
percentage a summary names is found, written the same way, in a table row or the trend
line of the patient's cards; each month count in the rule the card applied (no table row
carries a duration: the dates of the rows do).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from cds_service import demo
from cds_service.cards import render_cards
from cds_service.terminal import evidence_rows
from fhir_mappings import assess, wording
from fhir_mappings.resources import PatientResources
from tests.cards.card_builders import counter_uuids

TODAY = date(2026, 6, 30)

#: A figure with its unit as summaries write them: "3.1 g/g", "2 g/day", "50 %", "8 months".
FIGURE = re.compile(
    r"(?<![\w.])(?P<value>[<>]?\d+(?:\.\d+)?) ?"
    r"(?P<unit>g/g|g/day|mg/day|mg/dL|mg/L|mL/min/1\.73 m²|%|months?)(?!\w)"
)
#: Values in a chain of arrows without a unit ("proteinuria 2.1 → 1.8 → 1.5").
CHAIN = re.compile(r"\d+(?:\.\d+)?(?:\s*→\s*\d+(?:\.\d+)?)+")
DRUGS = tuple(wording.AGENT_NAME.values())


def demo_sets() -> list[tuple[str, list[dict[str, Any]]]]:
    out = []
    for patient in demo.load_patients(TODAY):
        found = assess(
            PatientResources.from_resources(patient.resources()), today=TODAY, show_status=True
        )
        out.append(
            (patient.slug, render_cards(found, uuid_factory=counter_uuids(), ruleset="kdigo-2024"))
        )
    return out


SETS = demo_sets()


class Shown:
    """What a set of cards shows: table cells as "value unit", trend lines, rules."""

    def __init__(self, cards: Sequence[dict[str, Any]]) -> None:
        self.cells: set[str] = set()
        self.dose_rows: list[tuple[str, str]] = []  # (test, "value unit")
        self.trends: list[str] = []
        self.rules: list[str] = []
        for card in cards:
            for line in card["detail"].splitlines():
                if line.startswith("**Trend:**"):
                    self.trends.append(line)
                elif line.startswith("**Rule applied:**"):
                    self.rules.append(line)
            for when, test, value, unit, note, *_ in (
                [*r, "", "", "", "", ""] for r in evidence_rows(card["detail"])
            ):
                self.cells.add(f"{value} {unit}".strip())
                if note.startswith("target "):
                    self.cells.add(note.removeprefix("target "))
                if unit in ("g/day", "mg/day", "mg") and when and not test.endswith("protein"):
                    self.dose_rows.append((test.lower(), f"{value} {unit}"))

    def trend_points(self) -> set[str]:
        points: set[str] = set()
        for trend in self.trends:
            series = trend.split(": ", 1)[1].split(" (", 1)[0]
            points.update(p.strip() for p in series.split("→"))
        return points

    def trend_changes(self) -> set[str]:
        return {m.group(1) + " %" for t in self.trends for m in re.finditer(r"[−+±](\d+) %", t)}


def figures(summary: str) -> list[tuple[str, str, int]]:
    """(value, unit, position) of every figure a summary writes with a unit."""
    return [(m["value"], m["unit"], m.start()) for m in FIGURE.finditer(summary)]


def drug_before(summary: str, position: int) -> str | None:
    """The drug named right before a dose ("mycophenolate mofetil 2 g/day")."""
    head = summary[:position].rstrip().lower()
    return next((d for d in DRUGS if head.endswith(d)), None)


def disagreements(cards: Sequence[dict[str, Any]]) -> list[str]:
    shown = Shown(cards)
    wrong: list[str] = []
    for card in cards:
        summary = card["summary"]
        for value, unit, at in figures(summary):
            text = f"{value} {unit}"
            if unit.startswith("month"):
                ok = any(f"{text} " in rule or text + ")" in rule for rule in shown.rules)
            elif unit == "%":
                ok = text in shown.cells or text in shown.trend_changes()
            elif unit in ("g/day", "mg/day") and (drug := drug_before(summary, at)) is not None:
                rows = [v for test, v in shown.dose_rows if test.startswith(drug)]
                ok = text in rows or text in shown.cells
            else:
                ok = text in shown.cells
            if not ok:
                wrong.append(f"{summary!r}: {text}")
        for chain in CHAIN.findall(summary):
            points = [p.strip() for p in chain.split("→")]
            if not set(points) <= shown.trend_points():
                wrong.append(f"{summary!r}: {chain}")
    return wrong


class TestOneVoice:
    @pytest.mark.parametrize(("slug", "cards"), SETS, ids=[slug for slug, _ in SETS])
    def test_summary_table_and_trend_agree(self, slug: str, cards: list[dict[str, Any]]) -> None:
        """Every lab value, dose, percentage and month count in a summary of the patient's
        cards reads the same in a table row, the trend line (percent change) or the rule of
        the set."""
        assert disagreements(cards) == [], slug

    def test_the_check_reads_figures(self) -> None:
        """The checker finds the figures of the demo summaries: several of each kind."""
        found = [f for _, cards in SETS for c in cards for f in figures(c["summary"])]
        units = [unit for _, unit, _ in found]
        assert units.count("%") >= 3
        assert sum(u in ("g/day", "mg/day") for u in units) >= 8
        assert sum(u.startswith("month") for u in units) >= 8
        assert units.count("g/g") >= 2

    def test_a_disagreement_is_caught(self) -> None:
        """A summary whose figure is written otherwise than its row is reported."""
        cards = next(c for s, c in SETS if s == "c-non-adherent")
        changed = [
            dict(cards[0], summary=cards[0]["summary"].replace("50 %", "50.0 %")),
            *cards[1:],
        ]
        assert disagreements(changed) == [
            "'Possible non-adherence: mycophenolate mofetil PDC 50.0 %': 50.0 %"
        ]
