"""``POST /cds-services/{id}/feedback``: validated, stored durably and idempotently."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

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
    new = await runtime.store.arecord(service.id, report.feedback, datetime.now(UTC))
    log.info("feedback stored", extra={"items": len(report.feedback), "new": new})
    return {}
