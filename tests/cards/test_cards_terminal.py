"""cds_service.terminal: card JSON -> terminal text."""

from __future__ import annotations

from datetime import date

import pytest
from card_builders import ALL_ACTIONS, counter_uuids, make_finding

from cds_service.cards import render_card
from cds_service.terminal import MAX_EVIDENCE_LINES, evidence_rows, format_cards, split_row
from fhir_mappings.findings import EvidenceRow, Severity, Topic


def card_for(**overrides: object) -> dict[str, object]:
    return render_card(
        make_finding(**overrides), uuid_factory=counter_uuids(), ruleset="r", patient_id="p"
    )


class TestFormatCards:
    def test_no_cards_stated(self) -> None:
        """An empty card list says so explicitly under the title."""
        assert format_cards([], title="patient x") == "patient x\n=========\n(no cards)\n"

    @pytest.mark.parametrize(
        ("severity", "tag"),
        [
            (Severity.CRITICAL, "[CRITICAL]"),
            (Severity.WARNING, "[WARNING]"),
            (Severity.INFO, "[INFO]"),
        ],
    )
    def test_indicator_tag_and_summary(self, severity: Severity, tag: str) -> None:
        """Each card starts with its indicator tag followed by its summary."""
        text = format_cards([card_for(severity=severity)], title="t")
        assert f"{tag} Refractory lupus nephritis: no response after 8 months of induction" in text

    def test_topic_evidence_trend_and_suggestions(self) -> None:
        """Topic, compact evidence lines with markers, the trend and suggestion labels are shown."""
        text = format_cards([card_for(actions=ALL_ACTIONS[:2], topic=Topic.REFRACTORY)], title="t")
        assert "topic: refractory (Refractory lupus nephritis)" in text
        assert "2026-01-10  UPCR: 3.1 g/g  (baseline)" in text
        assert "2026-07-02  UPCR: 2.2 g/g  (latest)" in text
        assert "trend: UPCR g/g: 3.1 → 2.4 → 2.2 (Jan 2026 → Jul 2026), −29 %" in text
        assert "-> suggestion: Order kidney biopsy (recommended)" in text
        assert "-> suggestion: Order UPCR\n" in text

    def test_no_colour_by_default(self) -> None:
        """Without color=True the text has no ANSI escape codes."""
        assert "\x1b[" not in format_cards([card_for()], title="t")

    def test_colour_when_asked(self) -> None:
        """color=True wraps the tag in ANSI codes (for a TTY)."""
        assert "\x1b[1;31m[CRITICAL]\x1b[0m" in format_cards(
            [card_for(severity=Severity.CRITICAL)], title="t", color=True
        )

    def test_long_evidence_is_capped(self) -> None:
        """More evidence rows than the cap show the cap and a count of the rest."""
        rows = tuple(EvidenceRow(date(2026, 1, d), "Dispense", 30.0, "d") for d in range(1, 13))
        text = format_cards([card_for(evidence=rows)], title="t")
        assert text.count("Dispense: 30 days") == MAX_EVIDENCE_LINES
        assert f"… {12 - MAX_EVIDENCE_LINES} more evidence rows" in text


class TestMarkdownTableReading:
    def test_escaped_pipe_round_trip(self) -> None:
        """A cell with an escaped pipe reads back as one cell with a literal pipe."""
        assert split_row("| 2026-01-02 | MMF \\| CellCept | 1 | mg |  |") == [
            "2026-01-02",
            "MMF | CellCept",
            "1",
            "mg",
            "",
        ]

    def test_rows_of_first_table_only(self) -> None:
        """Header and separator are skipped; reading stops at the end of the first table."""
        detail = "| A | B |\n|---|---|\n| 1 | 2 |\n\ntext\n\n| C |\n|---|\n| 3 |"
        assert evidence_rows(detail) == [["1", "2"]]

    def test_no_table(self) -> None:
        """A detail without a table has no evidence rows."""
        assert evidence_rows("just text") == []
