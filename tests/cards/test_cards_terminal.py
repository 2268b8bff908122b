"""cds_service.terminal: card JSON -> terminal text."""

from __future__ import annotations

from datetime import date

import pytest

from cds_service.cards import TOPIC_DISPLAY, render_card, render_cards
from cds_service.terminal import (
    MAX_EVIDENCE_LINES,
    WRAP_WIDTH,
    card_notes,
    evidence_rows,
    format_cards,
    next_steps,
    safety_items,
    split_row,
)
from fhir_mappings.findings import (
    Citation,
    EvidenceRow,
    RecommendedAction,
    SafetyTrace,
    Severity,
    Topic,
)
from tests.cards.card_builders import ALL_ACTIONS, counter_uuids, make_finding
from tests.support.record import Record

ACR_2020 = Citation("ACR 2020 guideline", "https://doi.org/10.1002/art.41191", "ACR 2020")
RITUXAN = Citation("Rituxan label, warnings", "https://dailymed.example/rituxan", "Rituxan label")
PREGNANT = "pregnancy recorded 2026-05-28 (Pregnant); record Condition/n-cond-14"
SEPSIS = "active serious infection 2026-06-20 (Sepsis, unspecified organism); record Condition/c3"
WITHHELD = SafetyTrace(
    "pregnancy: no teratogenic or unsafe draft orders",
    PREGNANT,
    "draft order withheld: Increase mycophenolate mofetil to 3 g/day",
    ACR_2020,
)
HELD = SafetyTrace(
    "serious infection: no dose increase or new immunosuppressant",
    SEPSIS,
    "draft order held: Add rituximab",
    RITUXAN,
)
#: The notes the safety rules write beside their traces (each states the trace's fact).
WITHHELD_NOTE = f"Withheld: increase mycophenolate mofetil to 3 g/day (ACR 2020): {PREGNANT}."
HELD_NOTE = f"Held: add rituximab. No new immunosuppressant during it: {SEPSIS}."


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


def _unwrapped(text: str, first_line_start: str) -> str:
    """The note that starts with ``first_line_start``, its wrapped lines joined again."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(first_line_start))
    parts = [lines[start].strip()]
    for line in lines[start + 1 :]:
        if not line.startswith("      ") or line.lstrip().startswith(("->", "!")):
            break
        parts.append(line.strip())
    return " ".join(parts)


class TestNewTopicsAndSafetyNotes:
    @pytest.mark.parametrize("topic", list(Topic), ids=lambda t: t.value)
    def test_every_topic_is_named_with_its_display(self, topic: Topic) -> None:
        """Every topic, the pregnancy, not-applicable, flare, improving and maintenance-biopsy
        ones included, shows its code and its display."""
        text = format_cards([card_for(topic=topic)], title="t")
        assert f"    topic: {topic.value} ({TOPIC_DISPLAY[topic]})" in text

    def test_withheld_and_held_drafts_are_shown_whole(self) -> None:
        """A draft withheld for pregnancy or held for an infection is stated under the card
        from its trace (effect, fact, rule, source), marked with "!", wrapped within the
        width and nothing of it lost; the note that said the same is not repeated."""
        card = card_for(
            topic=Topic.DOSE_REVIEW,
            notes=(WITHHELD_NOTE, HELD_NOTE),
            traces=(WITHHELD, HELD),
            actions=(),
        )
        text = format_cards([card], title="t")
        withheld = (
            "! Draft order withheld: Increase mycophenolate mofetil to 3 g/day. Fact: "
            f"{PREGNANT}. Rule: pregnancy: no teratogenic or unsafe draft orders (ACR 2020)."
        )
        held = (
            f"! Draft order held: Add rituximab. Fact: {SEPSIS}. Rule: serious infection: "
            "no dose increase or new immunosuppressant (Rituxan label)."
        )
        assert _unwrapped(text, "! Draft order withheld:") == withheld
        assert _unwrapped(text, "! Draft order held:") == held
        assert "Withheld:" not in text
        assert max(len(line) for line in text.splitlines()) <= WRAP_WIDTH
        detail = str(card["detail"])
        assert "**Notes**" not in detail
        assert detail.count(PREGNANT) == 1

    def test_the_safety_block_links_its_source(self) -> None:
        """In the card, each trace is one item of the **Safety** block, its source a link
        with the short label; the terminal reads the items, not the notes."""
        detail = str(card_for(traces=(WITHHELD,), notes=(WITHHELD_NOTE, "Other caveat."))["detail"])
        assert (
            "**Safety**\n\n- Draft order withheld: Increase mycophenolate mofetil to 3 g/day. "
            f"Fact: {PREGNANT}. Rule: pregnancy: no teratogenic or unsafe draft orders "
            "([ACR 2020](https://doi.org/10.1002/art.41191))."
        ) in detail
        assert safety_items(detail) == [
            f"Draft order withheld: Increase mycophenolate mofetil to 3 g/day. Fact: "
            f"{PREGNANT}. Rule: pregnancy: no teratogenic or unsafe draft orders (ACR 2020)."
        ]
        assert card_notes(detail) == ["Other caveat."]

    def test_a_note_that_only_looks_like_a_safety_note_is_not_shown(self) -> None:
        """A note starting "Held:" that no trace stands behind stays in the card's notes and
        is not shown as a safety line (the terminal reads traces, not prefixes)."""
        text = format_cards([card_for(notes=("Held: nothing traced.",))], title="t")
        assert "!" not in text

    def test_other_notes_stay_in_the_card(self) -> None:
        """Notes that no safety rule wrote (caveats, prognosis) are not repeated in the terminal."""
        card = card_for(notes=("Adherence estimated from pharmacy fills.",))
        text = format_cards([card], title="t")
        assert "pharmacy fills" not in text

    def test_a_safety_card_shows_its_fact_and_next_steps(self) -> None:
        """A pregnancy card, with neither evidence rows nor suggestions, shows the fact it rests
        on (its trace) and its numbered next steps."""
        card = card_for(
            topic=Topic.PREGNANCY,
            severity=Severity.CRITICAL,
            summary="Pregnancy: mycophenolate mofetil not for use in pregnancy; specialist review",
            evidence=(),
            series=(),
            actions=(),
            next_steps=(
                "Review with maternal-fetal medicine and nephrology/rheumatology.",
                "Replace mycophenolate mofetil with a compatible agent.",
            ),
            notes=(),
            traces=(
                SafetyTrace(
                    "pregnancy: no teratogenic or unsafe draft orders",
                    PREGNANT,
                    "pregnancy card added; no card drafts an agent not for use in pregnancy",
                    ACR_2020,
                ),
            ),
        )
        text = format_cards([card], title="t")
        assert "[CRITICAL] Pregnancy: mycophenolate mofetil not for use in pregnancy" in text
        assert "    topic: pregnancy (Pregnancy and teratogenic therapy)" in text
        assert (
            "    ! Pregnancy card added; no card drafts an agent not for use in pregnancy. Fact: "
            in text
        )
        assert "record Condition/n-cond-14. Rule: pregnancy:" in text
        assert "    1. Review with maternal-fetal medicine and nephrology/rheumatology." in text
        assert "    2. Replace mycophenolate mofetil with a compatible agent." in text

    def test_next_steps_not_repeated_when_the_card_has_evidence(self) -> None:
        """A card with evidence rows or suggestions keeps its next steps in its detail."""
        assert "1. Assess adherence." not in format_cards([card_for()], title="t")

    def test_draft_notes_are_shown_under_their_suggestion(self) -> None:
        """The notes of a draft order (a child-bearing-potential reminder) follow its label."""
        noted = RecommendedAction(
            ALL_ACTIONS[3].kind,
            ALL_ACTIONS[3].label,
            ALL_ACTIONS[3].parameters,
            notes=("Woman of child-bearing potential: offer fertility preservation.",),
        )
        text = format_cards([card_for(actions=(noted,))], title="t")
        assert (
            "    -> suggestion: Start cyclophosphamide\n"
            "       note: Woman of child-bearing potential: offer fertility preservation.\n"
        ) in text

    def test_colour_marks_the_safety_note(self) -> None:
        """With colour the "!" of a safety note takes the card's indicator colour."""
        text = format_cards(
            [card_for(severity=Severity.CRITICAL, traces=(WITHHELD,))], title="t", color=True
        )
        assert "    \x1b[1;31m!\x1b[0m Draft order withheld:" in text

    def test_lists_are_read_from_the_detail(self) -> None:
        """Notes and next steps are read back from the card's Markdown lists, in order."""
        detail = str(card_for(notes=("a", "b"))["detail"])
        assert card_notes(detail) == ["a", "b"]
        assert next_steps(detail) == [
            "Assess adherence.",
            "Review the dose.",
            "Repeat the kidney biopsy.",
        ]
        assert card_notes("no lists here") == []


