"""Comments and docs say what the code does and why, never how it was built: no issue
numbers, no people or roles, no build machine's paths, no private reference files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve()
FOLDERS = ("cds_service", "fhir_mappings", "bench", "scripts", "tests", "docs", "deploy", ".ci")
SUFFIXES = {".py", ".md", ".mjs", ".js", ".sh", ".toml", ".yaml", ".yml", ".cfg", ""}
SKIP_PARTS = {"node_modules", "static", "__pycache__", "demo_data", "cards", "fhir_examples"}

#: What narration looks like (case-insensitive); "issue" alone is FHIR's OperationOutcome.
PATTERNS = {
    "issue number": re.compile(r"\bissues? #?\d+\b", re.IGNORECASE),
    "a person or role": re.compile(r"\bengineer [A-Z]\b|\bhelper-\d+\b|\btask brief\b"),
    "a machine path": re.compile(r"(?<![\w.])/(?:work|root|home/\w+)/"),
    "a private reference file": re.compile(r"\bclinical\.md\b|\bstack-notes\.md\b"),
}


def _files() -> list[Path]:
    out = [ROOT / "README.md", ROOT / "pyproject.toml", ROOT / "Dockerfile"]
    for folder in FOLDERS:
        base = ROOT / folder
        if not base.exists():
            continue
        for path in base.rglob("*"):
            if not path.is_file() or path.resolve() == THIS:
                continue
            if SKIP_PARTS & set(path.relative_to(ROOT).parts[:-1]):
                continue
            if path.suffix in SUFFIXES and path.stat().st_size < 1_000_000:
                out.append(path)
    return [p for p in out if p.exists()]


@pytest.mark.parametrize("kind", sorted(PATTERNS))
def test_no_build_narration(kind: str) -> None:
    pattern = PATTERNS[kind]
    found = []
    for path in _files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not found, f"{kind}:\n" + "\n".join(found)
