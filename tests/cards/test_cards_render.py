"""cds_service.cards: Finding -> CDS Hooks 2.0 card JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cds_service.cards import (
    CARD_TOPIC_SYSTEM,
    escape_cell,
    evidence_table,
    prune_empty,
    render_card,
    render_cards,
    render_detail,
    row_value,
    selection_behavior,
    trend_line,
)
from cds_service.terminal import split_row
from fhir_mappings import wording
from fhir_mappings.facts import Analyte
from fhir_mappings.findings import (
    ActionKind,
    Citation,
    EvidenceRow,
    RecommendedAction,
    Severity,
    Topic,
)
from tests.cards.card_builders import (
    ALL_ACTIONS,
    KDIGO,
    check_card,
    counter_uuids,
    make_assessment,
    make_finding,
    upcr_point,
    upcr_row,
)


class TestRenderCards:
    def test_every_card_follows_the_rules(self) -> None:
        """Cards of every topic and severity, with every action kind, pass the card rules."""
        findings = tuple(
            make_finding(topic=topic, severity=severity, actions=ALL_ACTIONS)
            for topic in Topic
            for severity in Severity
        )
        cards = render_cards(
            make_assessment(findings), uuid_factory=counter_uuids(), ruleset="kdigo-2024"
        )
        assert len(cards) == len(findings)
        for card in cards:
            check_card(card)

    def test_minimal_finding_omits_optional_fields(self) -> None:
        """A finding without evidence, actions or citations has no suggestions, links or empties."""
        finding = make_finding(
            evidence=(), series=(), next_steps=(), actions=(), citations=(), notes=()
        )
        card = render_card(
            finding, uuid_factory=counter_uuids(), ruleset="kdigo-2024", patient_id="p1"
        )
        check_card(card)
        assert "suggestions" not in card
        assert "selectionBehavior" not in card
        assert "links" not in card

    def test_cards_follow_topic_order(self) -> None:
        """Cards come out in Topic order whatever the order of the findings."""
        findings = (
            make_finding(topic=Topic.THERAPY_SWITCH),
            make_finding(topic=Topic.RENAL_WORSENING),
            make_finding(topic=Topic.REPEAT_BIOPSY),
        )
        cards = render_cards(make_assessment(findings), uuid_factory=counter_uuids(), ruleset="r")
        assert [c["source"]["topic"]["code"] for c in cards] == [
            "renal-worsening",
            "repeat-biopsy",
            "therapy-switch",
        ]

    def test_deterministic_given_uuid_factory(self) -> None:
        """The same assessment and a fresh identical uuid factory give byte-identical JSON."""
        assessment = make_assessment(
            (make_finding(actions=ALL_ACTIONS), make_finding(topic=Topic.DATA_GAP))
        )
        first = render_cards(assessment, uuid_factory=counter_uuids(), ruleset="kdigo-2024")
        second = render_cards(assessment, uuid_factory=counter_uuids(), ruleset="kdigo-2024")
        assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)

    def test_uuids_are_drawn_card_then_suggestions(self) -> None:
        """The card takes the first uuid and its suggestions the following ones, all distinct."""
        card = render_card(
            make_finding(actions=ALL_ACTIONS[:2]),
            uuid_factory=counter_uuids(),
            ruleset="r",
            patient_id="p",
        )
        assert card["uuid"].endswith("000000000001")
        assert [s["uuid"][-1] for s in card["suggestions"]] == ["2", "3"]

    def test_no_patient_id_drops_suggestions(self) -> None:
        """Without a patient id no suggestion resource can be built, so none is offered."""
        cards = render_cards(
            make_assessment((make_finding(actions=ALL_ACTIONS),), patient_id=None),
            uuid_factory=counter_uuids(),
            ruleset="r",
        )
        assert "suggestions" not in cards[0]
        assert "selectionBehavior" not in cards[0]

    def test_source_topic_coding(self) -> None:
        """source.topic is a Coding in the project's card-topic CodeSystem with the topic code."""
        card = render_card(
            make_finding(topic=Topic.CNI_CAVEAT),
            uuid_factory=counter_uuids(),
            ruleset="r",
            patient_id="p",
        )
        assert card["source"]["topic"]["system"] == CARD_TOPIC_SYSTEM
        assert card["source"]["topic"]["code"] == "cni-caveat"
        assert card["indicator"] == "warning"

    def test_links_from_citations_only_absolute(self) -> None:
        """Citations become absolute links; a citation with a relative URL is not linked."""
        finding = make_finding(citations=(KDIGO, Citation("Local protocol", "/docs/protocol")))
        card = render_card(finding, uuid_factory=counter_uuids(), ruleset="r", patient_id="p")
        assert card["links"] == [{"label": KDIGO.short, "url": KDIGO.url, "type": "absolute"}]

    def test_the_rule_source_is_named_with_its_section_and_linked(self) -> None:
        """The first citation (the rule's) is linked under its short label and given in
        full, section included; the others follow as links; one link per web page."""
        same_page = Citation("KDIGO 2024, chapter 10", KDIGO.url, "KDIGO 2024, ch. 10")
        review = Citation("Review 2019, Figure 1", "https://doi.org/10.1/review", "Review 2019")
        finding = make_finding(citations=(KDIGO, same_page, review))
        card = render_card(finding, uuid_factory=counter_uuids(), ruleset="r", patient_id="p")
        assert (
            f"**Source:** [{KDIGO.short}]({KDIGO.url}): {KDIGO.label}. "
            f"See also [Review 2019](https://doi.org/10.1/review)."
        ) in card["detail"]
        assert [link["label"] for link in card["links"]] == [KDIGO.short, "Review 2019"]

    def test_link_label_falls_back_to_the_full_reference(self) -> None:
        """A citation without a short label is linked under its full reference."""
        full = Citation("Local protocol, section 2", "https://example.org/protocol")
        card = render_card(
            make_finding(citations=(full,)),
            uuid_factory=counter_uuids(),
            ruleset="r",
            patient_id="p",
        )
        assert card["links"] == [
            {"label": "Local protocol, section 2", "url": full.url, "type": "absolute"}
        ]

    def test_suggestion_recommended_flag(self) -> None:
        """isRecommended mirrors RecommendedAction.recommended."""
        card = render_card(
            make_finding(actions=ALL_ACTIONS[:2]),
            uuid_factory=counter_uuids(),
            ruleset="r",
            patient_id="p",
        )
        assert [s["isRecommended"] for s in card["suggestions"]] == [True, False]


