"""One module per card topic: each holds one function that returns a ``Finding`` or
``None`` from the judged patient (``fhir_mappings.rules.context.Judged``). The order in
which they run and the safety overlay live in ``fhir_mappings.rules.algorithm``."""
