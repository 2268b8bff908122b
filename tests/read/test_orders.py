"""read.orders: MedicationRequests and MedicationStatements -> orders, MedicationAdministrations
-> doses given, and the resources whose medication cannot be read."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fhir_mappings.facts import Agent, DoseGiven, Route, UnidentifiedMedication
from fhir_mappings.read.medications import MedicationIdentifier
from fhir_mappings.read.orders import (
    map_administrations,
    map_orders,
    unidentified_medications,
)
from tests.support import ehr

from ._builders import RX, SCT

Json = dict[str, Any]


def _request(
    medication: str | Json = "200060",
    *,
    status: str | None = "active",
    intent: str | None = "order",
    dosage: list[Json] | None = None,
    **fields: Any,
) -> Json:
    concept = (
        {"coding": [{"system": RX, "code": medication}]}
        if isinstance(medication, str)
        else medication
    )
    resource: Json = {
        "resourceType": "MedicationRequest",
        "id": "r",
        "medicationCodeableConcept": concept,
    }
    if status is not None:
        resource["status"] = status
    if intent is not None:
        resource["intent"] = intent
    if dosage is not None:
        resource["dosageInstruction"] = dosage
    resource.update(fields)
    return resource


def _bid(value: float = 2, unit: str = "{tbl}", **repeat: Any) -> Json:
    timing: Json = {"code": {"coding": [{"code": "BID"}]}}
    if repeat:
        timing["repeat"] = repeat
    return {"timing": timing, "doseAndRate": [{"doseQuantity": {"value": value, "code": unit}}]}


def _statement(status: str = "active", **fields: Any) -> Json:
    return {
        "resourceType": "MedicationStatement",
        "id": "s",
        "status": status,
        "medicationCodeableConcept": {"text": "Imuran 50 mg tablet"},
        "dosage": [
            {
                "timing": {"code": {"coding": [{"code": "QD"}]}},
                "doseAndRate": [{"doseQuantity": {"value": 2, "code": "{tbl}"}}],
            }
        ],
        **fields,
    }


class TestMapOrders:
    @pytest.mark.parametrize(
        ("status", "kept"),
        [
            ("active", True),
            ("on-hold", True),
            ("completed", True),
            ("stopped", True),
            ("unknown", True),
            (None, True),
            ("draft", False),
            ("cancelled", False),
            ("entered-in-error", False),
            ("bogus", False),
        ],
    )
    def test_status(self, status: str | None, kept: bool) -> None:
        """Drafts, cancelled and erroneous orders are left out; the rest kept."""
        assert bool(map_orders([_request(status=status)], {})) is kept

    @pytest.mark.parametrize(
        ("intent", "kept"),
        [
            ("order", True),
            ("original-order", True),
            ("reflex-order", True),
            ("filler-order", True),
            ("instance-order", True),
            (None, True),
            ("proposal", False),
            ("plan", False),
            ("option", False),
        ],
    )
    def test_intent(self, intent: str | None, kept: bool) -> None:
        """Proposals, plans and options are left out; orders kept."""
        assert bool(map_orders([_request(intent=intent)], {})) is kept

    def test_do_not_perform(self) -> None:
        """doNotPerform=true is left out."""
        assert map_orders([_request(doNotPerform=True)], {}) == ()

    def test_unrecognised_drug_and_junk(self) -> None:
        """Unrecognised drugs and non-dicts are skipped."""
        assert map_orders([_request("197361"), "x", None], {}) == ()

    def test_tablets_to_daily_dose(self) -> None:
        """2 x 500 mg tablets BID gives 1000 mg per dose, 2000 mg/day, oral from the form."""
        (order,) = map_orders([_request(dosage=[_bid()], authoredOn="2024-03-01")], {})
        assert (order.dose_mg, order.daily_dose_mg, order.route, order.start) == (
            1000.0,
            2000.0,
            Route.ORAL,
            date(2024, 3, 1),
        )
        assert (order.source_id, order.status, order.intent) == (
            "MedicationRequest/r",
            "active",
            "order",
        )

    def test_epic_request(self) -> None:
        """An Epic-shaped request (RxNorm SCD, boundsPeriod, timing.code BID, route text)
        reads as the order it is."""
        dosage = ehr.timed_dose(3, code="BID", bounds=("2026-01-05", None))
        request = ehr.med_request("e1", "2026-01-04", concept=ehr.MMF_500_SCD, dosage=[dosage])
        (order,) = map_orders([request], {})
        assert (order.medication.agent, order.authored_on, order.start, order.end) == (
            Agent.MYCOPHENOLATE_MOFETIL,
            date(2026, 1, 4),
            date(2026, 1, 5),
            None,
        )
        assert (order.daily_dose_mg, order.interval_days, order.route) == (3000.0, 0.5, Route.ORAL)

    def test_bounds_period(self) -> None:
        """boundsPeriod gives start and end ahead of authoredOn."""
        dosage = _bid(boundsPeriod={"start": "2024-02-01", "end": "2024-08-01"})
        (order,) = map_orders([_request(dosage=[dosage], authoredOn="2024-01-20")], {})
        assert (order.authored_on, order.start, order.end) == (
            date(2024, 1, 20),
            date(2024, 2, 1),
            date(2024, 8, 1),
        )

    def test_bounds_of_a_later_instruction(self) -> None:
        """The first instruction with a boundsPeriod gives the dates."""
        later = _bid(boundsPeriod={"start": "2024-02-01"})
        (order,) = map_orders([_request(dosage=[_bid(), later], authoredOn="2024-01-20")], {})
        assert order.start == date(2024, 2, 1)

    def test_finite_iv_schedule(self) -> None:
        """'500 mg IV every 2 weeks x 6' ends 70 days after the start, route from SNOMED."""
        dosage = {
            "route": {"coding": [{"system": SCT, "code": "47625008"}]},
            "timing": {"repeat": {"period": 2, "periodUnit": "wk", "count": 6}},
            "doseAndRate": [{"doseQuantity": {"value": 500, "code": "mg"}}],
        }
        (order,) = map_orders([_request("3002", dosage=[dosage], authoredOn="2024-01-01")], {})
        assert (order.route, order.planned_doses, order.interval_days, order.end) == (
            Route.INTRAVENOUS,
            6,
            14.0,
            date(2024, 3, 11),
        )

    def test_route_from_the_product(self) -> None:
        """With no route in the dosage, the product's RxNorm row gives it (rituximab IV)."""
        (order,) = map_orders([_request("1657867", dosage=[{"text": "per protocol"}])], {})
        assert order.route is Route.INTRAVENOUS

    def test_per_m2_with_bsa(self) -> None:
        """An NIH-style 750 mg/m2 order keeps mg/m2 and converts with the BSA."""
        dosage = {"doseAndRate": [{"doseQuantity": {"value": 750, "code": "mg/m2"}}]}
        (order,) = map_orders([_request("3002", dosage=[dosage])], {}, bsa_m2=1.6)
        assert (order.dose_per_m2_mg, order.dose_mg) == (750.0, 1200.0)

    def test_per_kg_with_weight(self) -> None:
        """A 10 mg/kg order keeps mg/kg and converts with the weight."""
        dosage = {"doseAndRate": [{"doseQuantity": {"value": 10, "code": "mg/kg"}}]}
        (order,) = map_orders([_request("3002", dosage=[dosage])], {}, weight_kg=70)
        assert (order.dose_per_kg_mg, order.dose_mg) == (10.0, 700.0)

    @pytest.mark.parametrize(
        ("dispense", "end"),
        [
            (
                {"expectedSupplyDuration": {"value": 30, "code": "d"}, "numberOfRepeatsAllowed": 2},
                date(2024, 3, 31),
            ),
            ({"expectedSupplyDuration": {"value": 4, "unit": "weeks"}}, date(2024, 1, 29)),
            ({"expectedSupplyDuration": {"value": 10, "unit": "days"}}, date(2024, 1, 11)),
            ({"expectedSupplyDuration": {"value": 1, "unit": "week"}}, date(2024, 1, 8)),
            ({"expectedSupplyDuration": {"value": 1, "unit": "month"}}, date(2024, 2, 1)),
            ({"expectedSupplyDuration": {"value": 3, "unit": "months"}}, date(2024, 4, 2)),
            ({"expectedSupplyDuration": {"value": 2, "unit": "day"}}, date(2024, 1, 3)),
            ({"validityPeriod": {"end": "2024-06-30"}}, date(2024, 6, 30)),
            (
                {
                    "expectedSupplyDuration": {"value": 30, "code": "d"},
                    "numberOfRepeatsAllowed": -1,
                    "validityPeriod": {"end": "2024-06-30"},
                },
                date(2024, 6, 30),
            ),
            ({"expectedSupplyDuration": {"value": 30, "code": "fortnight"}}, date(2024, 1, 1)),
            ({"expectedSupplyDuration": {"value": -30, "code": "d"}}, date(2024, 1, 1)),
            ({"expectedSupplyDuration": {"value": 30}}, date(2024, 1, 1)),
            ({}, date(2024, 1, 1)),
        ],
        ids=[
            "supply-with-repeats",
            "weeks",
            "days",
            "week",
            "month",
            "months",
            "day",
            "validity",
            "negative-repeats",
            "unknown-unit",
            "negative-supply",
            "no-unit",
            "nothing",
        ],
    )
    def test_completed_end(self, dispense: Json, end: date) -> None:
        """A completed order with no end ends at its expected supply (times the fills
        allowed), else its validity end, else its start."""
        request = _request(status="completed", authoredOn="2024-01-01", dispenseRequest=dispense)
        (order,) = map_orders([request], {})
        assert order.end == end

    def test_completed_without_a_date_has_no_end(self) -> None:
        """A completed order with no date at all has neither start nor end."""
        (order,) = map_orders([_request(status="completed")], {})
        assert (order.start, order.end) == (None, None)

    @pytest.mark.parametrize("authored", ["2024-02-30", "2024-13", "2024-1-5", "yesterday"])
    def test_a_date_that_cannot_be_read_is_no_date(self, authored: str) -> None:
        """authoredOn of a day that does not exist, or not a FHIR date, gives no start."""
        (order,) = map_orders([_request(authoredOn=authored)], {})
        assert (order.authored_on, order.start) == (None, None)

    def test_active_without_end(self) -> None:
        """An active order with no end is open."""
        (order,) = map_orders([_request(authoredOn="2024-01-01")], {})
        assert order.end is None

    def test_dosage_text_kept(self) -> None:
        """Dosage texts are joined for display."""
        (order,) = map_orders([_request(dosage=[{"text": "1 g bid"}, {"text": "with food"}])], {})
        assert order.dosage_text == "1 g bid; with food"


