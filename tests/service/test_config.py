"""Settings from the environment, and the allow-list rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cds_service.config import ConfigurationError, Settings, jwt_policy
from cds_service.fhir_urls import allowed_base

KEY = "p" * 32


class TestSettingsFromEnv:
    def test_comma_lists_parse_from_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Comma-separated LNCDS_ lists become lists (not JSON), trimmed and without blanks."""
        monkeypatch.setenv(
            "LNCDS_FHIR_SERVER_ALLOWLIST", "https://a.example/fhir/, https://b.example/r4,"
        )
        monkeypatch.setenv(
            "LNCDS_CORS_ORIGINS", "https://ehr.example,https://sandbox.cds-hooks.org"
        )
        monkeypatch.setenv("LNCDS_PSEUDONYM_KEY", KEY)
        settings = Settings()
        assert settings.fhir_server_allowlist == ["https://a.example/fhir", "https://b.example/r4"]
        assert settings.cors_origins == ["https://ehr.example", "https://sandbox.cds-hooks.org"]

    def test_scalars_and_json_headers_from_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Booleans, numbers and the JSON extra-header object are read from LNCDS_ variables."""
        monkeypatch.setenv("LNCDS_REQUIRE_JWT", "false")
        monkeypatch.setenv("LNCDS_MAX_PAGES_PER_SEARCH", "3")
        monkeypatch.setenv("LNCDS_FHIR_EXTRA_HEADERS", '{"Epic-Client-ID": "abc"}')
        monkeypatch.setenv("LNCDS_LOG_LEVEL", "debug")
        settings = Settings()
        assert settings.require_jwt is False
        assert settings.max_pages_per_search == 3
        assert settings.fhir_extra_headers == {"Epic-Client-ID": "abc"}
        assert settings.log_level == "DEBUG"

    def test_defaults(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without environment, JWT is required, nothing is allow-listed and the key is random."""
        for name in ("LNCDS_REQUIRE_JWT", "LNCDS_FHIR_SERVER_ALLOWLIST", "LNCDS_PSEUDONYM_KEY"):
            monkeypatch.delenv(name, raising=False)
        first, second = Settings(), Settings()
        assert first.require_jwt is True
        assert first.fhir_server_allowlist == []
        assert first.max_body_bytes == 2 * 1024 * 1024
        assert first.pseudonym_key.get_secret_value() != second.pseudonym_key.get_secret_value()

    @pytest.mark.parametrize(
        ("env", "value"),
        [
            ("LNCDS_CORS_ORIGINS", "*"),
            ("LNCDS_PSEUDONYM_KEY", "changeme"),
            ("LNCDS_PSEUDONYM_KEY", "short"),
            ("LNCDS_LOG_FORMAT", "xml"),
            ("LNCDS_MAX_PAGES_PER_SEARCH", "0"),
        ],
    )
    def test_bad_values_refused(
        self, monkeypatch: pytest.MonkeyPatch, env: str, value: str
    ) -> None:
        """Wildcard CORS, placeholder secrets and out-of-range values are refused at start-up."""
        monkeypatch.setenv(env, value)
        with pytest.raises(ValidationError):
            Settings()