@pytest.mark.slow  # long Hypothesis run
class TestInvariants:
    @given(
        summary=st.text(min_size=1, max_size=400),
        cell=st.text(max_size=40),
        value=st.none() | st.floats(allow_nan=False, allow_infinity=False),
        steps=st.lists(st.text(max_size=60), max_size=4),
    )
    @settings(max_examples=60, deadline=None)
    def test_any_text_gives_a_valid_card(
        self, summary: str, cell: str, value: float | None, steps: list[str]
    ) -> None:
        """Whatever the text or value in a finding, the card keeps every rule and its table
        its shape."""
        row = EvidenceRow(
            when=date(2026, 1, 2),
            label=cell or "x",
            value=value,
            unit=cell,
            comparator=cell or None,
            text=cell,
            marker=cell or None,
        )
        finding = make_finding(summary=summary, evidence=(row,), next_steps=tuple(steps))
        card = render_card(finding, uuid_factory=counter_uuids(), ruleset="r", patient_id="p")
        check_card(card)
        line = card["detail"].splitlines()[2]
        assert len(split_row(line)) == 5


class TestSelectionBehavior:
    @pytest.mark.parametrize(
        ("kinds", "expected"),
        [
            ((ActionKind.ORDER_KIDNEY_BIOPSY,), "any"),
            ((ActionKind.ORDER_KIDNEY_BIOPSY, ActionKind.ORDER_LAB), "any"),
            ((ActionKind.DOSE_STEP, ActionKind.ORDER_LAB), "any"),
            ((ActionKind.START_THERAPY, ActionKind.START_THERAPY), "at-most-one"),
            ((ActionKind.DOSE_STEP, ActionKind.START_THERAPY), "at-most-one"),
        ],
    )
    def test_alternative_medications_are_exclusive(
        self, kinds: tuple[ActionKind, ...], expected: str
    ) -> None:
        """Two or more medication suggestions are alternatives (at-most-one); otherwise any."""
        actions = [RecommendedAction(kind, "x", {}) for kind in kinds]
        assert selection_behavior(actions) == expected


