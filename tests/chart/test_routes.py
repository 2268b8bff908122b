"""cds_service.routes.chart: the pages, their CSP, the config and POST /chart/model."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_service.chart import CHART_LINK_LABEL, chart_link, content_security_policy, origin_of
from cds_service.chart_model import chart_model
from cds_service.config import Settings
from cds_service.demo import load_patients
from cds_service.routes.chart import FHIR_ORIGIN_COOKIE
from cds_service.service_definition import build_service
from fhir_mappings.resources import PatientResources
from fhir_mappings.rulesets import RULESETS
from tests.chart._helpers import CLIENT_ID, FHIR_BASE, TODAY, ChartClient, chart_settings
from tests.robustness.strategies import fhirish, json_values

FHIR_ORIGIN = "https://fhir.example.org"


def demo_resources(slug: str = "a-refractory") -> list[dict[str, Any]]:
    (patient,) = load_patients(TODAY, slugs=(slug,))
    return patient.resources()


def directives(response: Any) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def assert_outcome(response: Any, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    if code is not None:
        assert body["issue"][0]["code"] == code


class TestChartOff:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/chart/"),
            ("GET", f"/chart/launch?iss={FHIR_BASE}"),
            ("GET", "/chart/assets/app.js"),
            ("GET", "/chart/config"),
            ("POST", "/chart/model"),
        ],
    )
    def test_every_route_404_without_a_client_id(
        self, make_client: Callable[..., ChartClient], method: str, path: str
    ) -> None:
        """Without LNCDS_CHART_CLIENT_ID the chart does not exist (404, OperationOutcome)."""
        client = make_client(chart_client_id=None)
        assert_outcome(client.request(method, path, json={"resources": []}), 404, "not-found")


class TestPages:
    def test_app_page_with_a_strict_policy(self, client: ChartClient) -> None:
        """/chart/ is HTML with scripts and styles from the service only, nothing inline."""
        response = client.get("/chart/")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        policy = directives(response)
        assert policy["default-src"] == ["'none'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["connect-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert "unsafe" not in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"

    def test_pages_have_no_inline_script_or_style(self, client: ChartClient) -> None:
        """Neither page holds a script body, an event handler or a style attribute."""
        for path in ("/chart/", f"/chart/launch?iss={FHIR_BASE}"):
            html = client.get(path).text
            tags = html.split("<script")[1:]
            assert tags
            assert all(re.match(r' type="module" src="[^"]+"></script>', tag) for tag in tags)
            assert " style=" not in html
            assert "<style" not in html
            assert not re.search(r"\son[a-z]+\s*=", html)  # no onclick=, onload=

    def test_launch_names_the_fhir_server_and_remembers_it(self, client: ChartClient) -> None:
        """The launch's CSP connects to the iss origin; a cookie carries it to /chart/."""
        response = client.get("/chart/launch", params={"iss": FHIR_BASE, "launch": "abc"})
        assert response.status_code == 200
        assert directives(response)["connect-src"] == ["'self'", FHIR_ORIGIN]
        cookie = SimpleCookie(response.headers["set-cookie"])[FHIR_ORIGIN_COOKIE]
        assert cookie.value == FHIR_ORIGIN
        assert cookie["httponly"] is True
        assert cookie["samesite"].lower() == "lax"
        assert cookie["path"] == ""  # the launch's folder, whatever prefix a proxy adds
        back = client.get("/chart/", params={"code": "c", "state": "s"})
        assert directives(back)["connect-src"] == ["'self'", FHIR_ORIGIN]

    @pytest.mark.parametrize(
        "iss",
        [
            None,
            "",
            "https://evil.example.org/r4",
            "https://fhir.example.org/other",
            "javascript:alert(1)",
            "https://user@fhir.example.org/r4",
        ],
    )
    def test_launch_refuses_a_fhir_server_off_the_allow_list(
        self, client: ChartClient, iss: str | None
    ) -> None:
        """A launch from a server the allow-list does not admit answers 400."""
        params = {"iss": iss} if iss is not None else {}
        assert_outcome(client.get("/chart/launch", params=params), 400, "required")

    def test_a_forged_cookie_opens_nothing(self, client: ChartClient) -> None:
        """A cookie naming another origin is ignored: the page connects to itself only."""
        client.cookies.set(FHIR_ORIGIN_COOKIE, "https://evil.example.org")
        assert directives(client.get("/chart/"))["connect-src"] == ["'self'"]

    def test_authorization_servers_and_frame_ancestors(
        self, make_client: Callable[..., ChartClient]
    ) -> None:
        """Configured authorization servers may be connected to, configured EHRs may frame."""
        client = make_client(
            chart_authorization_origins="https://auth.example.org",
            chart_frame_ancestors="https://ehr.example.org,https://ehr2.example.org:8443",
        )
        policy = directives(client.get("/chart/launch", params={"iss": FHIR_BASE}))
        assert policy["connect-src"] == ["'self'", FHIR_ORIGIN, "https://auth.example.org"]
        assert policy["frame-ancestors"] == [
            "https://ehr.example.org",
            "https://ehr2.example.org:8443",
        ]

    def test_any_server_allowed_still_names_only_the_launch(
        self, make_client: Callable[..., ChartClient]
    ) -> None:
        """With the allow-list at '*' the CSP names the launch's server, not every server."""
        client = make_client(fhir_server_allowlist="*")
        response = client.get("/chart/launch", params={"iss": "https://any.example.net:9443/fhir"})
        assert directives(response)["connect-src"] == ["'self'", "https://any.example.net:9443"]


