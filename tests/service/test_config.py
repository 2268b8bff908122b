"""Settings from the environment, and the allow-list rule."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cds_service.config import Settings

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
        ],
    )
    def test_prefix_at_path_boundary(
        self, allow: list[str], url: str | None, allowed: bool
    ) -> None:
        """A server is allowed when an allow-listed base is a prefix at a path boundary."""
        settings = Settings(fhir_server_allowlist=allow, pseudonym_key=KEY)
        assert settings.fhir_server_allowed(url) is allowed
