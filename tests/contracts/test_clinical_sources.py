"""``docs/clinical-sources.md`` lists every source the code cites, and cites nothing the
repository does not carry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fhir_mappings import sources
from fhir_mappings.findings import Citation

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "clinical-sources.md").read_text(encoding="utf-8")
CITATIONS = {name: value for name, value in vars(sources).items() if isinstance(value, Citation)}


@pytest.mark.parametrize("name", sorted(CITATIONS))
def test_every_citation_constant_is_listed(name: str) -> None:
    """Each ``Citation`` of ``fhir_mappings.sources`` has its entry in the sources page."""
    assert f"`{name}`" in DOC


@pytest.mark.parametrize("name", sorted(CITATIONS))
def test_every_citation_links_somewhere_absolute(name: str) -> None:
    """A card links each citation: the URL is absolute and the short label is set."""
    citation = CITATIONS[name]
    assert citation.url.startswith("https://")
    assert citation.short


def test_the_page_names_no_constant_that_does_not_exist() -> None:
    """Every backticked CAPITALS name at the start of an entry is a real constant."""
    named = set(re.findall(r"^- `([A-Z][A-Z0-9_]+)`", DOC, flags=re.MULTILINE))
    assert named == set(CITATIONS)


def test_code_tags_used_in_the_safety_tables_are_listed() -> None:
    """Every ``[TAG]`` a code table of the safety context cites is defined in the page."""
    text = (ROOT / "fhir_mappings" / "codes" / "safety.py").read_text(encoding="utf-8")
    comments = " ".join(re.findall(r"#[^\n]*", text))
    used = set(re.findall(r"\[([A-Z][A-Z0-9]*-[A-Z0-9-]+)\]", comments))
    defined = set(re.findall(r"\*\*\[([A-Z][A-Z0-9-]+)\]\*\*", DOC))
    assert used <= defined, sorted(used - defined)
