"""JwtVerifier: the CDS Hooks "Trusting CDS Clients" checks, with real EC P-384 / RSA 2048 keys
and a JWK Set served through an httpx MockTransport."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cds_service.auth import JwtPolicy, JwtRejected, JwtVerifier, VerifiedClient
from cds_service.jwks import JwksCache
from cds_service.replay_cache import MemoryReplayCache
from tests.security._helpers import (
    AUD,
    EC_KID,
    ISS,
    JWKS_URL,
    NOW,
    OTHER_ISS,
    PATH,
    FakeClock,
    JwksServer,
    TokenFactory,
    hs384_with_public_pem,
    public_jwk,
    unsigned_parts,
)

pytestmark = pytest.mark.anyio


def bearer(token: str) -> str:
    return f"Bearer {token}"


async def rejected(verifier: JwtVerifier, header: str | None, path: str = PATH) -> str:
    with pytest.raises(JwtRejected) as info:
        await verifier.verify(header, path)
    return info.value.reason


class TestValidTokens:
    async def test_accepts_es384(self, verifier: JwtVerifier, make_token: TokenFactory) -> None:
        """A correctly signed ES384 token from a trusted issuer yields the verified client."""
        token = make_token(jti="j-1", tenant="t-1", sub="Practitioner/1")
        client = await verifier.verify(bearer(token), PATH)
        assert client == VerifiedClient(
            iss=ISS, jti="j-1", tenant="t-1", sub="Practitioner/1", kid=EC_KID
        )

    async def test_accepts_rs384(self, verifier: JwtVerifier, make_token: TokenFactory) -> None:
        """A correctly signed RS384 token (RSA 2048) is accepted."""
        client = await verifier.verify(bearer(make_token(alg="RS384")), PATH)
        assert client.iss == ISS
        assert client.tenant is None

    async def test_accepts_aud_list_containing_this_endpoint(
        self, verifier: JwtVerifier, make_token: TokenFactory
    ) -> None:
        """aud may be an array; it is enough that it contains this endpoint's URL."""
        token = make_token(aud=["https://elsewhere.example/x", AUD])
        assert (await verifier.verify(bearer(token), PATH)).iss == ISS

    async def test_accepts_jku_equal_to_the_allow_listed_url(
        self, verifier: JwtVerifier, make_token: TokenFactory
    ) -> None:
        """A jku header equal to the issuer's allow-listed JWK Set URL is accepted."""
        token = make_token(header={"jku": JWKS_URL})
        assert (await verifier.verify(bearer(token), PATH)).iss == ISS

    @pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
    async def test_scheme_is_case_insensitive(
        self, verifier: JwtVerifier, make_token: TokenFactory, scheme: str
    ) -> None:
        """The auth scheme is compared case-insensitively (RFC 7235 section 2.1)."""
        client = await verifier.verify(f"{scheme} {make_token()}", PATH)
        assert client.iss == ISS

    @pytest.mark.parametrize("typ", ["JWT", "jwt", "application/jwt"])
    async def test_typ_jwt_in_any_case(
        self, verifier: JwtVerifier, make_token: TokenFactory, typ: str
    ) -> None:
        """typ 'JWT' is compared case-insensitively, 'application/' prefix allowed (RFC 7515
        section 4.1.9)."""
        token = make_token(header={"typ": typ})
        assert (await verifier.verify(bearer(token), PATH)).iss == ISS

    async def test_accepts_the_spec_example_token(self) -> None:
        """The example JWT and JWK Set printed in CDS Hooks 2.0 "Trusting CDS Clients" verify."""
        # Source: HL7/cds-hooks input/pagecontent/index.md, "Trusting CDS Clients" > Example.
        token = (
            "eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCIsImtpZCI6ImV4YW1wbGUta2lkIiwiamt1IjoiaHR0cHM6Ly9"
            "maGlyLWVoci5leGFtcGxlLmNvbS9qd2tfdXJpIn0.eyJpc3MiOiJodHRwczovL2ZoaXItZWhyLmV4YW1wbG"
            "UuY29tLyIsImF1ZCI6Imh0dHBzOi8vY2RzLmV4YW1wbGUub3JnL2Nkcy1zZXJ2aWNlcy9zb21lLXNlcnZp"
            "Y2UiLCJleHAiOjE0MjI1Njg4NjAsImlhdCI6MTMxMTI4MDk3MCwianRpIjoiZWUyMmIwMjEtZTFiNy00Nj"
            "ExLWJhNWItOGVlYzZhMzNhYzFlIiwidGVuYW50IjoiMmRkZDZjM2EtOGU5YS00NGM2LWEzMDUtNTIxMTFh"
            "ZDMwMmEyIn0.d1WfLjGRKlcWB94l9do4cM8REXeYJLL6SGUBO8VHZhfM8mwKYP70EMxJ67War4TQblEpaQ"
            "rp11wx5p7oPFm2ETYgCicS84vXWEIYTdjooZdooCSDf2L8-i4awdoUwiEb"
        )
        jwks = {
            "keys": [
                {
                    "kty": "EC",
                    "use": "sig",
                    "crv": "P-384",
                    "kid": "example-kid",
                    "x": "46SDH7Znh821wblCBglA61sNE9ZrHYKKt3qRtRTmSXyOI_FIGBLWrWa0GPUkDCEk",
                    "y": "XMcRuuoGW7CXjQdy-F5i3FeBE0x9hPLdeFdSoDd3ELmx404tLX0VRRcqzAsPhXcI",
                    "alg": "ES384",
                }
            ]
        }
        jku = "https://fhir-ehr.example.com/jwk_uri"
        server = JwksServer(documents={jku: jwks})
        clock = FakeClock(1_400_000_000)
        policy = JwtPolicy(
            "https://cds.example.org",
            {"https://fhir-ehr.example.com/": jku},
            tenants=frozenset({"2ddd6c3a-8e9a-44c6-a305-52111ad302a2"}),
            # the example's iat (2011) and exp (2015) are years apart: lift the lifetime cap
            max_token_lifetime_seconds=5 * 365 * 24 * 3600,
        )
        async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as http:
            verifier = JwtVerifier(
                policy, JwksCache(http), MemoryReplayCache(clock=clock), clock=clock
            )
            client = await verifier.verify(bearer(token), "/cds-services/some-service")
        assert client.jti == "ee22b021-e1b7-4611-ba5b-8eec6a33ac1e"
        assert client.tenant == "2ddd6c3a-8e9a-44c6-a305-52111ad302a2"


