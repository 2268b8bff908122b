"""One home for every clinical number: ``fhir_mappings/rulesets.py``, with its source.

The test parses (``ast``) every module of ``fhir_mappings/rules/``, ``fhir_mappings/read/``
and ``fhir_mappings/wording.py`` and fails on any numeric literal that is not one of these
non-clinical constants:

* anywhere: 0 and 1 (zero, identity, first and last, counting, a whole), 2 (pairs: the
  two newest values, two doses a day) and 7 (days in a week, for schedules in weeks);
* 100 (percent <-> fraction) and 1000 (g <-> mg) only as an operand of ``*`` or ``/``: a
  comparison with 100 or 1000 is a threshold, and thresholds live in the ruleset;
* a regular-expression group number (``match.group(3)``), which is not a quantity;
* in one module, for one reason (``ALLOWED_HERE``): the presentation rules of
  ``wording`` (decimals by magnitude, the g/day switch, the CDS Hooks summary limit), the
  float tolerance of the rules, Mosteller's formula constant, and a data-sanity bound.

Tables that are data by nature are not walked: ``read/units.py`` (unit factors),
``read/dosing.py`` (frequency and period tables: BID = 2 a day, a month = 365.25/12
days), ``read/medications.py``'s ``MASS_TO_MG`` (mass unit factors); ``fhir_mappings/
codes/*`` (code tables, their numbers are identifiers) is outside the walked folders.

The readers belong to another stage: the literals found there that should move to the
ruleset are listed in ``KNOWN_IN_READERS`` and the test requires that exact list, so a
new literal fails, and so does one that has moved (then take it off the list).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import fhir_mappings

PACKAGE = Path(fhir_mappings.__file__).parent

ANYWHERE: frozenset[float] = frozenset({0, 1, 2, 7})
CONVERSIONS: frozenset[float] = frozenset({100, 1000})

#: (module, value): why this number is not clinical.
ALLOWED_HERE: dict[tuple[str, float], str] = {
    ("wording.py", 10): "number(): one decimal from 10 up, a presentation rule",
    ("wording.py", 100): "number(): no decimal from 100 up, a presentation rule",
    ("wording.py", 1000): "_GRAMS_FROM_MG: doses from 1000 mg a day are written in g/day",
    ("wording.py", 140): "SUMMARY_LIMIT: the CDS Hooks 2.0 summary length, a specification",
    ("rules/response.py", 1e-9): "EPS: the float tolerance of every threshold comparison",
    ("read/body.py", 3600): "MOSTELLER_DIVISOR: the formula's constant (Mosteller 1987)",
    ("read/orders.py", 1000): "MAX_READ_REPEATS: more refills on one order is corrupt data",
}

#: Modules that are tables by nature, and why.
EXEMPT_MODULES: dict[str, str] = {
    "read/units.py": "UCUM unit factors into each analyte's canonical unit",
    "read/dosing.py": "frequency codes and period units (BID = 2 a day, wk = 7 d)",
}
#: Module-level tables that are data by nature: (module, name) -> why.
EXEMPT_TABLES: dict[tuple[str, str], str] = {
    ("read/medications.py", "MASS_TO_MG"): "mass unit factors (g = 1000 mg, ug = 0.001 mg)",
}

#: Clinical numbers still written in the readers: none (each is a ruleset field).
KNOWN_IN_READERS: frozenset[tuple[str, float]] = frozenset()


def _modules(*parts: str) -> list[Path]:
    out: list[Path] = []
    for part in parts:
        path = PACKAGE / part
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return out


def _exempt_nodes(tree: ast.Module, module: str) -> set[int]:
    """Ids of every node inside a module-level table exempted by name."""
    out: set[int] = set()
    for stmt in tree.body:
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = list(stmt.targets)
        elif isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if any((module, name) in EXEMPT_TABLES for name in names):
            out |= {id(node) for node in ast.walk(stmt)}
    return out


def clinical_literals(source: str, module: str) -> Iterator[tuple[int, float]]:
    """(line, value) of every numeric literal of ``source`` not allowed above."""
    tree = ast.parse(source)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    exempt = _exempt_nodes(tree, module)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in exempt:
            continue
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        parent = parents.get(id(node))
        if value in ANYWHERE or (module, value) in ALLOWED_HERE:
            continue
        if (
            value in CONVERSIONS
            and isinstance(parent, ast.BinOp)
            and isinstance(parent.op, ast.Mult | ast.Div)
        ):
            continue
        if (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Attribute)
            and parent.func.attr == "group"
        ):
            continue
        yield node.lineno, value


def _found(*parts: str) -> dict[tuple[str, float], list[int]]:
    found: dict[tuple[str, float], list[int]] = {}
    for path in _modules(*parts):
        module = path.relative_to(PACKAGE).as_posix()
        if module in EXEMPT_MODULES:
            continue
        for line, value in clinical_literals(path.read_text(encoding="utf-8"), module):
            found.setdefault((module, value), []).append(line)
    return found


def _report(found: dict[tuple[str, float], list[int]]) -> str:
    return "; ".join(f"{m}:{lines} {v!r}" for (m, v), lines in sorted(found.items()))


def test_the_rules_and_the_wording_hold_no_clinical_number() -> None:
    """Every threshold, dose and window the rules use comes from the ruleset."""
    found = _found("rules", "wording.py")
    assert not found, f"clinical literals outside fhir_mappings/rulesets.py: {_report(found)}"


def test_the_readers_hold_only_the_known_clinical_numbers() -> None:
    """The readers' literals are exactly the known ones (none new, none silently moved)."""
    found = _found("read")
    assert set(found) == KNOWN_IN_READERS, _report(found)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("def f(egfr):\n    return egfr > 45\n", [(2, 45)]),
        ("LIMIT = 0.8\n", [(1, 0.8)]),
        ("def f(mg):\n    return mg / 1000, mg * 100\n", []),
        ("def f(mg):\n    return mg >= 1000\n", [(2, 1000)]),
        ("def f(m):\n    return m.group(3), [0, 1, 2, 7], True\n", []),
        ("MASS_TO_MG = {'g': 1000.0, 'ug': 0.001}\n", []),
    ],
)
def test_the_walk_finds_what_it_should(source: str, found: list[tuple[int, float]]) -> None:
    """The walk flags thresholds (45, 0.8, a comparison with 1000) and lets conversions,
    regex groups, counting numbers and exempt tables through."""
    assert list(clinical_literals(source, "read/medications.py")) == found