class TestSummary:
    @pytest.mark.parametrize(
        ("length", "truncated"), [(10, False), (139, False), (140, True), (400, True)]
    )
    def test_summary_under_140(self, length: int, truncated: bool) -> None:
        """Summaries of 140 characters or more are cut below 140 and end with an ellipsis."""
        text = wording.summary("x" * length)
        assert len(text) < 140
        assert text.endswith("…") is truncated

    def test_blank_summary_falls_back_to_topic(self) -> None:
        """A blank summary (required in a card) is replaced by the topic's display."""
        card = render_card(
            make_finding(summary=" \n"), uuid_factory=counter_uuids(), ruleset="r", patient_id="p"
        )
        assert card["summary"] == "Refractory lupus nephritis"

    def test_summary_on_one_line(self) -> None:
        """Newlines and runs of spaces in a summary collapse to single spaces."""
        assert wording.summary("a\n b   c") == "a b c"


class TestMarkdown:
    def test_pipe_escaped_in_cells(self) -> None:
        """A | in a cell is escaped so it cannot split the table row."""
        finding = make_finding(
            evidence=(EvidenceRow(date(2026, 1, 2), "MMF | CellCept", None, "mg", text="1|2"),)
        )
        table = evidence_table(finding.evidence)
        row = table.splitlines()[2]
        assert row == "| 2026-01-02 | MMF \\| CellCept | 1\\|2 | mg |  |"

    @pytest.mark.parametrize(
        ("raw", "escaped"),
        [("a|b", "a\\|b"), ("a\\b", "a\\\\b"), ("two\nlines", "two lines"), ("plain", "plain")],
    )
    def test_escape_cell(self, raw: str, escaped: str) -> None:
        """Cells escape pipes and backslashes and stay on one line."""
        assert escape_cell(raw) == escaped

    def test_detail_sections(self) -> None:
        """The detail has the marked table, trend, rule, source, numbered steps, notes, ruleset."""
        detail = render_detail(make_finding(), ruleset="kdigo-2024")
        assert "| Date | Test | Value | Unit | Note |" in detail
        assert "| 2026-01-10 | UPCR | 3.1 | g/g | baseline |" in detail
        assert "| 2026-07-02 | UPCR | 2.2 | g/g | latest |" in detail
        assert "**Trend:** UPCR g/g: 3.1 → 2.4 → 2.2 (Jan 2026 → Jul 2026), −29 %" in detail
        assert "**Rule applied:** No complete or partial response" in detail
        assert f"**Source:** [{KDIGO.short}]({KDIGO.url}): {KDIGO.label}." in detail
        assert "1. Assess adherence.\n2. Review the dose.\n3. Repeat the kidney biopsy." in detail
        assert "- Adherence estimated from pharmacy fills." in detail
        assert detail.endswith("_Ruleset: kdigo-2024_")


