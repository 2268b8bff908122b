"""fhir_mappings.wording as the card renderer uses it: one rule per figure and name."""

from __future__ import annotations

import pytest

from fhir_mappings import wording


class TestPercentages:
    @pytest.mark.parametrize(
        ("fraction", "text"),
        [(-0.29, "−29 %"), (0.6, "+60 %"), (0.0, "±0 %"), (-0.004, "±0 %"), (4.333, "+433 %")],
    )
    def test_signed_percent(self, fraction: float, text: str) -> None:
        """A change has its sign (typographic minus), a change that rounds to 0 reads ±0."""
        assert wording.signed_percent(fraction) == text

    @pytest.mark.parametrize("fraction", [0.375, 0.385, -0.605, 0.995])
    def test_a_change_and_its_size_read_the_same(self, fraction: float) -> None:
        """ "down 38 %" (the size, in a summary) and the trend's signed change agree."""
        assert wording.signed_percent(fraction)[1:] == wording.percent(abs(fraction))

    @pytest.mark.parametrize(("value", "text"), [(48.4, "48"), (99.5, "100"), (0.0, "0")])
    def test_percent_number(self, value: float, text: str) -> None:
        """A value already in percent is written as ``percent`` writes a fraction."""
        assert wording.percent_number(value) == text
        assert wording.percent(value / 100) == f"{text} %"


class TestNames:
    @pytest.mark.parametrize(
        ("items", "text"),
        [((), ""), (("UPCR",), "UPCR"), (("UPCR", "the trend"), "UPCR and the trend")],
    )
    def test_and_list(self, items: tuple[str, ...], text: str) -> None:
        """Names joined as a sentence joins them."""
        assert wording.and_list(items) == text

    def test_and_list_of_three(self) -> None:
        assert wording.and_list(["UPCR", "eGFR", "the trend"]) == "UPCR, eGFR and the trend"

    @pytest.mark.parametrize(
        ("name", "text"),
        [
            ("Creatinine", "creatinine"),
            ("Mycophenolate mofetil", "mycophenolate mofetil"),
            ("PDC: tacrolimus", "PDC: tacrolimus"),
            ("eGFR", "eGFR"),
            ("MPA trough", "MPA trough"),
            ("", ""),
        ],
    )
    def test_in_sentence(self, name: str, text: str) -> None:
        """A label inside a sentence starts lower case unless it starts with an acronym."""
        assert wording.in_sentence(name) == text
