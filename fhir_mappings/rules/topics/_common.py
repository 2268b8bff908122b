"""Words several topics share: the review's biopsy steps and the non-response rule."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.rules.context import Judged

#: The review: a repeat biopsy excludes other lesions and weighs chronicity and activity.
BIOPSY_STEPS = (
    "Exclude other lesions: thrombotic microangiopathy, podocytopathy, APS vasculopathy, "
    "interstitial nephritis.",
    "Assess chronicity versus persisting inflammation (activity).",
)

#: The same, as one step of a longer plan.
REPEAT_BIOPSY_STEP = (
    "Repeat kidney biopsy: exclude other lesions (thrombotic microangiopathy, "
    "podocytopathy, APS vasculopathy, interstitial nephritis) and weigh chronicity against "
    "persisting inflammation (activity)."
)


def no_response_rule(j: Judged) -> str:
    rs = j.ruleset
    cap = f" and < {wording.number(rs.pr_cap_below_g_g)} g/g" + (
        " if nephrotic at baseline" if rs.pr_cap_only_if_nephrotic else ""
    )
    return (
        f"No complete (proteinuria < {wording.number(rs.cr_proteinuria_below_g_g)} g/g) or "
        f"partial (fall >= {wording.percent(rs.pr_min_fall)}{cap}) response after "
        f"{wording.months(j.months)} on {wording.line_label(j.line)} ({rs.title})."
    )
