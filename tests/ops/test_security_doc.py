"""The README's Security section states the limits the code enforces, with the code's values."""

from __future__ import annotations

from pathlib import Path

import pytest

from cds_service import hook_models
from cds_service.auth import DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_CHARS
from cds_service.config import MIB, Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def security_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Security")
    return text[start : text.index("\n## ", start + 1)]


def table_row(label: str) -> str:
    lines = (line.strip() for line in security_section().splitlines())
    (row,) = [line for line in lines if line.startswith(f"| {label} |")]
    return row


class TestSecurityLimits:
    def test_body_size(self) -> None:
        """The body limit row names the setting and its default."""
        default = Settings.model_fields["max_body_bytes"].default
        row = table_row("hook and feedback body")
        assert f"`LNCDS_MAX_BODY_BYTES` ({default // MIB} MiB)" in row

    def test_media_types(self) -> None:
        """The media type row names every accepted type and the 415."""
        row = table_row("body media type")
        assert all(f"`{media_type}`" in row for media_type in hook_models.JSON_MEDIA_TYPES)
        assert row.endswith("| 415 |")

    def test_client_jwt(self) -> None:
        """The JWT size and the lifetime cap are stated with their values."""
        assert f"{MAX_TOKEN_CHARS // 1024} KiB" in table_row("client JWT")
        lifetime = int(DEFAULT_MAX_TOKEN_LIFETIME_SECONDS)
        assert f"a lifetime\n  of at most {lifetime} s" in security_section()

    @pytest.mark.parametrize(
        "phrase",
        [
            f"1-{hook_models.MAX_FEEDBACK_ITEMS} items",
            f"at most {hook_models.MAX_SUGGESTIONS_PER_ITEM} accepted suggestions",
            f"(id: {hook_models.MAX_SUGGESTION_ID_CHARS} characters)",
            f"card uuid {hook_models.MAX_CARD_UUID_CHARS}",
            f"`system` {hook_models.MAX_CODING_SYSTEM_CHARS}",
            f"`code` {hook_models.MAX_CODING_CODE_CHARS}",
            f"`display` {hook_models.MAX_CODING_DISPLAY_CHARS}",
            f"`userComment` {hook_models.MAX_USER_COMMENT_CHARS:,}",
            f"from {hook_models.OUTCOME_TIMESTAMP_RANGE[0].year} to before "
            f"{hook_models.OUTCOME_TIMESTAMP_RANGE[1].year} in UTC",
        ],
    )
    def test_feedback_limits(self, phrase: str) -> None:
        """Each feedback limit appears in the feedback row with the value hook_models holds."""
        assert phrase in table_row("feedback report")
