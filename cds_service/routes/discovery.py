"""``GET /cds-services``: the discovery document (internal fields stripped)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cds_service.deps import RuntimeDep

router = APIRouter()


@router.get("/cds-services")
async def discovery(runtime: RuntimeDep) -> dict[str, Any]:
    return {"services": [service.discovery() for service in runtime.services.values()]}
