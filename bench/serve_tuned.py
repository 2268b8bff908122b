"""``ln-cds serve`` with one change, for ``run_bench.py --variant gc-freeze``: what-if only.

Imports the app and everything a hook call touches, then ``gc.collect(); gc.freeze()``
(Python docs, ``gc.freeze``: move all tracked objects to a permanent generation that
later collections ignore) before handing over to the real ``ln-cds`` command line.
The ~120,000 objects of the imported libraries (FastAPI, pydantic, fhir.resources,
SQLAlchemy) are then no longer scanned by every full collection that the ~10,000
containers of each parsed hook body trigger. The proposed fix belongs in the app's
start-up (``cds_service.app`` lifespan or ``cli._serve``), not here.
"""

from __future__ import annotations

import gc
import sys

# everything a hook call touches is imported before the freeze
import cds_service.app
import cds_service.cards
import cds_service.cli
import fhir_mappings  # noqa: F401  (imported before the freeze)

if __name__ == "__main__":
    gc.collect()
    gc.freeze()
    sys.exit(cds_service.cli.main(sys.argv[1:]))