class TestTimeClaims:
    @pytest.mark.parametrize(
        ("exp_offset", "accepted"),
        [(300, True), (1, True), (-29, True), (-30, False), (-31, False), (-3600, False)],
    )
    async def test_exp_with_30_second_leeway(
        self,
        verifier: JwtVerifier,
        make_token: TokenFactory,
        exp_offset: int,
        accepted: bool,
    ) -> None:
        """A token is accepted until exp + leeway (30 s) and rejected from then on."""
        token = make_token(exp=int(NOW) + exp_offset, iat=int(NOW) + exp_offset - 300)
        if accepted:
            assert (await verifier.verify(bearer(token), PATH)).iss == ISS
        else:
            assert await rejected(verifier, bearer(token)) == "token expired"

    @pytest.mark.parametrize(
        ("iat_offset", "accepted"), [(0, True), (29, True), (30, True), (31, False), (600, False)]
    )
    async def test_iat_in_the_future_beyond_leeway(
        self,
        verifier: JwtVerifier,
        make_token: TokenFactory,
        iat_offset: int,
        accepted: bool,
    ) -> None:
        """iat may be ahead of our clock by at most the leeway (clock skew)."""
        token = make_token(iat=int(NOW) + iat_offset, exp=int(NOW) + iat_offset + 300)
        if accepted:
            assert (await verifier.verify(bearer(token), PATH)).iss == ISS
        else:
            assert await rejected(verifier, bearer(token)) == "iat in the future"

    @pytest.mark.parametrize("claim", ["exp", "iat"])
    async def test_exp_and_iat_are_required(
        self, verifier: JwtVerifier, make_token: TokenFactory, claim: str
    ) -> None:
        """A token without exp or iat is rejected."""
        token = make_token(**{claim: None})
        assert await rejected(verifier, bearer(token)) == f"{claim} missing or not a number"

    @pytest.mark.parametrize("value", ["1700000300", True, None])
    async def test_exp_must_be_a_number(
        self, verifier: JwtVerifier, make_token: TokenFactory, value: Any
    ) -> None:
        """exp given as a string or a boolean is not a NumericDate."""
        claims: dict[str, Any] = {"exp": value}
        if value is None:
            claims = {"exp": None}
        token = make_token(**claims)
        assert await rejected(verifier, bearer(token)) == "exp missing or not a number"

    async def test_nbf_in_the_future_is_rejected(
        self, verifier: JwtVerifier, make_token: TokenFactory
    ) -> None:
        """An optional nbf later than now + leeway makes the token not yet valid."""
        token = make_token(nbf=int(NOW) + 120)
        assert await rejected(verifier, bearer(token)) == "token not yet valid (nbf)"

    async def test_exp_before_iat_is_rejected(
        self, verifier: JwtVerifier, make_token: TokenFactory
    ) -> None:
        """A token that expires before it was issued is incoherent and rejected."""
        token = make_token(iat=int(NOW), exp=int(NOW) - 1)
        assert await rejected(verifier, bearer(token)) == "exp before iat"

    @pytest.mark.parametrize(("lifetime", "accepted"), [(330, True), (331, False)])
    async def test_maximum_lifetime(
        self,
        policy: JwtPolicy,
        jwks_cache: JwksCache,
        clock: FakeClock,
        make_token: TokenFactory,
        lifetime: int,
        accepted: bool,
    ) -> None:
        """exp - iat above the maximum lifetime plus the leeway (300 + 30 s) is rejected."""
        strict = JwtPolicy(
            policy.public_base_url, policy.trusted_issuers, max_token_lifetime_seconds=300
        )
        verifier = JwtVerifier(strict, jwks_cache, MemoryReplayCache(clock=clock), clock=clock)
        token = make_token(iat=int(NOW) - 30, exp=int(NOW) - 30 + lifetime)
        if accepted:
            assert (await verifier.verify(bearer(token), PATH)).iss == ISS
        else:
            assert await rejected(verifier, bearer(token)) == "token lifetime exceeds the maximum"

    @pytest.mark.parametrize(("ahead", "accepted"), [(330, True), (331, False)])
    async def test_expiry_at_most_the_maximum_ahead_of_now(
        self, verifier: JwtVerifier, make_token: TokenFactory, ahead: int, accepted: bool
    ) -> None:
        """exp more than the maximum lifetime plus the leeway after now is rejected, even
        when exp - iat is within bounds (iat set ahead, inside the leeway)."""
        token = make_token(iat=int(NOW) + 30, exp=int(NOW) + ahead)
        if accepted:
            assert (await verifier.verify(bearer(token), PATH)).iss == ISS
        else:
            assert await rejected(verifier, bearer(token)) == "exp too far in the future"

    async def test_default_policy_refuses_a_year_long_token(
        self, verifier: JwtVerifier, make_token: TokenFactory
    ) -> None:
        """The default policy caps the lifetime at 300 s: a token valid for a year is refused."""
        assert verifier.policy.max_token_lifetime_seconds == 300
        token = make_token(iat=int(NOW), exp=int(NOW) + 365 * 24 * 3600)
        assert await rejected(verifier, bearer(token)) == "token lifetime exceeds the maximum"


