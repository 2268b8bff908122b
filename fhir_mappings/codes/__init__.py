"""Terminology tables (LOINC, RxNorm, ICD-10-CM, SNOMED CT, CPT), each entry with its source."""