class TestAssets:
    @pytest.mark.parametrize(
        ("name", "media_type"),
        [
            ("app.js", "text/javascript"),
            ("launch.js", "text/javascript"),
            ("chart.css", "text/css"),
            ("THIRD-PARTY-LICENSES.txt", "text/plain"),
        ],
    )
    def test_built_assets_are_served(self, client: ChartClient, name: str, media_type: str) -> None:
        """The bundle's scripts, stylesheet and licences are served with their type."""
        response = client.get(f"/chart/assets/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        assert response.headers["x-content-type-options"] == "nosniff"

    @pytest.mark.parametrize(
        "name",
        ["build-info.json", "index.html", "missing.js", "..%2F..%2Fchart_model.py", ".hidden.js"],
    )
    def test_nothing_else_is(self, client: ChartClient, name: str) -> None:
        """Anything but a built script, stylesheet or licence text is 404."""
        assert client.get(f"/chart/assets/{name}").status_code == 404


class TestConfig:
    def test_what_the_page_needs(self, client: ChartClient) -> None:
        """Client id, scopes, the service's own prefetch templates, bounds and rulesets."""
        config = client.get("/chart/config").json()
        assert config["clientId"] == CLIENT_ID
        assert config["scope"]["ehr"].split() == ["launch", "patient/*.read", "openid", "fhirUser"]
        assert "launch/patient" in config["scope"]["standalone"].split()
        assert config["prefetch"] == build_service().prefetch
        assert config["maxPagesPerSearch"] == 10
        assert config["ruleset"] == "kdigo-2024"
        assert [r["name"] for r in config["rulesets"]] == list(RULESETS)


class TestModel:
    def test_answers_the_chart_model(self, client: ChartClient) -> None:
        """The posted resources give the chart model at the service's clock, not cached."""
        resources = demo_resources()
        response = client.post("/chart/model", json={"resources": resources})
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        expected = chart_model(PatientResources.from_resources(resources), TODAY, "kdigo-2024")
        assert response.json() == json.loads(json.dumps(expected))

    @pytest.mark.parametrize("ruleset", sorted(RULESETS))
    def test_ruleset_chosen(self, client: ChartClient, ruleset: str) -> None:
        """The request may choose the ruleset."""
        body = {"resources": demo_resources(), "ruleset": ruleset}
        assert client.post("/chart/model", json=body).json()["ruleset"]["name"] == ruleset

    def test_default_ruleset_is_the_services(self, make_client: Callable[..., ChartClient]) -> None:
        """Without a ruleset (or with null) the service's LNCDS_RULESET applies."""
        client = make_client(ruleset="eular-2019")
        for body in ({"resources": []}, {"resources": [], "ruleset": None}):
            assert client.post("/chart/model", json=body).json()["ruleset"]["name"] == "eular-2019"

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            (b"not json", "structure"),
            (b"", "structure"),
            (b"[]", "structure"),
            (b'"resources"', "structure"),
            (b"{}", "required"),
            (b'{"resources": {}}', "required"),
            (b'{"resources": "Observation"}', "required"),
            (b'{"resources": [1, 2]}', "required"),
            (b'{"resources": [{}], "ruleset": "kdigo-1999"}', "required"),
            (b'{"resources": [], "ruleset": 2024}', "required"),
        ],
    )
    def test_bad_input_is_400(self, client: ChartClient, body: bytes, code: str) -> None:
        """Anything but {"resources": [objects], "ruleset": known?} is 400 with an outcome."""
        response = client.post(
            "/chart/model", content=body, headers={"Content-Type": "application/json"}
        )
        assert_outcome(response, 400, code)

    def test_body_limit(self, make_client: Callable[..., ChartClient]) -> None:
        """A body over LNCDS_MAX_BODY_BYTES is 413, declared or streamed."""
        client = make_client(max_body_bytes=4096)
        big = orjson.dumps({"resources": [{"resourceType": "Basic", "x": "a" * 5000}]})
        assert_outcome(client.post("/chart/model", content=big), 413, "too-costly")

        async def chunks() -> Any:
            yield big[:3000]
            yield big[3000:]

        assert_outcome(client.post("/chart/model", content=chunks()), 413, "too-costly")

    def test_nothing_stored_nothing_logged(
        self, client: ChartClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The posted record is neither stored (feedback store untouched) nor logged."""
        database = tmp_path / "feedback.sqlite3"
        before = _rows(database)
        resources = demo_resources()
        with caplog.at_level(logging.DEBUG):
            assert client.post("/chart/model", json={"resources": resources}).status_code == 200
        assert _rows(database) == before
        logged = " ".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
        for resource in resources:
            assert resource["id"] not in logged

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        resources=st.lists(st.one_of(fhirish, fhirish, json_values), max_size=12),
        ruleset=st.one_of(st.none(), st.sampled_from(sorted(RULESETS)), json_values),
    )
    def test_never_a_server_error(self, client: ChartClient, resources: Any, ruleset: Any) -> None:
        """No JSON body makes the model route answer 5xx: a chart (200) or a 400."""
        response = client.post("/chart/model", json={"resources": resources, "ruleset": ruleset})
        assert response.status_code in (200, 400), response.text


def _rows(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
        return {
            name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in tables
            if not name.startswith("sqlite_") and not name.startswith("ix_")
        }


class TestChartLink:
    def test_link_when_public_and_registered(self, tmp_path: Path) -> None:
        """With a public base URL and a client id the card links to the SMART launch."""
        settings = chart_settings(tmp_path, public_base_url="https://cds.example.org/ln/")
        assert chart_link(settings) == {
            "label": CHART_LINK_LABEL,
            "url": "https://cds.example.org/ln/chart/launch",
            "type": "smart",
        }

    @pytest.mark.parametrize(
        "overrides",
        [{}, {"public_base_url": "https://cds.example.org", "chart_client_id": None}],
    )
    def test_no_link_otherwise(self, tmp_path: Path, overrides: dict[str, Any]) -> None:
        """Without a public base URL, or with the chart off, there is no link."""
        assert chart_link(chart_settings(tmp_path, **overrides)) is None


class TestOrigins:
    @pytest.mark.parametrize(
        ("url", "origin"),
        [
            ("https://FHIR.example.org/r4/", "https://fhir.example.org"),
            ("http://127.0.0.1:8080/fhir", "http://127.0.0.1:8080"),
            ("https://[::1]:8443/fhir", "https://[::1]:8443"),
            ("https://user:pw@fhir.example.org/r4", None),
            ("ftp://fhir.example.org", None),
            ("https://", None),
            ("https://a.org:99999/", None),
            ("https://a b.org/", None),
            ("https://a.org;script-src *", None),
        ],
    )
    def test_origin_of(self, url: str, origin: str | None) -> None:
        """origin_of gives scheme://host[:port] in lower case, or None for anything odd."""
        assert origin_of(url) == origin

    @pytest.mark.parametrize(
        "value", ["*", "https://a.org/path", "https://a.org; script-src *", "a.org", "'self'"]
    )
    def test_settings_refuse_what_is_not_an_origin(self, tmp_path: Path, value: str) -> None:
        """The chart's origin settings go into a CSP, so they hold origins and nothing else."""
        with pytest.raises(ValueError, match="not origins"):
            chart_settings(tmp_path, chart_authorization_origins=value)

    def test_policy_lists_each_origin_once(self, tmp_path: Path) -> None:
        """An authorization server on the FHIR server's origin is named once."""
        settings: Settings = chart_settings(
            tmp_path, chart_authorization_origins=f"{FHIR_ORIGIN},https://auth.example.org"
        )
        policy = content_security_policy(settings, FHIR_ORIGIN)
        assert f"connect-src 'self' {FHIR_ORIGIN} https://auth.example.org;" in policy
