"""fhir_mappings.wording: one way to write every number, dose, date and regimen."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from fhir_mappings import wording
from fhir_mappings.facts import Agent, Analyte, LineRole, RegimenKind, Route
from tests.rules._builders import cyc_iv, line, member, mmf, point


class TestNumbers:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (1234.0, "1234"),
            (100.0, "100"),
            (99.96, "100"),
            (12.34, "12.3"),
            (10.0, "10"),
            (3.8, "3.8"),
            (0.254, "0.25"),
            (0.5, "0.5"),
            (0.0, "0"),
            (-0.001, "0"),
            (-12.5, "-12.5"),
        ],
    )
    def test_number(self, value: float, text: str) -> None:
        """Three significant figures at most, no trailing zeros, never '-0'."""
        assert wording.number(value) == text

    @pytest.mark.parametrize(
        ("value", "analyte", "comparator", "text"),
        [
            (62.4, Analyte.EGFR, None, "62"),
            (0.1, Analyte.UPCR, "<", "<0.1"),
            (3.8, Analyte.UPCR, None, "3.8"),
            (1.25, None, None, "1.25"),
            (150.0, Analyte.HYDROXYCHLOROQUINE, None, "150"),
        ],
    )
    def test_lab_number(
        self, value: float, analyte: Analyte | None, comparator: str | None, text: str
    ) -> None:
        """A lab value at its analyte's precision, with its comparator."""
        assert wording.lab_number(value, analyte, comparator) == text

    def test_lab_with_its_unit(self) -> None:
        """Results read with the unit a clinician expects."""
        assert wording.lab(point(Analyte.EGFR, date(2026, 1, 5), 61.6)) == "62 mL/min/1.73 m²"
        assert wording.lab(point(Analyte.UPCR, date(2026, 1, 5), 0.1, "<")) == "<0.1 g/g"
        assert wording.unit("mg/dL") == "mg/dL"

    def test_labels(self) -> None:
        """Every analyte has a card label."""
        assert wording.label(Analyte.MPA_RANDOM) == "MPA (random, not a trough)"
        assert set(wording.ANALYTE_LABEL) == set(Analyte)

    @pytest.mark.parametrize(
        ("analyte", "text"),
        [
            (Analyte.CREATININE, "creatinine"),
            (Analyte.PROTEIN_24H, "24 h protein"),
            (Analyte.EGFR, "eGFR"),
            (Analyte.UPCR, "UPCR"),
            (Analyte.MPA_TROUGH, "MPA trough"),
            (Analyte.URINE_RBC, "urine RBC"),
        ],
    )
    def test_labels_inside_a_sentence(self, analyte: Analyte, text: str) -> None:
        """Inside a sentence a test name is lower case, unless it is an abbreviation."""
        assert wording.label_in_text(analyte) == text

    def test_the_arrow_between_values(self) -> None:
        """Two values of a series are joined by an arrow."""
        assert wording.ARROW == " → "

    @pytest.mark.parametrize(
        ("mg", "text"),
        [(3000.0, "3 g/day"), (1000.0, "1 g/day"), (720.0, "720 mg/day"), (4.0, "4 mg/day")],
    )
    def test_daily_doses_switch_to_grams_at_one_gram(self, mg: float, text: str) -> None:
        """A dose of at least 1000 mg a day is written in g/day, below it in mg/day."""
        assert wording.dose_text(mg) == text

    @pytest.mark.parametrize(
        ("mg", "text"), [(500.0, "500 mg"), (3000.0, "3 g"), (23.7, "23.7 mg")]
    )
    def test_mass(self, mg: float, text: str) -> None:
        """A single or cumulative dose in mg, or in g from 1000 mg."""
        assert wording.mass(mg) == text

    @pytest.mark.parametrize(
        ("value", "text"), [(7.9, "8 months"), (1.2, "1 month"), (0.4, "0 months")]
    )
    def test_months(self, value: float, text: str) -> None:
        """Whole months, singular for one."""
        assert wording.months(value) == text

    def test_percent(self) -> None:
        """A fraction as a whole percentage."""
        assert (wording.percent(0.483), wording.percent(0.8)) == ("48 %", "80 %")

    def test_percent_of_a_non_finite_value_does_not_raise(self) -> None:
        """A change from a zero baseline (infinite) reads as infinity, never an error."""
        assert wording.percent(float("inf")) == "∞ %"
        assert wording.percent(float("-inf")) == "-∞ %"
        assert wording.percent(1e308) == "∞ %"  # finite, but infinite once scaled
        assert wording.percent(float("nan")) == "unknown %"


