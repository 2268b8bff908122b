"""Pseudonyms: keyed, stable, and hiding the patient id."""

from __future__ import annotations

from cds_service.pseudonym import pseudonym


class TestPseudonym:
    def test_stable_and_keyed(self) -> None:
        """The same id and key give the same pseudonym; another key gives another one."""
        assert pseudonym("k1", "p1") == pseudonym("k1", "p1")
        assert pseudonym("k1", "p1") != pseudonym("k2", "p1")
        assert pseudonym(b"k1", "p1") == pseudonym("k1", "p1")

    def test_hides_the_id(self) -> None:
        """The pseudonym is 'p-' plus 16 hex characters and does not contain the id."""
        value = pseudonym("k", "patient-12345")
        assert value.startswith("p-")
        assert len(value) == 18
        assert "12345" not in value

    def test_none(self) -> None:
        """A missing id has the fixed pseudonym p-none."""
        assert pseudonym("k", None) == "p-none"