class TestEvidenceRows:
    @pytest.mark.parametrize(
        ("row", "value", "unit"),
        [
            (upcr_row(date(2026, 1, 2), 3.8), "3.8", "g/g"),
            (
                EvidenceRow(
                    date(2026, 1, 2), "UPCR", 0.1, "g/g", comparator="<", analyte=Analyte.UPCR
                ),
                "<0.1",
                "g/g",
            ),
            (
                EvidenceRow(
                    date(2026, 1, 2), "eGFR", 61.6, "mL/min/{1.73_m2}", analyte=Analyte.EGFR
                ),
                "62",
                "mL/min/1.73 m²",
            ),
            (
                EvidenceRow(date(2026, 1, 2), "Mycophenolate mofetil", 2000.0, "mg/day"),
                "2",
                "g/day",
            ),
            (
                EvidenceRow(date(2026, 1, 2), "Mycophenolate sodium", 720.0, "mg/day"),
                "720",
                "mg/day",
            ),
            (EvidenceRow(date(2026, 1, 2), "PDC: tacrolimus", 48.4, "%"), "48", "%"),
            (EvidenceRow(date(2026, 1, 2), "Dispense: tacrolimus", 30.0, "d"), "30", "days"),
            (EvidenceRow(date(2026, 1, 2), "Pulse: cyclophosphamide", 500.0, "mg"), "500", "mg"),
            (
                EvidenceRow(date(2026, 1, 2), "Mycophenolate mofetil", None, "", text="on hold"),
                "on hold",
                "",
            ),
        ],
        ids=["lab", "comparator", "egfr-whole", "dose-g", "dose-mg", "pdc", "days", "mg", "text"],
    )
    def test_value_and_unit_written_as_in_the_summary(
        self, row: EvidenceRow, value: str, unit: str
    ) -> None:
        """Each row's value is written by wording at its kind's precision, with a readable
        unit: lab results per analyte, doses in g/day from 1 g, a PDC as a whole percent."""
        assert row_value(row) == (value, unit)

    def test_period_row_shows_both_dates(self) -> None:
        """A row about a period (a PDC) shows its start and end in the date column."""
        row = EvidenceRow(
            date(2026, 1, 1), "PDC: mycophenolate mofetil", 52.0, "%", until=date(2026, 6, 30)
        )
        table = evidence_table((row,))
        assert table.splitlines()[2] == (
            "| 2026-01-01 to 2026-06-30 | PDC: mycophenolate mofetil | 52 | % |  |"
        )

    def test_value_column_is_right_aligned(self) -> None:
        """The separator row right-aligns the value column so figures line up."""
        assert evidence_table(make_finding().evidence).splitlines()[1] == "|---|---|--:|---|---|"


