"""FHIR URLs compared as URLs: the allow-list, next links and references under a base."""

from __future__ import annotations

import pytest

from cds_service.fhir_urls import allowed_base, parse_url, relative_to, under_base

BASE = "https://fhir.example.org/r4"


class TestAllowedBase:
    @pytest.mark.parametrize(
        ("allow", "url", "expected"),
        [
            ([BASE], BASE, BASE),
            ([BASE + "/"], BASE + "/", BASE),
            ([BASE], BASE + "/tenant1", BASE + "/tenant1"),
            ([BASE], "HTTPS://FHIR.Example.org:443/r4", BASE),
            (
                ["http://fhir.example.org:80/r4"],
                "http://fhir.example.org/r4/x",
                "http://fhir.example.org/r4/x",
            ),
            ([BASE], BASE + "x", None),
            (["https://fhir.example.org"], "https://fhir.example.org.evil.com", None),
            ([BASE], "https://fhir.example.org:8443/r4", None),
            ([BASE], "http://fhir.example.org/r4", None),
            ([], BASE, None),
            (["*"], "https://anything.example/fhir", "https://anything.example/fhir"),
            (["*"], "file:///etc/passwd", None),
            (["*"], None, None),
        ],
    )
    def test_prefix_by_segments(self, allow: list[str], url: str | None, expected: object) -> None:
        """A base is allowed when an allow-list entry is a prefix of it, segment by segment
        (scheme and host in any case, an explicit default port the same as none)."""
        assert allowed_base(url, allow) == expected

    @pytest.mark.parametrize(
        "url",
        [
            f"{BASE}/../other",
            f"{BASE}/./x",
            f"{BASE}/%2e%2e/other",
            f"{BASE}/.%2E/other",
            f"{BASE}/%252e%252e/other",
            f"{BASE}/..%2fother",
            f"{BASE}/a%5c..",
            "https://fhir.example.org/r4\\..\\other",
            "https://user@fhir.example.org/r4",
            "https://fhir.example.org@evil.example/r4",
            "https://fhir.exam%70le.org/r4",
            f"{BASE}?tenant=1",
            f"{BASE}#frag",
            f"{BASE}/a b",
            f"{BASE}/\x00",
            "https://fhir.example.org:99999/r4",
        ],
    )
    def test_escapes_refused(self, url: str) -> None:
        """Dot segments (plain or encoded), user info and odd characters are never allowed."""
        assert allowed_base(url, [BASE]) is None
        assert allowed_base(url, ["*"]) is None

    def test_ipv6_host_kept_in_brackets(self) -> None:
        """An IPv6 host keeps its brackets in the normal form."""
        assert allowed_base("http://[::1]:8080/fhir/", ["http://[::1]:8080"]) == (
            "http://[::1]:8080/fhir"
        )


class TestUnderBase:
    @pytest.mark.parametrize(
        ("url", "inside"),
        [
            (f"{BASE}/Observation?page=2", True),
            (f"{BASE}?_getpages=abc&_getpagesoffset=20", True),
            (BASE, True),
            ("https://FHIR.example.org:443/r4/Observation", True),
            (f"{BASE}x/Observation", False),
            (f"{BASE}/../../x", False),
            (f"{BASE}/%2E%2E/%2e%2e/x", False),
            ("https://evil.example/r4/Observation", False),
            ("http://fhir.example.org/r4/Observation", False),
            ("/r4/Observation", False),
            (42, False),
        ],
    )
    def test_under_base(self, url: object, inside: bool) -> None:
        """A URL is under the base only with the same origin and the base's segments first."""
        assert under_base(url, BASE + "/") is inside

    def test_relative_part(self) -> None:
        """relative_to gives the path after the base, or None outside it."""
        assert relative_to(f"{BASE}/Medication/m1/_history/2", BASE) == "Medication/m1/_history/2"
        assert relative_to("https://other.example/r4/Medication/m1", BASE) is None

    def test_parse_keeps_the_query(self) -> None:
        """parse_url keeps the query of a next link and makes the default port explicit."""
        parsed = parse_url(f"{BASE}/Observation?_offset=2")
        assert parsed is not None
        assert (parsed.port, parsed.segments, parsed.query) == (
            443,
            ("r4", "Observation"),
            "_offset=2",
        )
