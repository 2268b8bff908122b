"""Stage two: facts + ruleset + evaluation date -> findings (``fhir_mappings.findings``).

Every module here applies rules to facts that ``fhir_mappings.read`` produced; none of
them reads FHIR JSON.
"""
