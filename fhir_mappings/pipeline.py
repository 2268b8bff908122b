"""Resources -> facts -> assessment: the single entry point of ``fhir_mappings``.

``build_facts`` runs every mapper over one patient's resources; ``assess`` adds the
response classification and the review's findings under a named ruleset. Pure: the
evaluation date is a parameter, nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from fhir_mappings.facts import PatientFacts
from fhir_mappings.findings import PatientAssessment
from fhir_mappings.read._access import as_str
from fhir_mappings.read.adherence import estimate_adherence
from fhir_mappings.read.body import body_measures
from fhir_mappings.read.conditions import lupus_nephritis_conditions_with_exclusions
from fhir_mappings.read.medications import MedicationIdentifier
from fhir_mappings.read.observations import map_observations
from fhir_mappings.read.procedures import kidney_biopsies_with_exclusions
from fhir_mappings.read.therapy import (
    build_courses,
    find_induction,
    maintenance_courses,
    map_administrations,
    map_orders,
)
from fhir_mappings.resources import PatientResources, Resource
from fhir_mappings.rules.algorithm import findings_for
from fhir_mappings.rules.response import assess_response
from fhir_mappings.rulesets import DEFAULT_RULESET, get_ruleset


def medications_by_reference(resources: PatientResources) -> dict[str, Resource]:
    """Medication resources keyed ``"Medication/<id>"`` (the first of a duplicate id wins)."""
    out: dict[str, Resource] = {}
    for medication in resources.medications:
        rid = as_str(medication.get("id"))
        if rid is not None:
            out.setdefault(f"Medication/{rid}", medication)
    return out


def build_facts(resources: PatientResources, *, today: date) -> PatientFacts:
    """Every fact the assessment needs about one patient, as of ``today``."""
    medications: Mapping[str, Resource] = medications_by_reference(resources)
    # speed: one memo, so a product is identified once across orders, doses and dispenses
    identify = MedicationIdentifier(medications)
    labs = map_observations(resources.observations)
    conditions, excluded_conditions = lupus_nephritis_conditions_with_exclusions(
        resources.conditions
    )
    biopsies, excluded_procedures = kidney_biopsies_with_exclusions(resources.procedures)
    weight_kg, height_cm, bsa_m2 = body_measures(labs)
    # MedicationStatements are read as orders too (map_orders accepts both types).
    orders = map_orders(
        (*resources.medication_requests, *resources.medication_statements),
        medications,
        weight_kg=weight_kg,
        bsa_m2=bsa_m2,
        identify=identify,
    )
    doses = map_administrations(
        resources.medication_administrations,
        medications,
        weight_kg=weight_kg,
        bsa_m2=bsa_m2,
        identify=identify,
    )
    courses = build_courses(orders, doses, today)
    induction = find_induction(courses, today)
    patient = resources.patient
    return PatientFacts(
        today=today,
        patient_id=as_str(patient.get("id")) if patient is not None else None,
        lupus_nephritis=conditions,
        labs=labs,
        orders=orders,
        courses=courses,
        induction=induction,
        maintenance=maintenance_courses(courses, induction),
        adherence=estimate_adherence(
            courses,
            induction,
            resources.medication_dispenses,
            labs,
            medications,
            today,
            identify=identify,
        ),
        biopsies=biopsies,
        weight_kg=weight_kg,
        height_cm=height_cm,
        body_surface_area_m2=bsa_m2,
        excluded=(*labs.excluded, *excluded_conditions, *excluded_procedures),
    )


def assess(
    resources: PatientResources,
    *,
    today: date,
    ruleset: str = DEFAULT_RULESET,
    show_status: bool = False,
) -> PatientAssessment:
    """Facts, response and findings for one patient (``ValueError`` on an unknown ruleset)."""
    rules = get_ruleset(ruleset)
    facts = build_facts(resources, today=today)
    response = assess_response(facts, rules)
    findings = findings_for(facts, response, rules, show_status=show_status)
    return PatientAssessment(facts=facts, response=response, findings=findings)
