"""The FHIR test server itself (tests/fhir_server/server.mjs): what the other
integration tests rely on. Each test uses fresh patient ids: the server is shared."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.fhir import observation, quantity

pytestmark = pytest.mark.integration

LOINC = "http://loinc.org"
UPCR = "2890-2"  # LOINC: Protein/Creatinine [Mass Ratio] in Urine (used as a plain token here)
CREATININE = "2160-0"  # LOINC: Creatinine [Mass/volume] in Serum or Plasma
OTHER = "8867-4"  # LOINC: Heart rate (a code the searches below must not match)

LoadBundle = Callable[[str, Mapping[str, Any]], dict[str, Any]]
RunServer = Callable[[Mapping[str, str] | None], AbstractContextManager[str]]


def _observation(subject: str, code: str, day: int) -> dict[str, Any]:
    """An Observation without an id on 2024-01-``day``, its value the day."""
    return observation(
        code,
        patient=None,
        subject={"reference": subject},
        when=f"2024-01-{day:02d}",
        value=quantity(day, "g/g"),
    )


def _patient_bundle(patient_id: str, days: range, codes: tuple[str, ...]) -> dict[str, Any]:
    """A collection Bundle: one Patient with a client id and Observations without ids."""
    entries: list[dict[str, Any]] = [{"resource": {"resourceType": "Patient", "id": patient_id}}]
    for day in days:
        for code in codes:
            entries.append({"resource": _observation(f"Patient/{patient_id}", code, day)})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _follow(first_url: str) -> tuple[list[dict[str, Any]], list[httpx.Response]]:
    """GET ``first_url`` and every ``link[next]`` after it; (entries, responses)."""
    entries: list[dict[str, Any]] = []
    responses: list[httpx.Response] = []
    url: str | None = first_url
    while url is not None:
        assert len(responses) < 100, "link[next] never ends"
        response = httpx.get(url, timeout=30.0)
        assert response.status_code == 200, response.text[:500]
        responses.append(response)
        bundle = response.json()
        entries.extend(bundle.get("entry", []))
        url = next((li["url"] for li in bundle.get("link", []) if li["relation"] == "next"), None)
    return entries, responses


class TestMetadata:
    def test_capability_statement(self, fhir_base_url: str) -> None:
        """GET /metadata answers an R4 (4.0.1) CapabilityStatement as application/fhir+json."""
        response = httpx.get(f"{fhir_base_url}/metadata")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/fhir+json")
        body = response.json()
        assert body["resourceType"] == "CapabilityStatement"
        assert body["fhirVersion"] == "4.0.1"

    def test_unknown_resource_is_404(self, fhir_base_url: str) -> None:
        """A read of a missing resource answers 404 with an OperationOutcome."""
        response = httpx.get(f"{fhir_base_url}/Patient/{uuid.uuid4()}")
        assert response.status_code == 404
        assert response.json()["resourceType"] == "OperationOutcome"

    def test_outside_base_path_is_404(self, fhir_base_url: str) -> None:
        """Only the /fhir base path is served."""
        root = fhir_base_url.removesuffix("/fhir")
        assert httpx.get(f"{root}/Patient").status_code == 404


class TestTransaction:
    def test_urn_uuid_references_are_resolved(
        self, fhir_base_url: str, load_transaction: LoadBundle
    ) -> None:
        """A POSTed Patient gets a server id and urn:uuid references to it are rewritten."""
        full_url = f"urn:uuid:{uuid.uuid4()}"
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": full_url, "resource": {"resourceType": "Patient"}},
                {"resource": _observation(full_url, UPCR, 1)},
            ],
        }
        result = load_transaction(fhir_base_url, bundle)
        location = result["entry"][0]["response"]["location"]
        patient_id = location.split("/")[1]
        assert location.startswith("Patient/")
        search = httpx.get(f"{fhir_base_url}/Observation", params={"patient": patient_id}).json()
        assert [e["resource"]["subject"]["reference"] for e in search["entry"]] == [
            f"Patient/{patient_id}"
        ]

    def test_put_with_client_id_is_idempotent(
        self, fhir_base_url: str, load_transaction: LoadBundle
    ) -> None:
        """Loading the same Bundle twice keeps one Patient under the client's id."""
        patient_id = f"p-{uuid.uuid4()}"
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": {"resourceType": "Patient", "id": patient_id}}],
        }
        load_transaction(fhir_base_url, bundle)
        load_transaction(fhir_base_url, bundle)
        read = httpx.get(f"{fhir_base_url}/Patient/{patient_id}")
        assert read.status_code == 200
        assert read.json()["id"] == patient_id
        search = httpx.get(f"{fhir_base_url}/Patient", params={"_id": patient_id}).json()
        assert search["total"] == 1


