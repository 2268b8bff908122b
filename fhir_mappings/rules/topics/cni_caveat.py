"""A response on a calcineurin inhibitor may be antiproteinuric only."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.findings import Finding, ResponseClass, Severity, Topic
from fhir_mappings.rules.context import Judged


def cni_caveat(j: Judged) -> Finding | None:
    """INFO: response on a line containing a calcineurin inhibitor: biopsy before stopping."""
    if not j.line.contains_cni or j.response.classification not in (
        ResponseClass.COMPLETE,
        ResponseClass.PARTIAL,
    ):
        return None
    return Finding(
        topic=Topic.CNI_CAVEAT,
        severity=Severity.INFO,
        summary=wording.summary(
            "Response on a calcineurin inhibitor may be antiproteinuric: biopsy before "
            "stopping or tapering"
        ),
        rationale=(
            "Calcineurin inhibitors lower proteinuria through podocyte effects independent "
            "of immunosuppression; a proteinuria response may not be immunological remission."
        ),
        evidence=j.response_rows(),
        series=j.proteinuria_trend(),
        next_steps=("Consider a kidney biopsy before stopping or tapering therapy.",),
        citations=(j.ruleset.sources.algorithm,),
        notes=j.notes,
    )