# --- numbers written into the cards' sentences ---------------------------------------------

#: A number with a clinical unit written into a sentence ("6 months", "0.5 g/g", "30 %").
_PROSE_NUMBER = re.compile(
    r"\b\d+(?:\.\d+)?(?:-\d+)?(?:\s|-)?(?:months?|weeks?|days?|years?|g/g|g/day|mg/dL|mg/L|%)"
)
#: (module, words): the source these words are quoted from, not a number the rules use.
QUOTED: dict[tuple[str, str], str] = {
    ("rules/safety.py", "8-10 days"): "CellCept Medication Guide: pregnancy tests",
    ("rules/safety.py", "6 weeks"): "CellCept label: contraception after stopping",
    ("rules/safety.py", "1 year"): "cyclophosphamide label: contraception after treatment",
    ("rules/topics/improving.py", "12 months"): "KDIGO 2024: 'could take more than 12 months'",
    ("rules/topics/refractory.py", "10-year"): "Chen 2008: 10-year renal survival",
}


def _docstrings(tree: ast.Module) -> set[int]:
    out: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            out.add(id(body[0].value))
    return out


def test_card_sentences_state_no_number_of_their_own() -> None:
    """A time point or threshold in a card's words is read from the ruleset; only words
    quoted from a source (a label, a guideline's sentence) are written out."""
    found: list[str] = []
    for path in _modules("rules"):
        module = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
            ):
                for match in _PROSE_NUMBER.finditer(node.value):
                    if (module, match.group(0)) not in QUOTED:
                        found.append(f"{module}:{node.lineno} {match.group(0)!r}")
    assert not found, f"numbers written into card sentences: {found}"