class TestAllowList:
    @pytest.mark.parametrize(
        ("allow", "url", "allowed"),
        [
            (["https://fhir.example/r4"], "https://fhir.example/r4", True),
            (["https://fhir.example/r4"], "https://fhir.example/r4/", True),
            (["https://fhir.example/r4/"], "https://fhir.example/r4/tenant1", True),
            (["https://fhir.example/r4"], "https://fhir.example/r4x", False),
            (["https://fhir.example"], "https://fhir.example.evil.com", False),
            (["https://fhir.example/r4"], "http://other.example", False),
            ([], "https://fhir.example/r4", False),
            (["*"], "https://anything.example/fhir", True),
            (["*"], "file:///etc/passwd", False),
            (["*"], None, False),
            (["https://allowed/base"], "https://allowed/base/../other", False),
            (["https://allowed/base"], "https://allowed/base/%2e%2e/other", False),
            (["https://allowed/base"], "https://allowed/base/./x", False),
            (["*"], "https://allowed/base/../other", False),
            (["https://allowed/base"], "https://allowed/base2", False),
            (["https://allowed/base"], "https://allowed/base/2", True),
            (["https://allowed/base"], "HTTPS://ALLOWED/base", True),
            (["HTTPS://Allowed/base"], "https://allowed/base/t1", True),
            (["https://allowed/base"], "https://allowed/BASE", False),  # paths keep their case
            (["https://allowed/base"], "https://allowed:443/base", True),
            (["https://allowed:443/base"], "https://allowed/base", True),
            (["http://allowed/base"], "http://allowed:80/base/", True),
            (["https://allowed/base"], "https://allowed:8443/base", False),
            (["https://allowed/base"], "http://allowed/base", False),
            (["https://allowed/base"], "https://user@allowed/base", False),
            (["https://allowed/base"], "https://allowed/base?x=1", False),
        ],
    )
    def test_prefix_at_path_boundary(
        self, allow: list[str], url: str | None, allowed: bool
    ) -> None:
        """A server is allowed when an allow-listed base is a prefix of it, compared as URLs
        (scheme and host in any case, the default port or none, whole path segments); dot
        segments, user info and a query are refused."""
        settings = Settings(fhir_server_allowlist=allow, pseudonym_key=KEY)
        assert settings.fhir_server_allowed(url) is allowed

    @pytest.mark.parametrize(
        "url",
        [
            "https://allowed/base",
            "HTTPS://Allowed:443/base/t1/",
            "https://allowed/base/../other",
            "https://allowed/base2",
            "https://allowed:8443/base",
            "https://allowed/base/%2E/x",
        ],
    )
    def test_one_rule_with_the_hook(self, url: str) -> None:
        """The setting and the hook's fhirServer check are one rule (fhir_urls.allowed_base)."""
        allow = ["https://allowed/base"]
        settings = Settings(fhir_server_allowlist=allow, pseudonym_key=KEY)
        assert settings.fhir_server_allowed(url) is (allowed_base(url, allow) is not None)


ISS = "https://ehr.example.org"
JWKS = "https://ehr.example.org/.well-known/jwks.json"


