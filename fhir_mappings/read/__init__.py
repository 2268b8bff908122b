"""Stage one: FHIR R4 JSON -> clinical facts (``fhir_mappings.facts``).

Every module here reads one kind of resource defensively (wrong types read as absent,
never raise) and returns frozen facts. Nothing here judges the facts: that is
``fhir_mappings.rules``.
"""
