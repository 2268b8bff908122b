"""Response pruning: empty members go, at every depth, in one pass."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cds_service.cards import prune_empty as prune


class TestPrune:
    def test_drops_empty_members_recursively(self) -> None:
        """None, '', [] and {} members are removed at every depth; falsy scalars stay."""
        value = {
            "a": None,
            "b": "",
            "c": [],
            "d": {},
            "e": {"f": [None, {"g": ""}]},
            "h": 0,
            "i": False,
            "j": [1, {}],
        }
        assert prune(value) == {"h": 0, "i": False, "j": [1]}

    @given(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
            lambda children: st.lists(children) | st.dictionaries(st.text(), children),
            max_leaves=40,
        )
    )
    def test_same_result_as_the_two_pass_definition(self, value: Any) -> None:
        """The one-pass prune equals the rule 'prune members, then drop those in (None, "", [],
        {})' on any JSON."""
        assert prune(value) == _reference_prune(value)


def _reference_prune(value: Any) -> Any:
    if isinstance(value, dict):
        pruned = {key: _reference_prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        items = [_reference_prune(item) for item in value]
        return [item for item in items if item not in (None, "", [], {})]
    return value
