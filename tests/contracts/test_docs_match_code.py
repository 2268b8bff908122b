"""The documents name the code as it is: signatures, folders, commands."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from cds_service.app import create_app

ROOT = Path(__file__).resolve().parents[2]


def test_design_doc_gives_create_app_parameters_as_the_code_has_them() -> None:
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    match = re.search(r"`create_app\(([^`]*)\)`", design)
    assert match is not None
    documented = [p.split("=")[0].strip() for p in match.group(1).split(",") if p.strip()]
    documented = [p for p in documented if p != "*"]
    assert documented == list(inspect.signature(create_app).parameters)


def test_every_tests_folder_the_test_script_names_exists() -> None:
    script = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    named = set(re.findall(r"\b(tests/[\w/]+)", script))
    assert named
    assert all((ROOT / folder).exists() for folder in named), named