class TestMapStatements:
    @pytest.mark.parametrize(
        ("status", "kept"),
        [
            ("active", True),
            ("completed", True),
            ("stopped", True),
            ("on-hold", True),
            ("intended", False),
            ("not-taken", False),
            ("entered-in-error", False),
            ("unknown", False),
        ],
    )
    def test_status(self, status: str, kept: bool) -> None:
        """MedicationStatements that say the drug is or was taken count, with their
        effectivePeriod dates and dose."""
        statement = _statement(status, effectivePeriod={"start": "2023-01-01", "end": "2023-06-01"})
        orders = map_orders([statement], {})
        assert bool(orders) is kept
        if kept:
            assert (orders[0].start, orders[0].end, orders[0].daily_dose_mg) == (
                date(2023, 1, 1),
                date(2023, 6, 1),
                100.0,
            )
            assert (orders[0].intent, orders[0].status) == ("statement", status)

    def test_effective_date_time(self) -> None:
        """A statement dated by effectiveDateTime starts then."""
        (order,) = map_orders([_statement(effectiveDateTime="2023-02-01")], {})
        assert order.start == date(2023, 2, 1)

    def test_cerner_statement(self) -> None:
        """A Cerner-shaped statement (text-only drug, dateAsserted) is dated by its
        effectivePeriod and asserted date."""
        statement = ehr.med_statement("c1", "2025-09-01", "Prograf 1 mg capsule")
        (order,) = map_orders([statement], {})
        assert (order.medication.agent, order.authored_on, order.start) == (
            Agent.TACROLIMUS,
            date(2025, 9, 1),
            date(2025, 9, 1),
        )


