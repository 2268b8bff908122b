"""The reading stage as one call: one patient's resources -> ``PatientFacts``.

Every reader runs once over its resources; the windows the readers use (courses,
lines, refills) come from the ruleset, so one number has one home.
"""

from __future__ import annotations

from datetime import date

from fhir_mappings.facts import PatientFacts
from fhir_mappings.read._access import as_str
from fhir_mappings.read.body import body_measures
from fhir_mappings.read.conditions import lupus_nephritis_conditions_with_exclusions
from fhir_mappings.read.courses import build_courses
from fhir_mappings.read.exposure import read_exposure
from fhir_mappings.read.lines import treatment_history
from fhir_mappings.read.medications import MedicationIdentifier
from fhir_mappings.read.observations import map_observations
from fhir_mappings.read.orders import map_administrations, map_orders, unidentified_medications
from fhir_mappings.read.procedures import kidney_biopsies_with_exclusions
from fhir_mappings.read.safety import read_safety
from fhir_mappings.resources import PatientResources, Resource
from fhir_mappings.rulesets import Ruleset


def medications_by_reference(resources: PatientResources) -> dict[str, Resource]:
    """Medication resources keyed ``"Medication/<id>"`` (the first of a duplicate id wins)."""
    out: dict[str, Resource] = {}
    for medication in resources.medications:
        rid = as_str(medication.get("id"))
        if rid is not None:
            out.setdefault(f"Medication/{rid}", medication)
    return out


def build_facts(resources: PatientResources, *, today: date, ruleset: Ruleset) -> PatientFacts:
    """Every fact the rules need about one patient, as of ``today``."""
    medications = medications_by_reference(resources)
    identify = MedicationIdentifier(medications, resources.server_base)
    labs = map_observations(resources.observations)
    conditions, excluded_conditions = lupus_nephritis_conditions_with_exclusions(
        resources.conditions
    )
    biopsies, excluded_procedures = kidney_biopsies_with_exclusions(resources.procedures)
    weight_kg, height_cm, bsa_m2 = body_measures(labs, ruleset.body)
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
    unidentified = unidentified_medications(
        (
            *resources.medication_requests,
            *resources.medication_statements,
            *resources.medication_administrations,
            *resources.medication_dispenses,
        ),
        identify,
    )
    courses = build_courses(orders, doses, today, ruleset.treatment)
    treatment = treatment_history(
        orders, doses, courses, unidentified, today, ruleset.treatment, ruleset.doses
    )
    exposure = read_exposure(
        treatment.current,
        courses,
        resources.medication_dispenses,
        labs,
        identify,
        today,
        ruleset,
        dispense_gap=resources.gap("MedicationDispense"),
    )
    safety = read_safety(
        resources.patient,
        resources.conditions,
        resources.procedures,
        resources.observations,
        resources.gaps,
        ruleset.safety,
    )
    patient = resources.patient
    return PatientFacts(
        today=today,
        patient_id=as_str(patient.get("id")) if patient is not None else None,
        lupus_nephritis=conditions,
        labs=labs,
        treatment=treatment,
        exposure=exposure,
        biopsies=biopsies,
        safety=safety,
        weight_kg=weight_kg,
        height_cm=height_cm,
        body_surface_area_m2=bsa_m2,
        excluded=(*labs.excluded, *excluded_conditions, *excluded_procedures, *safety.excluded),
        gaps=resources.gaps,
    )