class TestRejections:
    async def test_wrong_aud(self, verifier: JwtVerifier, make_token: TokenFactory) -> None:
        """A token minted for another endpoint is rejected."""
        token = make_token(aud="https://cds.example.org/cds-services/other")
        assert await rejected(verifier, bearer(token)) == "aud does not match this endpoint"

    async def test_aud_for_another_path_of_this_service(
        self, verifier: JwtVerifier, make_token: TokenFactory
    ) -> None:
        """A token for the service endpoint is not valid for discovery (aud is per endpoint)."""
        token = make_token()
        reason = await rejected(verifier, bearer(token), "/cds-services")
        assert reason == "aud does not match this endpoint"

    @pytest.mark.parametrize("aud", [[], ["https://x.example"], [AUD, 3], 7, None])
    async def test_bad_aud_shapes(
        self, verifier: JwtVerifier, make_token: TokenFactory, aud: Any
    ) -> None:
        """aud missing, empty, of the wrong type, or not containing this endpoint is rejected."""
        token = make_token(aud=aud)
        assert (await rejected(verifier, bearer(token))).startswith("aud ")

    async def test_untrusted_iss(self, verifier: JwtVerifier, make_token: TokenFactory) -> None:
        """An issuer not on the allow-list is rejected even with a valid signature."""
        token = make_token(iss="https://evil.example")
        assert await rejected(verifier, bearer(token)) == "iss missing or not on the allow-list"

    async def test_issuer_match_is_exact(
        self, verifier: JwtVerifier, make_token: TokenFactory
    ) -> None:
        """iss is compared as an exact string: a missing trailing slash is another issuer."""
        token = make_token(iss=ISS.rstrip("/"))
        assert await rejected(verifier, bearer(token)) == "iss missing or not on the allow-list"

    async def test_other_key_with_the_same_kid(
        self,
        verifier: JwtVerifier,
        make_token: TokenFactory,
        ec_key_2: ec.EllipticCurvePrivateKey,
    ) -> None:
        """A token signed by a foreign key that claims a trusted kid fails the signature."""
        token = make_token(key=ec_key_2)
        assert (await rejected(verifier, bearer(token))).startswith("signature invalid")

    async def test_alg_none(self, verifier: JwtVerifier) -> None:
        """An unsigned token (alg none) is rejected."""
        token = jwt.encode(
            {"iss": ISS, "aud": AUD, "exp": int(NOW) + 60, "iat": int(NOW), "jti": "n"},
            None,
            algorithm="none",
            headers={"kid": EC_KID},
        )
        assert await rejected(verifier, bearer(token)) == "alg missing or not allowed"

    @pytest.mark.parametrize("key_fixture", ["ec_key", "rsa_key"])
    async def test_hs384_signed_with_the_public_key_pem(
        self, verifier: JwtVerifier, request: pytest.FixtureRequest, key_fixture: str
    ) -> None:
        """Key confusion: HS384 keyed with the issuer's public PEM is rejected."""
        key = request.getfixturevalue(key_fixture)
        claims = {"iss": ISS, "aud": AUD, "exp": int(NOW) + 60, "iat": int(NOW), "jti": "h"}
        token = hs384_with_public_pem(key, {"typ": "JWT", "kid": EC_KID}, claims)
        assert await rejected(verifier, bearer(token)) == "alg missing or not allowed"

    async def test_allowed_alg_not_on_policy(
        self, verifier: JwtVerifier, jwks_server: JwksServer, make_token: TokenFactory
    ) -> None:
        """ES256 is asymmetric but not on this policy's list, so it is rejected."""
        p256 = ec.generate_private_key(ec.SECP256R1())
        jwks_server.documents[JWKS_URL]["keys"].append(public_jwk(p256, "p256", "ES256"))
        token = make_token(alg="ES256", key=p256, header={"kid": "p256"})
        assert await rejected(verifier, bearer(token)) == "alg missing or not allowed"

    async def test_header_alg_swapped_to_match_another_key(
        self, verifier: JwtVerifier, make_token: TokenFactory, ec_key: ec.EllipticCurvePrivateKey
    ) -> None:
        """An ES384 signature presented under the RSA key's kid is rejected (key/alg mismatch)."""
        token = make_token(header={"kid": "rsa-key-1"})
        assert (await rejected(verifier, bearer(token))).startswith(("signature", "token alg"))

    async def test_missing_jti(self, verifier: JwtVerifier, make_token: TokenFactory) -> None:
        """A token without jti cannot be protected against replay and is rejected."""
        token = make_token(jti=None)
        assert await rejected(verifier, bearer(token)) == "jti missing"

    async def test_replayed_jti(self, verifier: JwtVerifier, make_token: TokenFactory) -> None:
        """The same token presented twice is accepted once and rejected the second time."""
        token = make_token(jti="once")
        await verifier.verify(bearer(token), PATH)
        assert await rejected(verifier, bearer(token)) == "jti replayed"

    async def test_same_jti_from_two_issuers_is_not_a_replay(
        self,
        verifier: JwtVerifier,
        jwks_server: JwksServer,
        make_token: TokenFactory,
        ec_key: ec.EllipticCurvePrivateKey,
    ) -> None:
        """jti uniqueness is per issuer: another trusted issuer may reuse the value."""
        jwks_server.documents["https://other-ehr.example.net/jwks"] = {
            "keys": [public_jwk(ec_key, EC_KID, "ES384")]
        }
        await verifier.verify(bearer(make_token(jti="shared")), PATH)
        client = await verifier.verify(bearer(make_token(jti="shared", iss=OTHER_ISS)), PATH)
        assert client.iss == OTHER_ISS

    async def test_rejected_token_does_not_consume_its_jti(
        self, verifier: JwtVerifier, make_token: TokenFactory
    ) -> None:
        """A token failing a check does not record its jti, so it cannot block the real one."""
        await rejected(verifier, bearer(make_token(jti="j", aud="https://wrong.example")))
        assert (await verifier.verify(bearer(make_token(jti="j")), PATH)).jti == "j"

    async def test_jku_not_allow_listed(
        self, verifier: JwtVerifier, jwks_server: JwksServer, make_token: TokenFactory
    ) -> None:
        """A jku other than the issuer's allow-listed URL is rejected without fetching it."""
        token = make_token(header={"jku": "https://evil.example/jwks"})
        reason = await rejected(verifier, bearer(token))
        assert reason == "jku is not the allow-listed JWK Set URL for this iss"
        assert jwks_server.requests == 0

    async def test_jku_of_another_trusted_issuer(
        self, verifier: JwtVerifier, make_token: TokenFactory
    ) -> None:
        """jku must belong to the token's own issuer, not merely to some trusted issuer."""
        token = make_token(header={"jku": "https://other-ehr.example.net/jwks"})
        assert (await rejected(verifier, bearer(token))).startswith("jku")

    @pytest.mark.parametrize(
        ("header", "reason"),
        [
            ({"typ": None}, "typ missing or not JWT"),
            ({"typ": "JOSE"}, "typ missing or not JWT"),
            ({"typ": "at+jwt"}, "typ missing or not JWT"),
            ({"kid": None}, "kid missing"),
            ({"kid": ""}, "kid missing"),
        ],
    )
    async def test_header_requirements(
        self,
        verifier: JwtVerifier,
        make_token: TokenFactory,
        header: dict[str, Any],
        reason: str,
    ) -> None:
        """typ must be JWT and kid must be present."""
        token = make_token(header=header)
        assert await rejected(verifier, bearer(token)) == reason

    async def test_kid_of_wrong_type(self, verifier: JwtVerifier, ec_key: Any) -> None:
        """A non-string kid makes the header malformed (PyJWT refuses it before we look)."""
        claims = {"iss": ISS, "aud": AUD, "exp": int(NOW) + 60, "iat": int(NOW), "jti": "k"}
        signing_input = unsigned_parts({"alg": "ES384", "typ": "JWT", "kid": 5}, claims)
        token = signing_input + ".AAAA"
        assert (await rejected(verifier, bearer(token))).startswith("malformed token")

    @pytest.mark.parametrize(
        ("header", "reason"),
        [
            (None, "missing Authorization header"),
            ("", "missing Authorization header"),
            ("Basic dXNlcjpwYXNz", "Authorization scheme is not Bearer"),
            ("Bearer", "malformed Bearer token"),
            ("Bearer   ", "malformed Bearer token"),
            ("Bearer a b", "malformed Bearer token"),
            ("Bearer " + "a" * 20000, "token too large"),
            ("Bearer not-a-jwt", "malformed token: DecodeError"),
        ],
    )
    async def test_authorization_header_shape(
        self, verifier: JwtVerifier, header: str | None, reason: str
    ) -> None:
        """Missing header, wrong scheme, empty or oversized token, or non-JWT is rejected."""
        assert await rejected(verifier, header) == reason

    async def test_rsa_key_below_2048_bits(
        self, verifier: JwtVerifier, jwks_server: JwksServer, make_token: TokenFactory
    ) -> None:
        """An RS384 token verified with a 1024-bit RSA key is rejected (weak key)."""
        weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        jwks_server.documents[JWKS_URL]["keys"].append(public_jwk(weak, "weak", "RS384"))
        with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
            token = make_token(alg="RS384", key=weak, header={"kid": "weak"})
        assert (await rejected(verifier, bearer(token))).startswith("signature invalid")


