"""``GET /cds-services``: the discovery document (internal fields stripped)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cds_service.deps import DiscoveryJwtDep, RuntimeDep

router = APIRouter()


@router.get("/cds-services")
async def discovery(runtime: RuntimeDep, _client: DiscoveryJwtDep) -> dict[str, Any]:
    return {"services": [service.discovery() for service in runtime.services.values()]}
