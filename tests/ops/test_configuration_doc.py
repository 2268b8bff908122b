"""docs/configuration.md documents every setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cds_service.config import Settings, env_name

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


class TestConfigurationDoc:
    @pytest.mark.parametrize("field", sorted(Settings.model_fields))
    def test_every_setting_is_documented(self, field: str) -> None:
        """Each Settings field has a table row naming LNCDS_<FIELD> in docs/configuration.md."""
        rows = [
            line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("|")
        ]
        assert any(f"`{env_name(field)}`" in row for row in rows)

    def test_no_stale_settings(self) -> None:
        """Every LNCDS_ variable the document names is a real setting."""
        named = set(re.findall(r"LNCDS_[A-Z_]+[A-Z]", DOC.read_text(encoding="utf-8")))
        assert named <= {env_name(field) for field in Settings.model_fields}

    def test_env_name(self) -> None:
        """env_name maps a field to its environment variable."""
        assert env_name("redis_url") == "LNCDS_REDIS_URL"
