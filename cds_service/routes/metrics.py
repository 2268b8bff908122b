"""``GET /metrics``: Prometheus text exposition (never behind the client JWT)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cds_service.metrics import render_latest

router = APIRouter()


@router.get("/metrics")
async def metrics() -> Response:
    body, content_type = render_latest()
    return Response(body, media_type=content_type)
