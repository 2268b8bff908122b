"""ln-cds: a CDS Hooks 2.0 service that flags refractory lupus nephritis (patient-view)."""

__version__ = "0.1.0"