class TestMapAdministrations:
    @staticmethod
    def _admin(status: str = "completed", **fields: Any) -> Json:
        return {
            "resourceType": "MedicationAdministration",
            "id": "a",
            "status": status,
            "medicationCodeableConcept": {"coding": [{"system": RX, "code": "3002"}]},
            "effectiveDateTime": "2024-01-15T10:00:00Z",
            "dosage": {
                "route": {"coding": [{"system": SCT, "code": "47625008"}]},
                "dose": {"value": 500, "code": "mg"},
            },
            **fields,
        }

    @pytest.mark.parametrize(
        ("status", "kept"),
        [
            ("completed", True),
            ("in-progress", True),
            ("not-done", False),
            ("entered-in-error", False),
            ("stopped", False),
            ("on-hold", False),
            ("unknown", False),
        ],
    )
    def test_status(self, status: str, kept: bool) -> None:
        """Only completed and in-progress administrations count as given."""
        assert bool(map_administrations([self._admin(status)], {})) is kept

    def test_dose(self) -> None:
        """Dose, date, route and source come from the administration."""
        (dose,) = map_administrations([self._admin()], {})
        assert dose == DoseGiven(
            Agent.CYCLOPHOSPHAMIDE,
            date(2024, 1, 15),
            500.0,
            Route.INTRAVENOUS,
            "MedicationAdministration/a",
        )

    def test_cerner_administration_in_grams(self) -> None:
        """A Cerner-shaped infusion (effectivePeriod, 0.5 g) reads as 500 mg on its day."""
        resource = ehr.administration("c1", "2025-10-02", ehr.CYC_IN, value=0.5, unit="g", code="g")
        (dose,) = map_administrations([resource], {})
        assert (dose.when, dose.dose_mg, dose.route) == (
            date(2025, 10, 2),
            500.0,
            Route.INTRAVENOUS,
        )

    def test_per_m2_with_bsa(self) -> None:
        """A dose recorded in mg/m2 converts with the body surface area."""
        resource = ehr.administration(
            "c2", "2025-10-02", ehr.CYC_IN, value=750, unit="mg/m2", code="mg/m2"
        )
        (dose,) = map_administrations([resource], {}, bsa_m2=1.8)
        assert dose.dose_mg == pytest.approx(1350.0)

    def test_effective_period(self) -> None:
        """effectivePeriod.start is the date when there is no effectiveDateTime."""
        admin = self._admin(effectiveDateTime=None, effectivePeriod={"start": "2024-02-01"})
        (dose,) = map_administrations([admin], {})
        assert dose.when == date(2024, 2, 1)

    def test_r5_occurence(self) -> None:
        """An R5-style occurenceDateTime (the spelling of the R5 element) dates the dose."""
        admin = self._admin(effectiveDateTime=None, occurenceDateTime="2024-03-01")
        (dose,) = map_administrations([admin], {})
        assert dose.when == date(2024, 3, 1)

    def test_route_from_the_product(self) -> None:
        """With no route in the dosage, the product's RxNorm row gives it."""
        admin = self._admin(
            medicationCodeableConcept={"coding": [{"system": RX, "code": "1657867"}]},
            dosage={"dose": {"value": 1000, "code": "mg"}},
        )
        (dose,) = map_administrations([admin], {})
        assert (dose.agent, dose.route) == (Agent.RITUXIMAB, Route.INTRAVENOUS)

    def test_no_date_or_drug(self) -> None:
        """Administrations without a date or a recognised drug, and junk, are skipped."""
        no_date = self._admin(effectiveDateTime=None)
        other = self._admin(medicationCodeableConcept={"text": "saline"})
        assert map_administrations([no_date, other, 1], {}) == ()

    def test_sorted(self) -> None:
        """Doses come out oldest first."""
        later = self._admin(effectiveDateTime="2024-03-01")
        doses = map_administrations([later, self._admin()], {})
        assert [d.when for d in doses] == [date(2024, 1, 15), date(2024, 3, 1)]