class TestSearchPaging:
    @pytest.mark.parametrize("page_size", [1, 3, 7, 50])
    def test_next_links_reach_every_entry_in_order(
        self, fhir_base_url: str, load_transaction: LoadBundle, page_size: int
    ) -> None:
        """Search by patient, token list, -date and _count; link[next] walks all matches."""
        patient_id = f"p-{uuid.uuid4()}"
        load_transaction(fhir_base_url, _patient_bundle(patient_id, range(1, 15), (UPCR, OTHER)))
        load_transaction(fhir_base_url, _patient_bundle(f"p-{uuid.uuid4()}", range(1, 4), (UPCR,)))
        codes = f"{LOINC}|{UPCR},{LOINC}|{CREATININE}"
        first = (
            f"{fhir_base_url}/Observation?patient={patient_id}&code={codes}"
            f"&_sort=-date&_count={page_size}"
        )
        entries, responses = _follow(first)
        dates = [e["resource"]["effectiveDateTime"] for e in entries]
        assert len(entries) == 14
        assert dates == sorted(dates, reverse=True)
        assert len({e["resource"]["id"] for e in entries}) == 14
        assert len(responses) == -(-14 // page_size)
        assert all(r.json()["total"] == 14 for r in responses)

    def test_links_are_absolute_on_the_server_base(
        self, fhir_base_url: str, load_transaction: LoadBundle
    ) -> None:
        """self and next links are absolute URLs under the server's base with the next _offset."""
        patient_id = f"p-{uuid.uuid4()}"
        load_transaction(fhir_base_url, _patient_bundle(patient_id, range(1, 6), (UPCR,)))
        bundle = httpx.get(
            f"{fhir_base_url}/Observation", params={"patient": patient_id, "_count": "2"}
        ).json()
        links = {li["relation"]: li["url"] for li in bundle["link"]}
        assert set(links) == {"self", "next"}
        assert all(url.startswith(f"{fhir_base_url}/Observation?") for url in links.values())
        query = parse_qs(urlsplit(links["next"]).query)
        assert query["_offset"] == ["2"]
        assert query["_count"] == ["2"]

    def test_last_page_has_no_next_link(
        self, fhir_base_url: str, load_transaction: LoadBundle
    ) -> None:
        """A search that fits in one page carries a self link and no next link."""
        patient_id = f"p-{uuid.uuid4()}"
        load_transaction(fhir_base_url, _patient_bundle(patient_id, range(1, 3), (UPCR,)))
        bundle = httpx.get(f"{fhir_base_url}/Observation", params={"patient": patient_id}).json()
        assert [li["relation"] for li in bundle["link"]] == ["self"]
        assert bundle["total"] == 2

    def test_max_page_size_clamps_count(
        self, small_page_fhir_base_url: str, small_page_size: int, load_transaction: LoadBundle
    ) -> None:
        """FHIR_MAX_PAGE_SIZE caps _count, so a large _count still pages."""
        patient_id = f"p-{uuid.uuid4()}"
        load_transaction(
            small_page_fhir_base_url, _patient_bundle(patient_id, range(1, 6), (UPCR,))
        )
        first = f"{small_page_fhir_base_url}/Observation?patient={patient_id}&_count=250"
        entries, responses = _follow(first)
        assert len(entries) == 5
        assert [len(r.json().get("entry", [])) for r in responses] == [small_page_size] * 2 + [1]


class TestDelay:
    def test_delay_env_slows_every_request(self, run_fhir_server_with: RunServer) -> None:
        """FHIR_DELAY_MS adds at least that many milliseconds to each answer."""
        with run_fhir_server_with({"FHIR_DELAY_MS": "300"}) as base_url:
            started = time.monotonic()
            response = httpx.get(f"{base_url}/metadata")
            elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert elapsed >= 0.3


class TestSwitches:
    def test_ignored_params_refused_types_and_hapi_links(
        self, run_fhir_server_with: RunServer, load_transaction: LoadBundle
    ) -> None:
        """FHIR_IGNORE_PARAMS drops parameters (here _sort: stored order), FHIR_REFUSE_TYPES
        answers 400 not-supported, FHIR_HAPI_PAGING puts next links on the base."""
        env = {
            "FHIR_IGNORE_PARAMS": "_sort",
            "FHIR_REFUSE_TYPES": "Procedure",
            "FHIR_HAPI_PAGING": "1",
        }
        with run_fhir_server_with(env) as base_url:
            patient_id = f"p-{uuid.uuid4()}"
            load_transaction(base_url, _patient_bundle(patient_id, range(1, 8), (UPCR,)))
            first = f"{base_url}/Observation?patient={patient_id}&_sort=-date&_count=3"
            entries, responses = _follow(first)
            refused = httpx.get(f"{base_url}/Procedure", params={"patient": patient_id})
        dates = [e["resource"]["effectiveDateTime"] for e in entries]
        assert dates == sorted(dates)  # stored order, oldest first: _sort ignored
        assert len(responses) == 3
        next_url = next(li["url"] for li in responses[0].json()["link"] if li["relation"] == "next")
        split = urlsplit(next_url)
        assert f"{split.scheme}://{split.netloc}{split.path}" == base_url
        assert parse_qs(split.query)["_getpagesoffset"] == ["3"]
        assert refused.status_code == 400
        assert refused.json()["issue"][0]["code"] == "not-supported"

    def test_reused_connection_is_closed_unanswered(self, run_fhir_server_with: RunServer) -> None:
        """FHIR_DROP_REUSED: a keep-alive connection answers once and is closed, unanswered,
        when reused; a new connection is answered again."""
        with run_fhir_server_with({"FHIR_DROP_REUSED": "1"}) as base_url:
            with httpx.Client(timeout=10.0) as client:
                first = client.get(f"{base_url}/metadata")
                with pytest.raises(httpx.RemoteProtocolError):
                    client.get(f"{base_url}/metadata")
            again = httpx.get(f"{base_url}/metadata")
        assert first.status_code == 200
        assert first.headers.get("connection", "keep-alive").lower() == "keep-alive"
        assert again.status_code == 200
