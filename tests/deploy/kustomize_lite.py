"""A small, strict subset of kustomize, so overlays can be rendered and validated offline.

No kustomize or kubectl binary is available from the package registries this project
uses, so this renders exactly the features ``deploy/kubernetes`` uses and refuses every
other kustomization key (``UnsupportedFeature``) instead of silently ignoring it:

- ``resources``: YAML files (multi-document) and directories holding a kustomization;
- ``namespace``; ``labels`` (``pairs`` on ``metadata.labels`` only, no selectors);
- ``images`` (``name`` -> ``newName`` / ``newTag`` / ``digest``) on pod containers;
- ``patches``: strategic-merge patches by ``kind`` + ``metadata.name``; lists of objects
  with a ``name`` merge by name (``containers``, ``env``, ``ports``), other lists replace;
  ``null`` deletes a key. A patch whose target is absent is an error (``RenderError``).

``kubectl kustomize`` remains the reference renderer; run it where it is installed.
Usage as a script: ``python tests/deploy/kustomize_lite.py DIR`` prints the rendered YAML.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]

KUSTOMIZATION_FILE = "kustomization.yaml"
SUPPORTED_KEYS = frozenset(
    {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}
)
# Kinds that kustomize's namespace transformer leaves alone (cluster-scoped).
CLUSTER_SCOPED_KINDS = frozenset(
    {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
)
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}


class RenderError(Exception):
    """The kustomization cannot be rendered (missing file, patch without a target)."""


class UnsupportedFeature(RenderError):
    """The kustomization uses a feature this subset does not implement."""


def load_yaml_documents(path: Path) -> list[Resource]:
    """All non-empty YAML documents of ``path``, each of which must be a mapping."""
    documents: list[Resource] = []
    with path.open(encoding="utf-8") as handle:
        for document in yaml.safe_load_all(handle):
            if document is None:
                continue
            if not isinstance(document, dict):
                raise RenderError(f"{path}: a document is not a mapping")
            documents.append(document)
    return documents


def load_kustomization(directory: Path) -> Resource:
    """The kustomization mapping of ``directory``; unknown keys are refused."""
    path = directory / KUSTOMIZATION_FILE
    if not path.is_file():
        raise RenderError(f"{directory}: no {KUSTOMIZATION_FILE}")
    documents = load_yaml_documents(path)
    if len(documents) != 1:
        raise RenderError(f"{path}: expected exactly one document")
    kustomization = documents[0]
    unknown = set(kustomization) - SUPPORTED_KEYS
    if unknown:
        raise UnsupportedFeature(f"{path}: unsupported keys {sorted(unknown)}")
    return kustomization


def resource_id(resource: Resource) -> tuple[str, str]:
    """The (kind, name) pair that patches are matched on."""
    metadata = resource.get("metadata") or {}
    return str(resource.get("kind")), str(metadata.get("name"))


def strategic_merge(base: Any, patch: Any) -> Any:
    """``patch`` merged into ``base`` (a new object; neither argument is modified)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = copy.deepcopy(base)
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = strategic_merge(merged[key], value)
            else:
                merged[key] = copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(patch, list) and _named_items(base + patch):
        merged_list = [copy.deepcopy(item) for item in base]
        positions = {item["name"]: index for index, item in enumerate(merged_list)}
        for item in patch:
            if item["name"] in positions:
                index = positions[item["name"]]
                merged_list[index] = strategic_merge(merged_list[index], item)
            else:
                merged_list.append(copy.deepcopy(item))
        return merged_list
    return copy.deepcopy(patch)


def _named_items(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(item, dict) and "name" in item for item in items)


def _pod_containers(resource: Resource) -> Iterator[Resource]:
    path = POD_SPEC_PATHS.get(str(resource.get("kind")))
    if path is None:
        return
    node: Any = resource
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return
    for key in ("initContainers", "containers"):
        for container in node.get(key) or []:
            if isinstance(container, dict):
                yield container


def _image_name(image: str) -> str:
    name = image.split("@", 1)[0]
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > last_slash else name


def apply_images(resources: list[Resource], images: list[Resource]) -> None:
    """Rewrite container images matching an ``images`` entry's ``name``, in place."""
    for entry in images:
        if set(entry) - {"name", "newName", "newTag", "digest"}:
            raise UnsupportedFeature(f"images entry {entry!r}")
        for resource in resources:
            for container in _pod_containers(resource):
                current = str(container.get("image", ""))
                if _image_name(current) != entry["name"]:
                    continue
                name = entry.get("newName", entry["name"])
                if "digest" in entry:
                    container["image"] = f"{name}@{entry['digest']}"
                else:
                    tag = entry.get("newTag") or _tag_of(current)
                    container["image"] = f"{name}:{tag}" if tag else str(name)


def _tag_of(image: str) -> str:
    name = image.split("@", 1)[0]
    return name[len(_image_name(name)) + 1 :]


def apply_patches(directory: Path, resources: list[Resource], patches: list[Resource]) -> None:
    """Apply strategic-merge patches in place; a patch must hit an existing resource."""
    for entry in patches:
        if set(entry) - {"path", "patch"}:
            raise UnsupportedFeature(f"patch entry {entry!r} (only path/patch, no target)")
        if "path" in entry:
            documents = load_yaml_documents(directory / entry["path"])
        else:
            documents = [doc for doc in yaml.safe_load_all(entry["patch"]) if doc]
        for patch in documents:
            target = resource_id(patch)
            matches = [i for i, res in enumerate(resources) if resource_id(res) == target]
            if not matches:
                raise RenderError(f"{directory}: patch targets missing resource {target}")
            for index in matches:
                resources[index] = strategic_merge(resources[index], patch)


def render(directory: Path) -> list[Resource]:
    """The resources a kustomization in ``directory`` produces, in declaration order."""
    kustomization = load_kustomization(directory)
    resources: list[Resource] = []
    for entry in kustomization.get("resources") or []:
        path = directory / entry
        if path.is_dir():
            resources.extend(render(path))
        elif path.is_file():
            resources.extend(load_yaml_documents(path))
        else:
            raise RenderError(f"{directory}: resource {entry} does not exist")
    apply_patches(directory, resources, kustomization.get("patches") or [])
    apply_images(resources, kustomization.get("images") or [])
    for label_set in kustomization.get("labels") or []:
        if set(label_set) - {"pairs"}:
            raise UnsupportedFeature(f"labels entry {label_set!r} (only pairs)")
        for resource in resources:
            labels = resource.setdefault("metadata", {}).setdefault("labels", {})
            labels.update(label_set["pairs"])
    namespace = kustomization.get("namespace")
    if namespace:
        for resource in resources:
            if resource.get("kind") not in CLUSTER_SCOPED_KINDS:
                resource.setdefault("metadata", {})["namespace"] = namespace
    ids = [resource_id(resource) for resource in resources]
    duplicates = sorted({rid for rid in ids if ids.count(rid) > 1})
    if duplicates:
        raise RenderError(f"{directory}: duplicate resources {duplicates}")
    return resources


def main(argv: list[str]) -> int:
    """Print the rendered YAML of the kustomization directory in ``argv[0]``."""
    if len(argv) != 1:
        print("usage: kustomize_lite.py DIR", file=sys.stderr)
        return 2
    try:
        resources = render(Path(argv[0]))
    except RenderError as error:
        print(f"kustomize_lite: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(yaml.safe_dump_all(resources, sort_keys=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
