"""The service as data: template checking and resolution."""

from __future__ import annotations

import pytest

from cds_service.service_definition import (
    TemplateError,
    build_service,
    check_template,
    check_templates,
    resolve_template,
)


class TestCheckTemplate:
    @pytest.mark.parametrize(
        "template",
        [
            "Patient/{{context.patientId}}",
            "Condition?patient={{context.patientId}}",
            "Observation?patient={{context.patientId}}&code=http://loinc.org|2889-4,4548-4",
            "Observation?patient={{context.patientId}}&code:in=http://example.org/vs",
            "Observation?patient={{context.patientId}}&date=ge2024-01-01&_sort=-date&_count=10",
            "MedicationRequest?patient={{context.patientId}}&authoredon=lt2024-05",
            "Encounter/{{context.encounterId}}",
            "Practitioner/{{userPractitionerId}}",
            "PractitionerRole/{{userPractitionerRoleId}}",
            "Patient/{{userPatientId}}",
            "RelatedPerson/{{userRelatedPersonId}}",
        ],
    )
    def test_allowed(self, template: str) -> None:
        """Templates within the CDS Hooks 2.0 rules pass."""
        check_template(template)

    @pytest.mark.parametrize(
        "template",
        [
            "Patient/{{Patient.id}}",
            "Patient/{{context.patient.id}}",
            "Observation?subject:Patient.name=x",
            "Observation?patient={{context.patientId}}&_include=Observation:subject",
            "Observation?patient={{context.patientId}}&date=sa2024-01-01",
            "Observation?patient={{context.patientId}}&code:text=kidney",
            "Observation?patient={{context.patientId}}&_count=many",
            "Observation?patient={{context.patientId}}&_sort=;drop",
            "Patient/{{context.patientId}}?_elements=id",
            "Patient/{{context.patientId}}/_history",
            "Observation",
            "observation?patient=1",
            "Patient/{{context.patientId}",
        ],
    )
    def test_refused(self, template: str) -> None:
        """Templates outside the CDS Hooks 2.0 rules raise TemplateError."""
        with pytest.raises(TemplateError):
            check_template(template)

    def test_error_names_the_key(self) -> None:
        """check_templates names the offending prefetch key."""
        with pytest.raises(TemplateError, match="'bad'"):
            check_templates({"ok": "Patient/{{context.patientId}}", "bad": "Patient/{{x}}"})

    def test_own_templates_pass(self) -> None:
        """The service's own templates pass the check."""
        check_templates(build_service(("2889-4",)).prefetch)


class TestResolveTemplate:
    def test_context_token(self) -> None:
        """{{context.patientId}} is replaced by the (URL-quoted) patient id."""
        resolved = resolve_template(
            "Condition?patient={{context.patientId}}", {"patientId": "a b"}, None
        )
        assert resolved == "Condition?patient=a%20b"

    @pytest.mark.parametrize(
        ("token", "user", "expected"),
        [
            ("userPractitionerId", "Practitioner/u1", "u1"),
            ("userPractitionerRoleId", "PractitionerRole/r1", "r1"),
            ("userPatientId", "Patient/p9", "p9"),
            ("userRelatedPersonId", "RelatedPerson/x", "x"),
        ],
    )
    def test_user_tokens(self, token: str, user: str, expected: str) -> None:
        """userXxxId tokens take the id of context.userId when its type matches."""
        assert resolve_template(f"T/{{{{{token}}}}}", {}, user) == f"T/{expected}"

    @pytest.mark.parametrize(
        ("template", "context", "user"),
        [
            ("Encounter/{{context.encounterId}}", {"patientId": "p"}, None),
            ("Practitioner/{{userPractitionerId}}", {}, "Patient/p1"),
            ("Practitioner/{{userPractitionerId}}", {}, None),
        ],
    )
    def test_unresolvable(self, template: str, context: dict[str, str], user: str | None) -> None:
        """A token with no value in the request raises TemplateError."""
        with pytest.raises(TemplateError):
            resolve_template(template, context, user)


class TestDiscoveryEntry:
    def test_empty_fields_dropped(self) -> None:
        """Discovery omits empty optional fields and internal attributes."""
        service = build_service(("2889-4",))
        bare = type(service)(id="x", hook="patient-view", title="", description="d", prefetch={})
        assert bare.discovery() == {"hook": "patient-view", "description": "d", "id": "x"}
        assert "required_keys" not in service.discovery()
        assert "data" not in service.discovery()
        assert bare.required_keys == frozenset()
