"""The committed bundle (cds_service/chart/static) is what the sources build.

``npm run build`` records in ``static/build-info.json`` a SHA-256 over its sources (the
build script, package.json, package-lock.json and src/) and one per output file.
Changing a source without rebuilding, or editing an output by hand, fails here. Where
the node packages are installed (``npm ci`` in cds_service/chart; CI installs them),
the build is run again and must give the same bytes.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "cds_service" / "chart"
STATIC = CHART / "static"
INFO = json.loads((STATIC / "build-info.json").read_text(encoding="utf-8"))
HINT = "the chart bundle is stale: run `npm ci && npm run build` in cds_service/chart and commit"


def sources_sha256() -> str:
    """build.mjs's hash: for each source sorted by path, its path, NUL, its bytes, NUL."""
    files = [CHART / "build.mjs", CHART / "package.json", CHART / "package-lock.json"]
    files += [path for path in (CHART / "src").rglob("*") if path.is_file()]
    digest = hashlib.sha256()
    for name, path in sorted((p.relative_to(CHART).as_posix(), p) for p in files):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _running_under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class TestCommittedBundle:
    def test_built_from_these_sources(self) -> None:
        """The bundle was built from the sources and lockfile as they are now."""
        assert INFO["sources_sha256"] == sources_sha256(), HINT

    def test_outputs_unedited(self) -> None:
        """Every output is byte for byte what the build wrote, and nothing else is there."""
        present = {p.name for p in STATIC.iterdir() if p.name != "build-info.json"}
        assert present == set(INFO["outputs"]), HINT
        for name, digest in INFO["outputs"].items():
            assert _sha256(STATIC / name) == digest, f"{name}: {HINT}"

    def test_packaged(self) -> None:
        """The wheel carries every built file (pyproject package-data)."""
        project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
        patterns = project["tool"]["setuptools"]["package-data"]["cds_service"]
        for path in STATIC.iterdir():
            name = path.relative_to(REPO / "cds_service").as_posix()
            assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name

    def test_no_cdn_at_run_time(self) -> None:
        """The pages load scripts and styles from the service only (relative URLs)."""
        for page in ("index.html", "launch.html"):
            html = (STATIC / page).read_text(encoding="utf-8")
            references = re.findall(r'(?:src|href)="([^"]+)"', html)
            assert references
            assert all(ref.startswith("assets/") for ref in references), references
        for script in ("app.js", "launch.js"):
            code = (STATIC / script).read_text(encoding="utf-8")
            assert not re.search(r"\bimport\s*\(?\s*[\"']https?:", code)
            for host in ("unpkg.com", "cdn.jsdelivr.net", "cdnjs.cloudflare.com", "esm.sh"):
                assert host not in code


@pytest.mark.slow  # runs the chart's build with node
class TestRebuild:
    def test_rebuild_gives_the_same_bytes(self, tmp_path: Path) -> None:
        """`npm run build` again (into a temporary folder) writes the committed files."""
        node = shutil.which("node")
        if node is None or not (CHART / "node_modules" / "esbuild").is_dir():
            reason = "node or cds_service/chart/node_modules missing (npm ci there)"
            if _running_under_ci():
                pytest.fail(reason + " (CI is set: the rebuild check must run)", pytrace=False)
            pytest.skip(reason)
        out = tmp_path / "static"
        subprocess.run(
            [node, "build.mjs", str(out)],
            cwd=CHART,
            check=True,
            capture_output=True,
            timeout=300,
        )
        rebuilt = {p.name: _sha256(p) for p in out.iterdir()}
        committed = {p.name: _sha256(p) for p in STATIC.iterdir()}
        assert rebuilt == committed, HINT
