"""Response not assessable, or the regimen unknown: say what is missing and how to fix it."""

from __future__ import annotations

from fhir_mappings import wording
from fhir_mappings.facts import PatientFacts, UnidentifiedMedication
from fhir_mappings.findings import Finding, ResponseClass, Severity, Topic
from fhir_mappings.rules import actions
from fhir_mappings.rules.context import Judged
from fhir_mappings.rules.response import unreadable_proteinuria_after
from fhir_mappings.rulesets import Ruleset


def data_gap(j: Judged) -> Finding | None:
    """INFO: no baseline, no recent or an unreadable latest proteinuria: order a UPCR."""
    if j.response.classification is not ResponseClass.INSUFFICIENT_DATA:
        return None
    rs = j.ruleset
    latest = j.response.latest_proteinuria
    notes: list[str] = []
    if j.response.baseline_proteinuria is None:
        what = "no baseline proteinuria"
        notes.append(
            "The baseline cannot be measured afterwards: a UPCR now gives a reference for "
            "judging the coming months."
        )
    elif latest is not None and unreadable_proteinuria_after(j.facts, latest.day):
        what = "latest proteinuria unreadable"
    else:
        what = "no recent proteinuria"
    return Finding(
        topic=Topic.DATA_GAP,
        severity=Severity.INFO,
        summary=wording.summary(f"Response not assessable: {what}. Order a UPCR"),
        rationale=(
            f"Response ({rs.title}) is judged from a baseline proteinuria and a recent one. "
            f"The service takes the baseline within {rs.baseline_days_before} days before the "
            f"start of the line, or {rs.baseline_days_after} days after it, and the latest "
            f"from the last {rs.latest_max_age_days} days (its own windows: the guideline "
            "sets none)."
        ),
        evidence=j.response_rows(),
        series=j.proteinuria_trend(),
        next_steps=(
            "Measure the urine protein/creatinine ratio (a spot sample as drafted, or on a "
            "24 h urine collection).",
        ),
        actions=(actions.lab(actions.UPCR_LOINC, "Order UPCR", "Response assessment"),),
        citations=(rs.response_citation,),
        notes=(*j.response.reasons, *notes, *j.notes),
    )


def regimen_unknown(
    facts: PatientFacts, unidentified: tuple[UnidentifiedMedication, ...], ruleset: Ruleset
) -> Finding:
    """INFO: orders whose medication could not be read make the regimen unknown."""
    named = ", ".join(u.source_id or u.reference for u in unidentified)
    return Finding(
        topic=Topic.DATA_GAP,
        severity=Severity.INFO,
        summary=wording.summary(
            f"Regimen unknown: {len(unidentified)} medication order(s) could not be read ({named})"
        ),
        rationale=(
            "An order refers to a medication that could not be read, so it may be a lupus "
            "nephritis agent: the line of therapy, and with it the response, the dose and the "
            "options, cannot be judged until it is."
        ),
        evidence=(),
        next_steps=(
            "Check the medication of each order named; make the Medication readable to this "
            "service (or record the drug by code).",
        ),
        citations=(ruleset.sources.algorithm,),
        notes=tuple(
            f"{u.source_id or 'an order'} refers to {u.reference}"
            + (f" (dated {wording.day(u.when)})" if u.when else "")
            for u in unidentified
        ),
    )