def _unreadable(rtype: str, **fields: Any) -> Json:
    """A resource of ``rtype`` whose medication is a reference to another server's
    Medication, with nothing else to go by."""
    return {
        "resourceType": rtype,
        "id": "u1",
        "medicationReference": {"reference": "https://other.example/fhir/Medication/9"},
        **fields,
    }


class TestUnidentifiedMedications:
    BASE = "https://ehr.example/fhir"

    def _read(self, *resources: object) -> tuple[UnidentifiedMedication, ...]:
        return unidentified_medications(resources, MedicationIdentifier({}, self.BASE))

    @pytest.mark.parametrize(
        ("resource", "status", "when"),
        [
            (
                _unreadable("MedicationRequest", status="active", authoredOn="2026-01-02"),
                "active",
                date(2026, 1, 2),
            ),
            (_unreadable("MedicationRequest", intent="order"), None, None),
            (
                _unreadable("MedicationStatement", status="active", effectiveDateTime="2026-01-03"),
                "active",
                date(2026, 1, 3),
            ),
            (
                _unreadable(
                    "MedicationStatement",
                    status="completed",
                    effectivePeriod={"start": "2026-01-04"},
                ),
                "completed",
                date(2026, 1, 4),
            ),
            (
                _unreadable("MedicationStatement", status="stopped", dateAsserted="2026-01-05"),
                "stopped",
                date(2026, 1, 5),
            ),
            (
                _unreadable(
                    "MedicationAdministration", status="completed", effectiveDateTime="2026-01-06"
                ),
                "completed",
                date(2026, 1, 6),
            ),
            (
                _unreadable(
                    "MedicationAdministration",
                    status="in-progress",
                    effectivePeriod={"start": "2026-01-07"},
                ),
                "in-progress",
                date(2026, 1, 7),
            ),
            (
                _unreadable("MedicationDispense", status="completed", whenHandedOver="2026-01-08"),
                "completed",
                date(2026, 1, 8),
            ),
            (
                _unreadable("MedicationDispense", status="completed", whenPrepared="2026-01-09"),
                "completed",
                date(2026, 1, 9),
            ),
        ],
        ids=[
            "request",
            "request-no-status",
            "statement-datetime",
            "statement-period",
            "statement-asserted",
            "administration-datetime",
            "administration-period",
            "dispense-handed-over",
            "dispense-prepared",
        ],
    )
    def test_counted_resources_are_listed(
        self, resource: Json, status: str | None, when: date | None
    ) -> None:
        """Therapy whose medication is on another server is listed with its reference,
        status and date, so the rules can say the regimen is unknown."""
        (found,) = self._read(resource)
        assert found == UnidentifiedMedication(
            f"{resource['resourceType']}/{resource['id']}",
            "https://other.example/fhir/Medication/9",
            status,
            when,
        )

    @pytest.mark.parametrize(
        "resource",
        [
            _unreadable("MedicationRequest", status="draft"),
            _unreadable("MedicationRequest", status="active", intent="proposal"),
            _unreadable("MedicationRequest", status="active", doNotPerform=True),
            _unreadable("MedicationStatement", status="not-taken"),
            _unreadable("MedicationAdministration", status="not-done"),
            _unreadable("MedicationDispense", status="cancelled"),
            _unreadable("Medication"),
            "not a resource",
        ],
        ids=[
            "draft",
            "proposal",
            "do-not-perform",
            "not-taken",
            "not-done",
            "cancelled-dispense",
            "other-type",
            "junk",
        ],
    )
    def test_resources_that_are_not_therapy_are_not_listed(self, resource: object) -> None:
        """Drafts, proposals, refusals and other types are not therapy: not listed."""
        assert self._read(resource) == ()

    def test_readable_medications_are_not_listed(self) -> None:
        """A reference inside the server's base with the Medication read, a coded
        concept, or a reference with a display naming the drug: known, not listed."""
        medication = {"resourceType": "Medication", "id": "m1", "code": {"text": "vitamin D"}}
        identify = MedicationIdentifier({"Medication/m1": medication}, self.BASE)
        inside = _unreadable(
            "MedicationRequest",
            status="active",
            medicationReference={"reference": f"{self.BASE}/Medication/m1"},
        )
        coded = _request()
        named = _unreadable(
            "MedicationRequest",
            status="active",
            medicationReference={"reference": "Medication/x", "display": "CellCept 500 mg"},
        )
        assert unidentified_medications([inside, coded, named], identify) == ()

    def test_oldest_first(self) -> None:
        """The list is oldest first, undated resources first."""
        later = _unreadable("MedicationRequest", id="b", status="active", authoredOn="2026-02-01")
        earlier = _unreadable("MedicationRequest", id="a", status="active", authoredOn="2026-01-01")
        undated = _unreadable("MedicationRequest", id="c", status="active")
        found = self._read(later, earlier, undated)
        assert [u.source_id for u in found] == [
            "MedicationRequest/c",
            "MedicationRequest/a",
            "MedicationRequest/b",
        ]