class TestTenants:
    @pytest.mark.parametrize(
        ("tenant", "accepted"), [("t-1", True), ("t-2", True), ("t-9", False), (None, False)]
    )
    async def test_tenant_allow_list(
        self,
        policy: JwtPolicy,
        jwks_cache: JwksCache,
        clock: FakeClock,
        make_token: TokenFactory,
        tenant: str | None,
        accepted: bool,
    ) -> None:
        """With a tenant allow-list, only listed tenants are accepted and tenant is required."""
        with_tenants = JwtPolicy(
            policy.public_base_url, policy.trusted_issuers, tenants=frozenset({"t-1", "t-2"})
        )
        verifier = JwtVerifier(
            with_tenants, jwks_cache, MemoryReplayCache(clock=clock), clock=clock
        )
        token = make_token(tenant=tenant)
        if accepted:
            assert (await verifier.verify(bearer(token), PATH)).tenant == tenant
        else:
            assert await rejected(verifier, bearer(token)) == (
                "tenant missing or not on the allow-list"
            )

    async def test_non_string_tenant(self, verifier: JwtVerifier, make_token: TokenFactory) -> None:
        """tenant, when present, must be a string (CDS Hooks: an opaque string)."""
        token = make_token(tenant=42)
        assert await rejected(verifier, bearer(token)) == "tenant is not a string"


class TestLogging:
    async def test_rejection_logs_reason_iss_and_kid_but_never_the_token(
        self,
        verifier: JwtVerifier,
        make_token: TokenFactory,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """A rejection is logged with its reason, iss and kid; no part of the token appears."""
        token = make_token(aud="https://wrong.example")
        with caplog.at_level(logging.WARNING, logger="cds_service.auth"):
            await rejected(verifier, bearer(token))
        text = caplog.text
        assert "aud does not match this endpoint" in text
        assert ISS in text
        assert EC_KID in text
        for part in token.split("."):
            assert part not in text

    async def test_success_logs_nothing_at_warning(
        self,
        verifier: JwtVerifier,
        make_token: TokenFactory,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """An accepted token produces no warning."""
        with caplog.at_level(logging.WARNING):
            await verifier.verify(bearer(make_token()), PATH)
        assert caplog.records == []
