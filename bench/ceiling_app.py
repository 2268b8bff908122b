"""The stack's ceiling: a bare FastAPI app that only reads and parses the hook body.

Same route shape as ln-cds (``POST /cds-services/{service_id}``), same body reading
(``request.body()``), one ``orjson.loads`` and a fixed one-card answer: whatever
ln-cds does beyond this is the cost of its own work. Served by ``run_bench.py`` with
the same uvicorn settings as ``ln-cds serve`` (one worker, ``log_config=None``,
``proxy_headers=True``).
"""

from __future__ import annotations

import orjson
from fastapi import FastAPI, Request, Response

#: A fixed card, shaped like one of ln-cds's (CDS Hooks 2.0 card required fields).
FIXED_CARD = orjson.dumps(
    {
        "cards": [
            {
                "uuid": "00000000-0000-4000-8000-000000000000",
                "summary": "Ceiling: body parsed, fixed card",
                "indicator": "info",
                "source": {"label": "bench ceiling"},
            }
        ]
    }
)

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.post("/cds-services/{service_id}")
async def call_hook(service_id: str, request: Request) -> Response:
    body = orjson.loads(await request.body())
    if not isinstance(body, dict):
        return Response(status_code=400)
    return Response(FIXED_CARD, media_type="application/json")


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
