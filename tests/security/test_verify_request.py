"""verify_request: the Starlette/FastAPI adapter (Authorization header, app-local path)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from cds_service.auth import JwtRejected, JwtVerifier, request_path, verify_request
from tests.security._helpers import AUD, ISS, PATH, TokenFactory

pytestmark = pytest.mark.anyio


def make_request(path: str, authorization: str | None = None, root_path: str = "") -> Request:
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "server": ("10.0.0.5", 8000),  # the internal address: aud must not depend on it
        "path": path,
        "root_path": root_path,
        "query_string": b"",
        "headers": headers,
    }
    return Request(scope)


class TestRequestPath:
    @pytest.mark.parametrize(
        ("path", "root_path", "expected"),
        [
            (PATH, "", PATH),
            ("/ln" + PATH, "/ln", PATH),
            ("/ln", "/ln", "/"),
            (PATH, "/ln", PATH),
        ],
    )
    def test_strips_the_asgi_root_path(self, path: str, root_path: str, expected: str) -> None:
        """The path used for aud is app-local: an ASGI root_path prefix is removed."""
        assert request_path(make_request(path, root_path=root_path)) == expected


class TestVerifyRequest:
    async def test_verifies_the_authorization_header_against_the_public_url(
        self, verifier: JwtVerifier, make_token: TokenFactory
    ) -> None:
        """aud is checked against the configured public URL, not the internal host:port."""
        request = make_request(PATH, f"Bearer {make_token(aud=AUD)}")
        assert (await verify_request(verifier, request)).iss == ISS

    async def test_behind_a_prefixing_proxy(
        self, verifier: JwtVerifier, make_token: TokenFactory
    ) -> None:
        """With root_path set by the server, the app-local path still yields the right aud."""
        request = make_request("/ln" + PATH, f"Bearer {make_token()}", root_path="/ln")
        assert (await verify_request(verifier, request)).iss == ISS

    async def test_missing_header_is_rejected(self, verifier: JwtVerifier) -> None:
        """A request with no Authorization header is rejected."""
        with pytest.raises(JwtRejected, match="missing Authorization header"):
            await verify_request(verifier, make_request(PATH))