def _under_dosed_on_mmf() -> Record:
    """MMF 2 g/day for 8 months, refills on time, no response: the dose card drafts a step."""
    r = Record().patient().lupus_nephritis(10)
    r.mmf(8, 2)
    r.fills("mycophenolate mofetil 500 MG Oral Tablet", 8, 8, tablets=120)
    r.upcr((8.5, 3.2), (6, 3.0), (3, 2.9), (0.5, 2.8))
    r.creatinine((8.5, 0.9), (0.5, 0.95))
    return r


class TestSafetyThroughThePipeline:
    def _text(self, record: Record) -> str:
        cards = render_cards(record.assess(), uuid_factory=counter_uuids(), ruleset="kdigo-2024")
        return format_cards(cards, title="patient")

    def test_pregnancy_withholds_the_dose_step_readably(self) -> None:
        """Pregnant on MMF 2 g/day: the pregnancy card leads and says no MMF step is drafted;
        no dose card is shown for an agent to be replaced."""
        r = _under_dosed_on_mmf().condition(
            "http://snomed.info/sct", "77386006", "Pregnant (finding)", months_ago=1
        )
        text = self._text(r)
        assert text.index("topic: pregnancy (Pregnancy and teratogenic therapy)") < text.index(
            "topic: refractory"
        )
        assert (
            "    ! Pregnancy card added; no card drafts an agent not for use in pregnancy. Fact: "
            in text
        )
        assert "    4. No dose step or new order is drafted for mycophenolate mofetil" in text
        assert "topic: dose-review" not in text
        assert "-> suggestion: Increase mycophenolate mofetil" not in text

    def test_sepsis_holds_the_dose_step_readably(self) -> None:
        """Sepsis last week: the dose card says the MMF step is held and why."""
        r = _under_dosed_on_mmf().condition(
            "http://hl7.org/fhir/sid/icd-10-cm",
            "A41.9",
            "Sepsis, unspecified organism",
            months_ago=0.25,
        )
        text = self._text(r)
        assert "    ! Draft order held: Increase mycophenolate mofetil to 3 g/day. Fact: " in text
        held = _unwrapped(text, "! Draft order held: Increase")
        assert "Rule: serious infection: no dose increase or new immunosuppressant" in held
        assert "-> suggestion: Increase mycophenolate mofetil" not in text
