"""Client-JWT helpers for tests against a real ``ln-cds serve`` process.

``EcSigner`` holds a real P-384 key and signs CDS Hooks client JWTs with ES384 (CDS Hooks
2.0 "Trusting CDS Clients": ``iss``, ``aud``, ``exp``, ``iat``, ``jti``; header ``kid`` and
``typ: JWT``). ``serve_jwks`` publishes its public JWK Set over real HTTP on loopback
(a ``ThreadingHTTPServer`` in a daemon thread), as an EHR's JWK Set URL would.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

JWKS_PATH = "/jwks.json"
#: Token lifetime the tests use (exp = now + this), in seconds.
TOKEN_LIFETIME_SECONDS = 300


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class EcSigner:
    """An EHR's signing identity: issuer, key id and a fresh P-384 key (ES384)."""

    issuer: str
    kid: str = "ehr-test-es384"
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP384R1())
    )

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set (one key: kid, use=sig, alg=ES384)."""
        jwk: dict[str, Any] = ECAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "ES384"})
        return {"keys": [jwk]}

    def token(self, audience: str, *, now: float | None = None) -> str:
        """A freshly signed client JWT for ``audience``: unique jti, exp = now + 300 s."""
        issued = int(time.time() if now is None else now)
        claims = {
            "iss": self.issuer,
            "aud": audience,
            "iat": issued,
            "exp": issued + TOKEN_LIFETIME_SECONDS,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(
            claims, self.key, algorithm="ES384", headers={"kid": self.kid, "typ": "JWT"}
        )


def _handler_for(document: Mapping[str, Any]) -> type[BaseHTTPRequestHandler]:
    body = json.dumps(document).encode()

    class JwksHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != JWKS_PATH:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: the test output stays readable."""

    return JwksHandler


@contextmanager
def serve_jwks(document: Mapping[str, Any]) -> Iterator[str]:
    """Serve ``document`` at ``http://127.0.0.1:<port>/jwks.json``; yield that URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(document))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{JWKS_PATH}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
