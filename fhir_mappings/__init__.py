"""Pure FHIR -> lupus nephritis assessment: resources in, facts and findings out.

``assess(resources, today=...)`` is the single entry point (see ``docs/design.md``).
``assess`` and ``build_facts`` are imported lazily (PEP 562), so importing a
submodule such as ``fhir_mappings.facts`` never pulls in the whole pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fhir_mappings.findings import PatientAssessment
from fhir_mappings.resources import PatientResources

if TYPE_CHECKING:
    from fhir_mappings.pipeline import assess, build_facts

__all__ = ["PatientAssessment", "PatientResources", "assess", "build_facts"]

_LAZY = frozenset({"assess", "build_facts"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from fhir_mappings import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'fhir_mappings' has no attribute {name!r}")
