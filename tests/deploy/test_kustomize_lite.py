"""Tests of kustomize_lite, the strict kustomize subset that renders the overlays offline."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _load() -> ModuleType:
    name = "lncds_deploy_kustomize_lite"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, Path(__file__).with_name("kustomize_lite.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


KL = _load()

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: app:1.0
          env:
            - name: A
              value: "1"
"""


def write(directory: Path, files: dict[str, str]) -> Path:
    """Write ``files`` under ``directory`` and return it."""
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


def kustomization(body: str) -> str:
    """A kustomization.yaml with the given body."""
    return "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" + body


class TestRender:
    def test_patch_without_target_is_an_error(self, tmp_path: Path) -> None:
        """A patch naming a resource the kustomization does not have fails the render."""
        write(
            tmp_path,
            {
                "kustomization.yaml": kustomization(
                    "resources: [deployment.yaml]\npatches: [{path: patch.yaml}]\n"
                ),
                "deployment.yaml": DEPLOYMENT,
                "patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: missing}\n",
            },
        )
        with pytest.raises(KL.RenderError, match="missing resource"):
            KL.render(tmp_path)

    @pytest.mark.parametrize(
        "body", ["commonLabels: {a: b}\n", "configMapGenerator: []\n", "replicas: []\n"]
    )
    def test_unsupported_keys_are_refused(self, tmp_path: Path, body: str) -> None:
        """Keys outside the implemented subset raise UnsupportedFeature, never pass silently."""
        write(tmp_path, {"kustomization.yaml": kustomization(body)})
        with pytest.raises(KL.UnsupportedFeature):
            KL.render(tmp_path)

    def test_patch_with_target_selector_is_refused(self, tmp_path: Path) -> None:
        """JSON6902-style patches with a target selector are not implemented and refused."""
        write(
            tmp_path,
            {
                "kustomization.yaml": kustomization(
                    "resources: [deployment.yaml]\n"
                    "patches: [{path: p.yaml, target: {kind: Deployment}}]\n"
                ),
                "deployment.yaml": DEPLOYMENT,
                "p.yaml": "[]\n",
            },
        )
        with pytest.raises(KL.UnsupportedFeature):
            KL.render(tmp_path)

    def test_missing_resource_file_is_an_error(self, tmp_path: Path) -> None:
        """A resources entry that does not exist fails the render."""
        write(tmp_path, {"kustomization.yaml": kustomization("resources: [nope.yaml]\n")})
        with pytest.raises(KL.RenderError, match="does not exist"):
            KL.render(tmp_path)

    def test_overlay_patches_images_namespace_and_labels(self, tmp_path: Path) -> None:
        """An overlay merges its patch, rewrites the image, sets the namespace and labels."""
        write(
            tmp_path,
            {
                "base/kustomization.yaml": kustomization(
                    "labels: [{pairs: {team: x}}]\nresources: [deployment.yaml]\n"
                ),
                "base/deployment.yaml": DEPLOYMENT,
                "overlay/kustomization.yaml": kustomization(
                    "namespace: ns\nresources: [../base]\npatches: [{path: patch.yaml}]\n"
                    "images: [{name: app, newName: reg.example/app, newTag: '2.0'}]\n"
                ),
                "overlay/patch.yaml": (
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\n"
                    "spec: {template: {spec: {containers:\n"
                    "  [{name: app, env: [{name: B, value: '2'}]}]}}}\n"
                ),
            },
        )
        (deployment,) = KL.render(tmp_path / "overlay")
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == "reg.example/app:2.0"
        assert [e["name"] for e in container["env"]] == ["A", "B"]
        assert deployment["metadata"]["namespace"] == "ns"
        assert deployment["metadata"]["labels"] == {"team": "x"}

    def test_duplicate_resources_are_an_error(self, tmp_path: Path) -> None:
        """Two resources with the same kind and name fail the render."""
        write(
            tmp_path,
            {
                "kustomization.yaml": kustomization("resources: [a.yaml, b.yaml]\n"),
                "a.yaml": DEPLOYMENT,
                "b.yaml": DEPLOYMENT,
            },
        )
        with pytest.raises(KL.RenderError, match="duplicate"):
            KL.render(tmp_path)


class TestStrategicMerge:
    @pytest.mark.parametrize(
        ("base", "patch", "expected"),
        [
            ({"a": 1, "b": 2}, {"b": 3}, {"a": 1, "b": 3}),
            ({"a": 1, "b": 2}, {"b": None}, {"a": 1}),
            ({"l": [1, 2]}, {"l": [3]}, {"l": [3]}),
            (
                {"l": [{"name": "x", "v": 1}, {"name": "y", "v": 2}]},
                {"l": [{"name": "y", "v": 3}, {"name": "z", "v": 4}]},
                {"l": [{"name": "x", "v": 1}, {"name": "y", "v": 3}, {"name": "z", "v": 4}]},
            ),
        ],
    )
    def test_merge(self, base: dict[str, Any], patch: dict[str, Any], expected: Any) -> None:
        """Maps merge, null deletes, named lists merge by name, other lists are replaced."""
        assert KL.strategic_merge(base, patch) == expected

    def test_inputs_are_not_modified(self) -> None:
        """Merging returns a new object and leaves base and patch untouched."""
        base = {"a": {"b": 1}}
        patch = {"a": {"c": 2}}
        KL.strategic_merge(base, patch)
        assert base == {"a": {"b": 1}}
        assert patch == {"a": {"c": 2}}


class TestImageName:
    @pytest.mark.parametrize(
        ("image", "name"),
        [
            ("ln-cds", "ln-cds"),
            ("ln-cds:0.1.0", "ln-cds"),
            ("registry:5000/team/ln-cds", "registry:5000/team/ln-cds"),
            ("registry:5000/ln-cds:1", "registry:5000/ln-cds"),
            ("ln-cds@sha256:abc", "ln-cds"),
        ],
    )
    def test_image_name(self, image: str, name: str) -> None:
        """The image name drops the tag and digest but keeps a registry port."""
        assert KL._image_name(image) == name
