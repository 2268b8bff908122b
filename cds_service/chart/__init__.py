"""The chart page: a SMART on FHIR app the service serves at ``/chart/``.

The page (``static/``, bundled from ``src/`` by ``npm run build``; the Python package
needs no Node) launches from the EHR or standalone, gets its own access token from the
EHR's authorization server, runs the service's prefetch searches against the FHIR
server itself, posts the resources (never the token) to ``POST /chart/model`` and draws
``cds_service.chart_model``'s answer. ``cds_service.routes.chart`` serves it.

This module holds what the card renderer and the routes share: the link to the chart,
the SMART scopes, and the page's Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from cds_service.fhir_urls import origin_of

if TYPE_CHECKING:
    from cds_service.config import Settings

__all__ = [
    "CHART_LINK_LABEL",
    "EHR_LAUNCH_SCOPE",
    "STANDALONE_LAUNCH_SCOPE",
    "STATIC_DIR",
    "chart_link",
    "content_security_policy",
    "origin_of",
]

#: The built page: HTML, the bundled scripts, the stylesheet, the build record.
STATIC_DIR: Final = Path(__file__).resolve().parent / "static"

#: The card link's label (CDS Hooks 2.0 Link.label).
CHART_LINK_LABEL: Final = "Chart: proteinuria and kidney function"

#: SMART App Launch 1.0 scopes: EHR launch (the EHR gives the patient through ``launch``)
#: and standalone launch (the authorization server asks which patient: ``launch/patient``).
#: Read-only; ``openid fhirUser`` identify the user to the EHR's audit, not to the service.
EHR_LAUNCH_SCOPE: Final = "launch patient/*.read openid fhirUser"
STANDALONE_LAUNCH_SCOPE: Final = "launch/patient patient/*.read openid fhirUser"


def chart_link(settings: Settings) -> dict[str, str] | None:
    """The card link to the chart (CDS Hooks 2.0 Link, ``type: smart``), or ``None``.

    ``None`` unless ``LNCDS_PUBLIC_BASE_URL`` (the URL the EHR opens) and
    ``LNCDS_CHART_CLIENT_ID`` (the chart is registered with the EHR) are both set. The
    EHR opens the URL with ``launch`` and ``iss`` (SMART EHR launch).
    """
    if settings.public_base_url is None or settings.chart_client_id is None:
        return None
    base = str(settings.public_base_url).rstrip("/")
    return {"label": CHART_LINK_LABEL, "url": f"{base}/chart/launch", "type": "smart"}


def content_security_policy(settings: Settings, fhir_origin: str | None) -> str:
    """The pages' CSP: scripts and styles from the service only, no inline code;
    ``connect-src`` the service, the FHIR server chosen at launch and the configured
    authorization servers; framing only by ``LNCDS_CHART_FRAME_ANCESTORS``."""
    fhir = [fhir_origin] if fhir_origin else []
    connect = _unique(["'self'", *fhir, *settings.chart_authorization_origins])
    ancestors = " ".join(settings.chart_frame_ancestors) or "'none'"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"connect-src {' '.join(connect)}",
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {ancestors}",
        )
    )


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
