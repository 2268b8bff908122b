"""Helpers shared by the test suite: FHIR JSON built the way EHRs send it."""