class TestTrend:
    def test_example_from_the_brief(self) -> None:
        """Three UPCR values give arrows, the month range and the rounded percent change."""
        series = (
            upcr_point(date(2026, 1, 5), 3.1),
            upcr_point(date(2026, 3, 1), 2.4),
            upcr_point(date(2026, 7, 1), 2.2),
        )
        assert trend_line(series) == "UPCR g/g: 3.1 → 2.4 → 2.2 (Jan 2026 → Jul 2026), −29 %"

    def test_rise_has_plus_sign(self) -> None:
        """A rising series shows a + percentage."""
        series = (upcr_point(date(2026, 1, 5), 1.0), upcr_point(date(2026, 2, 5), 1.5))
        text = trend_line(series)
        assert text is not None
        assert text.endswith("+50 %")

    def test_mixed_series_names_both_analytes(self) -> None:
        """A series mixing UPCR and 24 h protein names both tests and both units."""
        protein = replace(
            upcr_point(date(2026, 2, 5), 2.0), analyte=Analyte.PROTEIN_24H, unit="g/d"
        )
        series = (upcr_point(date(2026, 1, 5), 4.0), protein)
        assert trend_line(series) == (
            "UPCR / 24 h protein (g/g, g/day): 4 → 2 (Jan 2026 → Feb 2026), −50 %"
        )

    @pytest.mark.parametrize(
        ("ucum", "shown"),
        [
            ("mL/min/{1.73_m2}", "mL/min/1.73 m²"),
            ("g/d", "g/day"),
            ("/[HPF]", "/HPF"),
            ("[IU]/mL", "IU/mL"),
            ("g/g", "g/g"),
            ("mg/dL", "mg/dL"),
        ],
    )
    def test_units_read_as_a_clinician_writes_them(self, ucum: str, shown: str) -> None:
        """UCUM codes with braces or brackets are shown in clinical notation; others as is."""
        assert wording.unit(ucum) == shown

    def test_change_measured_from_a_reference_row(self) -> None:
        """A flare's trend starts at the response, but its change is measured from the
        remission value the card marks as reference, and says so."""
        series = (
            upcr_point(date(2024, 12, 27), 1.2),
            upcr_point(date(2025, 9, 3), 0.3),
            upcr_point(date(2026, 6, 24), 1.6),
        )
        reference = upcr_row(date(2025, 9, 3), 0.3, "reference")
        assert trend_line(series, reference=reference) == (
            "UPCR g/g: 1.2 → 0.3 → 1.6 (Dec 2024 → Jun 2026), +433 % from 0.3 (reference)"
        )
        finding = make_finding(
            topic=Topic.FLARE, evidence=(reference, upcr_row(date(2026, 6, 24), 1.6, "latest"))
        )
        detail = render_detail(replace(finding, series=series), ruleset="r")
        assert "+433 % from 0.3 (reference)" in detail

    @pytest.mark.parametrize(
        "reference",
        [
            upcr_row(date(2026, 1, 5), 3.1, "reference"),  # the first point itself
            EvidenceRow(
                date(2026, 3, 1), "Creatinine", 0.9, "mg/dL", analyte=Analyte.CREATININE
            ),  # another test
        ],
        ids=["first-point", "other-test"],
    )
    def test_reference_that_is_not_another_point_changes_nothing(
        self, reference: EvidenceRow
    ) -> None:
        """A reference that is the first point, or of another test, leaves the change as
        first to last, with no "from"."""
        series = (upcr_point(date(2026, 1, 5), 3.1), upcr_point(date(2026, 7, 1), 2.2))
        assert trend_line(series, reference=reference) == (
            "UPCR g/g: 3.1 → 2.2 (Jan 2026 → Jul 2026), −29 %"
        )

    def test_reference_with_a_comparator_has_no_percent(self) -> None:
        """A reference of "<0.2" is not 0.2: no percentage is computed from it."""
        series = (upcr_point(date(2026, 1, 5), 1.2), upcr_point(date(2026, 7, 1), 1.6))
        reference = EvidenceRow(
            date(2026, 3, 1), "UPCR", 0.2, "g/g", comparator="<", analyte=Analyte.UPCR
        )
        assert trend_line(series, reference=reference) == (
            "UPCR g/g: 1.2 → 1.6 (Jan 2026 → Jul 2026)"
        )

    def test_single_point_has_no_trend(self) -> None:
        """One point is not a trend."""
        assert trend_line((upcr_point(date(2026, 1, 5), 1.0),)) is None

    def test_comparator_kept_and_no_percent(self) -> None:
        """A '<' value keeps its comparator and the percentage is left out."""
        series = (upcr_point(date(2026, 1, 5), 2.0), upcr_point(date(2026, 6, 5), 0.1, "<"))
        assert trend_line(series) == "UPCR g/g: 2 → <0.1 (Jan 2026 → Jun 2026)"

    def test_long_series_elided(self) -> None:
        """More than 8 points show the first, an ellipsis and the last six."""
        series = tuple(upcr_point(date(2026, m, 1), float(m)) for m in range(1, 11))
        text = trend_line(series)
        assert text is not None
        assert text.startswith("UPCR g/g: 1 → … → 5 → 6 → 7 → 8 → 9 → 10 (Jan 2026 → Oct 2026)")

    @pytest.mark.parametrize(
        ("value", "text"),
        [(3.1, "3.1"), (0.254, "0.25"), (12.34, "12.3"), (1234.0, "1234"), (2.0, "2"), (0.0, "0")],
    )
    def test_number(self, value: float, text: str) -> None:
        """Values keep sensible precision without trailing zeros."""
        assert wording.number(value) == text

    @pytest.mark.parametrize(
        ("day", "label"), [(date(2026, 1, 31), "Jan 2026"), (date(2025, 12, 1), "Dec 2025")]
    )
    def test_month_label(self, day: date, label: str) -> None:
        """Month labels are English abbreviations regardless of locale."""
        assert wording.month_label(day) == label


class TestPrune:
    def test_prune_empty(self) -> None:
        """None, empty strings, lists and dicts disappear recursively; False and 0 stay."""
        value: dict[str, object] = {
            "a": None,
            "b": "",
            "c": [],
            "d": {},
            "e": {"f": [None, {}]},
            "g": False,
            "h": 0,
        }
        assert prune_empty(value) == {"g": False, "h": 0}
