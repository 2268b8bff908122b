"""``GET /healthz`` (the process is alive) and ``GET /readyz`` (it can serve)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from cds_service.deps import RuntimeDep
from cds_service.errors import operation_outcome

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(runtime: RuntimeDep) -> dict[str, str] | JSONResponse:
    store_ok = runtime.store is not None and await runtime.store.aping()
    if not store_ok or runtime.fhir is None:
        return JSONResponse(
            operation_outcome("The service is not ready.", code="transient"), status_code=503
        )
    return {"status": "ready"}
