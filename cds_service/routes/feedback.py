"""``POST /cds-services/{id}/feedback``: validated, stored durably and idempotently.

Validation (``hook_models.FeedbackRequest``) happens before the database sees anything. A
write the database still refuses answers 503 and is logged by error class and SQLSTATE
only: a driver's message may quote the row (``DETAIL: Failing row contains ...``), and the
row holds the clinician's comment.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request

from cds_service.deps import ClientJwtDep, RuntimeDep, read_body
from cds_service.errors import ServiceUnavailable
from cds_service.hook_models import parse_feedback

log = logging.getLogger(__name__)
router = APIRouter()


@router.post("/cds-services/{service_id}/feedback")
async def feedback(
    service_id: str, request: Request, runtime: RuntimeDep, _client: ClientJwtDep
) -> dict[str, Any]:
    service = runtime.service(service_id)
    report = parse_feedback(await read_body(request, runtime.settings.max_body_bytes))
    if runtime.store is None:
        raise ServiceUnavailable()
    try:
        new = await runtime.store.arecord(service.id, report.feedback, datetime.now(UTC))
    except sa.exc.SQLAlchemyError as exc:
        sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
        log.error(
            "feedback not stored: database error",
            extra={"error": type(exc).__name__, "sqlstate": sqlstate},
        )
        raise ServiceUnavailable() from None
    log.info("feedback stored", extra={"items": len(report.feedback), "new": new})
    return {}
