"""Pseudonyms for patient ids in logs: truncated HMAC-SHA256 under a secret key.

Raw patient ids, tokens and JWTs are never logged; log ``pseudonym(key, id)`` instead.
The same id maps to the same pseudonym within a deployment (same key), so log lines
of one patient can be correlated without revealing who the patient is.
"""

from __future__ import annotations

import hashlib
import hmac

#: Hex characters kept (64 bits): enough to correlate, short enough to read.
PSEUDONYM_HEX_CHARS = 16


def pseudonym(key: str | bytes, patient_id: str | None) -> str:
    """``"p-<16 hex>"`` for a patient id, ``"p-none"`` when there is none."""
    if not patient_id:
        return "p-none"
    key_bytes = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key_bytes, patient_id.encode(), hashlib.sha256).hexdigest()
    return f"p-{digest[:PSEUDONYM_HEX_CHARS]}"
