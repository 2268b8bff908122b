"""JwtPolicy construction and the trusted-issuer allow-list parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from cds_service.auth import JwtPolicy, parse_trusted_issuers, read_trusted_issuers

ISSUERS = {"https://ehr.example.org": "https://ehr.example.org/jwks"}


class TestJwtPolicy:
    @pytest.mark.parametrize(
        "algorithms",
        [("none",), ("HS256",), ("HS384",), ("HS512",), ("ES384", "HS384"), ("NONE",), ()],
    )
    def test_refuses_none_symmetric_or_empty_algorithms(self, algorithms: tuple[str, ...]) -> None:
        """A policy allowing 'none', any HMAC algorithm, or nothing at all cannot be built."""
        with pytest.raises(ValueError, match="algorithms"):
            JwtPolicy("https://cds.example.org", ISSUERS, algorithms=algorithms)

    def test_defaults_to_the_recommended_algorithms(self) -> None:
        """Without an explicit list, ES384 and RS384 (the spec's recommendations) are allowed."""
        policy = JwtPolicy("https://cds.example.org", ISSUERS)
        assert policy.algorithms == ("ES384", "RS384")

    def test_refuses_empty_issuer_list(self) -> None:
        """A policy that could never accept any client is a configuration error."""
        with pytest.raises(ValueError, match="trusted_issuers is empty"):
            JwtPolicy("https://cds.example.org", {})

    @pytest.mark.parametrize("url", ["cds.example.org", "/cds", "ftp://cds.example.org", ""])
    def test_refuses_relative_or_non_http_base_url(self, url: str) -> None:
        """The public base URL must be absolute http(s), since aud is built from it."""
        with pytest.raises(ValueError, match="public_base_url"):
            JwtPolicy(url, ISSUERS)

    def test_refuses_relative_jwks_url(self) -> None:
        """Every issuer's JWK Set URL must be absolute http(s)."""
        with pytest.raises(ValueError, match="JWKS URL"):
            JwtPolicy("https://cds.example.org", {"https://ehr": "/jwks"})

    def test_refuses_negative_leeway_and_non_positive_lifetime(self) -> None:
        """Leeway below zero and a zero maximum lifetime are rejected."""
        with pytest.raises(ValueError, match="leeway"):
            JwtPolicy("https://cds.example.org", ISSUERS, leeway_seconds=-1)
        with pytest.raises(ValueError, match="lifetime"):
            JwtPolicy("https://cds.example.org", ISSUERS, max_token_lifetime_seconds=0)

    def test_issuer_map_is_a_read_only_copy(self) -> None:
        """Mutating the dict passed in does not change the policy, and the policy's map is
        read-only."""
        issuers = dict(ISSUERS)
        policy = JwtPolicy("https://cds.example.org", issuers)
        issuers["https://evil.example"] = "https://evil.example/jwks"
        assert "https://evil.example" not in policy.trusted_issuers
        with pytest.raises(TypeError):
            policy.trusted_issuers["x"] = "y"  # type: ignore[index]

    @pytest.mark.parametrize(
        ("base", "path", "expected"),
        [
            ("https://cds.example.org", "/cds-services", "https://cds.example.org/cds-services"),
            ("https://cds.example.org/", "/cds-services", "https://cds.example.org/cds-services"),
            (
                "https://proxy.example.org/ln/",
                "/cds-services/x",
                "https://proxy.example.org/ln/cds-services/x",
            ),
        ],
    )
    def test_audience_joins_base_and_path(self, base: str, path: str, expected: str) -> None:
        """aud is the public base URL (trailing slash ignored) followed by the path."""
        assert JwtPolicy(base, ISSUERS).audience_for(path) == expected


class TestParseTrustedIssuers:
    def test_parses_an_object_of_issuer_to_url(self) -> None:
        """A JSON object {iss: jwks_url} becomes a dict."""
        text = '{"https://a.example": "https://a.example/jwks", "b": "http://localhost/j"}'
        assert parse_trusted_issuers(text) == {
            "https://a.example": "https://a.example/jwks",
            "b": "http://localhost/j",
        }

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("{not json", "not valid JSON"),
            ('["https://a"]', "non-empty object"),
            ("{}", "non-empty object"),
            ('{"": "https://a/jwks"}', "empty issuer"),
            ('{"https://a": 3}', "must be a string"),
            ('{"https://a": "jwks.json"}', "absolute http"),
        ],
    )
    def test_rejects_bad_documents_with_a_clear_message(self, text: str, message: str) -> None:
        """Malformed allow-lists fail with a message saying what is wrong."""
        with pytest.raises(ValueError, match=message):
            parse_trusted_issuers(text)

    def test_reads_from_a_file(self, tmp_path: Path) -> None:
        """read_trusted_issuers parses a file's content."""
        path = tmp_path / "issuers.json"
        path.write_text('{"https://a.example": "https://a.example/jwks"}', encoding="utf-8")
        assert read_trusted_issuers(path) == {"https://a.example": "https://a.example/jwks"}

    def test_file_errors_name_the_file(self, tmp_path: Path) -> None:
        """A missing or invalid file raises ValueError naming the file."""
        missing = tmp_path / "nope.json"
        with pytest.raises(ValueError, match=r"nope\.json"):
            read_trusted_issuers(missing)
        bad = tmp_path / "bad.json"
        bad.write_text("[]", encoding="utf-8")
        with pytest.raises(ValueError, match=r"bad\.json"):
            read_trusted_issuers(bad)
