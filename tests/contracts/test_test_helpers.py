"""The test suite keeps one copy of its shared helpers and imports them as modules.

``hook_body`` and ``searchset`` live in ``tests/support`` (``hooks.py``, ``fhir.py``); no
other test file defines its own. No test file edits ``sys.path`` (pytest puts the project
root there, so every helper imports as ``tests.<folder>.<module>``), and none imports
from a ``conftest``: a conftest holds fixtures, and the helpers they use live in
importable modules. Read with ``ast``, so a word in a docstring does not count.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
SUPPORT = TESTS / "support"
#: Helpers with one home, tests/support; the names of their old copies too.
SHARED = {"hook_body", "_hook_body", "searchset", "_searchset"}


def _test_files() -> list[Path]:
    return sorted(
        path
        for path in TESTS.rglob("*.py")
        if "node_modules" not in path.parts and "__pycache__" not in path.parts
    )


@cache
def _trees() -> list[tuple[str, Path, ast.Module]]:
    return [
        (str(path.relative_to(TESTS.parent)), path, ast.parse(path.read_text(), str(path)))
        for path in _test_files()
    ]


def shared_helper_copies(path: Path, tree: ast.Module) -> list[str]:
    """Functions named as a shared helper, defined outside tests/support."""
    if path.is_relative_to(SUPPORT):
        return []
    return [
        f"line {node.lineno}: def {node.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in SHARED
    ]


def sys_path_uses(tree: ast.Module) -> list[str]:
    """Every ``sys.path`` (or ``from sys import path``) in the module."""
    found = [
        f"line {node.lineno}: sys.path"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    ]
    found += [
        f"line {node.lineno}: from sys import path"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module == "sys"
        and any(alias.name == "path" for alias in node.names)
    ]
    return found


def conftest_imports(tree: ast.Module) -> list[str]:
    """Every import of a conftest module, relative or absolute."""
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [
                f"{node.module}.{alias.name}" if node.module else alias.name for alias in node.names
            ]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        if any(name.split(".")[-1] == "conftest" for name in names):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


class TestTheCheckItself:
    """The three scans find what they look for (on source written here)."""

    def test_finds_a_copy_outside_support(self) -> None:
        tree = ast.parse("def hook_body():\n    pass\nasync def _searchset():\n    pass\n")
        assert len(shared_helper_copies(TESTS / "x" / "test_x.py", tree)) == 2
        assert shared_helper_copies(SUPPORT / "hooks.py", tree) == []

    def test_finds_sys_path(self) -> None:
        tree = ast.parse("import sys\nsys.path.insert(0, 'x')\nfrom sys import path\n")
        assert len(sys_path_uses(tree)) == 2
        assert sys_path_uses(ast.parse("import os\nos.path.join('a')\n")) == []

    @pytest.mark.parametrize(
        "source",
        [
            "from .conftest import x",
            "from conftest import x",
            "from tests.service.conftest import x",
            "from . import conftest",
            "import tests.service.conftest",
            "import conftest",
        ],
    )
    def test_finds_a_conftest_import(self, source: str) -> None:
        assert len(conftest_imports(ast.parse(source))) == 1

    def test_other_imports_pass(self) -> None:
        tree = ast.parse("from ._helpers import x\nfrom tests.support.hooks import hook_body\n")
        assert conftest_imports(tree) == []


def test_hook_body_and_searchset_have_one_home() -> None:
    """No test file outside tests/support defines hook_body or searchset."""
    found = {
        name: copies
        for name, path, tree in _trees()
        if (copies := shared_helper_copies(path, tree))
    }
    assert found == {}


def test_no_test_file_edits_sys_path() -> None:
    """Helpers import as ``tests.<folder>.<module>``; nothing changes sys.path."""
    found = {name: uses for name, _, tree in _trees() if (uses := sys_path_uses(tree))}
    assert found == {}


def test_nothing_imports_from_a_conftest() -> None:
    """A conftest holds fixtures; what tests import lives in a module of its own."""
    found = {name: lines for name, _, tree in _trees() if (lines := conftest_imports(tree))}
    assert found == {}