class TestDates:
    def test_day_period_and_month(self) -> None:
        """ISO days, periods 'from to', months as 'Jan 2026' whatever the locale."""
        assert wording.day(date(2026, 1, 5)) == "2026-01-05"
        assert wording.period(date(2026, 5, 1), date(2026, 11, 1)) == "2026-05-01 to 2026-11-01"
        assert wording.month_label(date(2026, 1, 5)) == "Jan 2026"
        assert wording.month_label(date(2026, 12, 31)) == "Dec 2026"


class TestRegimens:
    def test_oral_agents_carry_their_dose(self) -> None:
        """MMF with tacrolimus: both oral doses."""
        current = line(mmf(3.0), member(Agent.TACROLIMUS, 4.0))
        assert wording.line_label(current) == "mycophenolate mofetil 3 g/day + tacrolimus 4 mg/day"

    def test_iv_cyclophosphamide_is_named_by_its_route(self) -> None:
        """IV cyclophosphamide with belimumab: the route named, the IV add-on without dose."""
        current = line(
            cyc_iv(0, 14), member(Agent.BELIMUMAB), regimen=RegimenKind.CYCLOPHOSPHAMIDE_IV
        )
        assert wording.line_label(current) == "IV cyclophosphamide + belimumab"

    def test_oral_cyclophosphamide(self) -> None:
        """Oral cyclophosphamide is named as such (its dose is in the order)."""
        oral = line(
            member(Agent.CYCLOPHOSPHAMIDE, 100.0, route=Route.ORAL),
            regimen=RegimenKind.CYCLOPHOSPHAMIDE_ORAL,
        )
        assert wording.line_label(oral) == "oral cyclophosphamide"

    def test_an_agent_on_hold_says_so(self) -> None:
        """A held agent is named 'on hold', without its old dose."""
        assert wording.line_label(line(mmf(on_hold=True))) == "mycophenolate mofetil (on hold)"

    def test_an_empty_line(self) -> None:
        """A line without agents (never built by the reader) still reads."""
        assert wording.line_label(replace(line(mmf()), agents=())) == "no agent"

    def test_role(self) -> None:
        """A line's role in words."""
        assert wording.role(LineRole.ADD_ON) == "add-on"
        assert wording.role(LineRole.MAINTENANCE) == "maintenance"

    def test_agents(self) -> None:
        """Agents joined with '+'."""
        both = (Agent.MYCOPHENOLATE_MOFETIL, Agent.TACROLIMUS)
        assert wording.agents(both) == "mycophenolate mofetil + tacrolimus"
        assert wording.agent(Agent.RITUXIMAB) == "rituximab"


class TestSummary:
    def test_a_short_summary_is_kept_on_one_line(self) -> None:
        """Line breaks and runs of spaces collapse to single spaces."""
        assert wording.summary("Refractory  lupus\nnephritis") == "Refractory lupus nephritis"

    @pytest.mark.parametrize("length", [139, 140, 300])
    def test_a_long_summary_is_cut_below_140_with_an_ellipsis(self, length: int) -> None:
        """CDS Hooks: a summary under 140 characters; 139 is kept, 140 and more are cut."""
        text = "x" * length
        out = wording.summary(text)
        assert len(out) < 140
        assert out == (text if length < 140 else "x" * 138 + "…")

    def test_a_long_summary_of_words_is_cut_at_a_word(self) -> None:
        """Never mid-word, and no dangling bracket or comma before the ellipsis."""
        text = "Partial response on mycophenolate mofetil 3 g/day + tacrolimus 4 mg/day " * 2
        text += "(EULAR/ERA-EDTA 2019 lupus nephritis recommendations)"
        out = wording.summary(text)
        assert len(out) < 140
        assert out.endswith("…")
        head = out.removesuffix("…")
        assert text.startswith(head)
        assert text[len(head)] == " "  # the cut falls before a space
        assert not head.endswith(("(", ",", ";", ":", " "))