class TestJwtSettings:
    def test_jwt_settings_from_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Issuers (JSON), algorithms and tenants (comma lists) and Redis come from LNCDS_."""
        monkeypatch.setenv("LNCDS_PSEUDONYM_KEY", KEY)
        monkeypatch.setenv("LNCDS_TRUSTED_ISSUERS", f'{{"{ISS}": "{JWKS}"}}')
        monkeypatch.setenv("LNCDS_JWT_ALGORITHMS", "ES384, ES256")
        monkeypatch.setenv("LNCDS_TENANT_ALLOWLIST", "t1,t2")
        monkeypatch.setenv("LNCDS_REDIS_URL", "redis://r:6379/0")
        monkeypatch.setenv("LNCDS_WORKERS", "4")
        settings = Settings()
        assert settings.trusted_issuers == {ISS: JWKS}
        assert settings.jwt_algorithms == ["ES384", "ES256"]
        assert settings.tenant_allowlist == ["t1", "t2"]
        assert settings.redis_url is not None
        assert settings.redis_url.get_secret_value() == "redis://r:6379/0"
        assert settings.workers == 4

    def test_defaults(self) -> None:
        """Defaults: the recommended algorithms, 30 s leeway, public discovery, one worker."""
        settings = Settings(pseudonym_key=KEY)
        assert settings.jwt_algorithms == ["ES384", "RS384"]
        assert settings.jwt_leeway_seconds == 30
        assert settings.discovery_requires_jwt is False
        assert settings.workers == 1
        assert settings.redis_url is None

    @pytest.mark.parametrize("algorithms", ["none", "HS256", "ES384,HS384", ""])
    def test_refuses_unsafe_algorithms(self, algorithms: str) -> None:
        """none, HMAC algorithms and an empty list are refused."""
        with pytest.raises(ValidationError, match="jwt_algorithms"):
            Settings(pseudonym_key=KEY, jwt_algorithms=algorithms)

    @pytest.mark.parametrize(
        "issuers", ["{", "[]", '{"x": 1}', '{"x": "not-a-url"}', '{"": "https://a/jwks"}']
    )
    def test_refuses_bad_issuers(self, issuers: str) -> None:
        """Trusted issuers that are not a JSON object of iss -> absolute URL are refused."""
        with pytest.raises(ValidationError, match="trusted_issuers"):
            Settings(pseudonym_key=KEY, trusted_issuers=issuers)

    def test_policy_from_settings(self) -> None:
        """jwt_policy carries the public URL, issuers, algorithms, leeway and tenants."""
        settings = Settings(
            pseudonym_key=KEY,
            public_base_url="https://cds.example.org/ln",
            trusted_issuers={ISS: JWKS},
            jwt_algorithms="ES384",
            jwt_leeway_seconds=5,
            tenant_allowlist="t1",
        )
        policy = jwt_policy(settings)
        assert policy is not None
        assert policy.audience_for("/cds-services/x") == "https://cds.example.org/ln/cds-services/x"
        assert dict(policy.trusted_issuers) == {ISS: JWKS}
        assert policy.algorithms == ("ES384",)
        assert policy.leeway_seconds == 5
        assert policy.tenants == frozenset({"t1"})

    def test_no_policy_when_jwt_off(self) -> None:
        """With require_jwt false there is no policy and nothing else is required."""
        assert jwt_policy(Settings(pseudonym_key=KEY, require_jwt=False)) is None

    def test_issuers_file_is_merged(self, tmp_path: Path) -> None:
        """Issuers from LNCDS_TRUSTED_ISSUERS_FILE join those of LNCDS_TRUSTED_ISSUERS."""
        path = tmp_path / "issuers.json"
        path.write_text('{"https://other.example.net": "https://other.example.net/jwks"}')
        settings = Settings(
            pseudonym_key=KEY, trusted_issuers={ISS: JWKS}, trusted_issuers_file=path
        )
        assert settings.load_trusted_issuers() == {
            ISS: JWKS,
            "https://other.example.net": "https://other.example.net/jwks",
        }

    def test_conflicting_issuer_urls_refused(self, tmp_path: Path) -> None:
        """One issuer with two different JWK Set URLs is a configuration error."""
        path = tmp_path / "issuers.json"
        path.write_text(f'{{"{ISS}": "https://elsewhere.example.org/jwks"}}')
        settings = Settings(
            pseudonym_key=KEY, trusted_issuers={ISS: JWKS}, trusted_issuers_file=path
        )
        with pytest.raises(ConfigurationError, match="different JWK Set URLs"):
            settings.load_trusted_issuers()


class TestCardSettings:
    def test_from_env(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The card source and the local protocol are read from their LNCDS_ variables."""
        monkeypatch.setenv("LNCDS_CARD_SOURCE_LABEL", "Renal CDS,  Example Hospital")
        monkeypatch.setenv("LNCDS_CARD_SOURCE_URL", "https://intranet.example.org/cds")
        monkeypatch.setenv("LNCDS_LOCAL_PROTOCOL_URL", " http://intranet.example.org/ln ")
        monkeypatch.setenv("LNCDS_LOCAL_PROTOCOL_LABEL", "LN protocol")
        settings = Settings()
        assert settings.card_source_label == "Renal CDS, Example Hospital"
        assert settings.card_source_url == "https://intranet.example.org/cds"
        assert settings.local_protocol_url == "http://intranet.example.org/ln"
        assert settings.local_protocol_label == "LN protocol"

    def test_defaults(self) -> None:
        """By default the cards name the project, and no local protocol is linked."""
        settings = Settings()
        assert settings.card_source_label == "ln-cds: refractory lupus nephritis"
        assert settings.card_source_url == "https://github.com/ln-cds/ln-cds"
        assert settings.local_protocol_url is None
        assert settings.local_protocol_label == "Local protocol"

    @pytest.mark.parametrize(
        "url",
        [
            "javascript:alert(1)",
            "ftp://files.example.org/protocol.pdf",
            "intranet.example.org/protocol",
            "https://",
            "https://intranet.example.org/a protocol",
            "https://intranet.example.org/\x07",
            "http://[::1",
        ],
    )
    @pytest.mark.parametrize("field", ["card_source_url", "local_protocol_url"])
    def test_only_web_urls(self, field: str, url: str) -> None:
        """A card link must be an http(s) URL with a host: anything else stops start-up."""
        with pytest.raises(ValidationError, match="http"):
            Settings(**{field: url})

    @pytest.mark.parametrize("field", ["card_source_label", "local_protocol_label"])
    def test_labels_are_not_blank(self, field: str) -> None:
        with pytest.raises(ValidationError):
            Settings(**{field: " \n "})
