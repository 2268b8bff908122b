"""The container and the manifests call what the code really provides.

The Dockerfile's entrypoint and command parse with the real CLI, the health paths the
image and the probes call are served by the real app without a token, and every
LNCDS_ variable the deployment files set is a real setting.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import tomllib
from pathlib import Path

import httpx
import pytest
import yaml

from cds_service.app import create_app
from cds_service.cli import DEFAULT_HOST, build_parser
from cds_service.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO_ROOT / "deploy" / "Dockerfile"
COMPOSE = REPO_ROOT / "deploy" / "compose.yaml"
DEPLOYMENT = REPO_ROOT / "deploy" / "kubernetes" / "base" / "deployment.yaml"
DEPLOY_TEXT = [
    p
    for p in (REPO_ROOT / "deploy").rglob("*")
    if p.suffix in {".yaml", ".yml", ""} and p.is_file()
]


def _exec_form(instruction: str) -> list[str]:
    line = next(
        line
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if line.startswith(instruction + " ")
    )
    return shlex.split(line[len(instruction) + 1 :].strip("[]").replace(",", " "))


class TestEntrypoint:
    def test_console_script_is_the_cli(self) -> None:
        """The `ln-cds` entrypoint of the image is the package's console script."""
        project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        assert _exec_form("ENTRYPOINT") == ["ln-cds"]
        assert project["project"]["scripts"]["ln-cds"] == "cds_service.cli:main"

    def test_cmd_parses_as_serve(self) -> None:
        """The image's CMD is a valid `serve` invocation of the real parser."""
        args = build_parser().parse_args(_exec_form("CMD"))
        assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", 8000)


def _compose_command() -> list[str]:
    """The compose service's command, ``${VAR:-default}`` replaced by its default."""
    service = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["ln-cds"]
    return [re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", str(arg)) for arg in service["command"]]


def _deployment_args() -> list[str]:
    """The Kubernetes container's args."""
    deployment = yaml.safe_load(DEPLOYMENT.read_text(encoding="utf-8"))
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return [str(arg) for arg in container["args"]]


class TestServeInvocations:
    def test_cli_listens_on_loopback_by_default(self) -> None:
        """`ln-cds serve` without --host listens on 127.0.0.1 only."""
        assert build_parser().parse_args(["serve"]).host == DEFAULT_HOST == "127.0.0.1"

    @pytest.mark.parametrize(
        "argv",
        [
            pytest.param(_exec_form("CMD"), id="Dockerfile CMD"),
            pytest.param(_compose_command(), id="compose command"),
            pytest.param(_deployment_args(), id="Kubernetes args"),
        ],
    )
    def test_containers_listen_on_every_interface_explicitly(self, argv: list[str]) -> None:
        """Each container's serve command parses and passes --host 0.0.0.0 itself."""
        args = build_parser().parse_args(argv)
        assert args.command == "serve"
        assert argv[argv.index("--host") + 1] == args.host == "0.0.0.0"


class TestHealthEndpoints:
    @pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
    def test_served_without_a_token(self, path: str, tmp_path: Path) -> None:
        """Probes and scrapes reach the real app with JWT required and no token sent."""
        settings = Settings(
            require_jwt=True,
            public_base_url="https://cds.example.org",
            trusted_issuers={"https://ehr.example.org": "https://ehr.example.org/jwks"},
            database_url=f"sqlite:///{tmp_path / 'f.sqlite3'}",
        )
        app = create_app(settings)

        async def call() -> int:
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                    return (await c.get(path)).status_code

        assert asyncio.run(call()) == 200

    def test_probe_paths_in_the_files_exist(self) -> None:
        """Every health path named in the deployment files is one the app serves."""
        served = {"/healthz", "/readyz", "/metrics"}
        named: set[str] = set()
        for path in [DOCKERFILE, *DEPLOY_TEXT]:
            named |= set(
                re.findall(
                    r"/(?:healthz|readyz|livez|health|ready|metrics)\b",
                    path.read_text(encoding="utf-8"),
                )
            )
        assert named
        assert named <= served, named - served


class TestVariables:
    def test_every_variable_is_a_setting(self) -> None:
        """Each LNCDS_ variable set by the deployment files is a field of Settings."""
        fields = {f"LNCDS_{name.upper()}" for name in Settings.model_fields}
        used: set[str] = set()
        for path in [DOCKERFILE, *DEPLOY_TEXT]:
            used |= set(re.findall(r"\bLNCDS_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
        assert used
        assert used <= fields, used - fields
