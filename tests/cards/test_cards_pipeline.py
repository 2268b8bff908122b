"""Every card the real pipeline and app produce for the demo patients follows the card rules."""

from __future__ import annotations

import argparse
import io
from datetime import date
from pathlib import Path

import pytest

from cds_service import demo
from cds_service.cards import render_cards
from fhir_mappings import assess
from fhir_mappings.resources import PatientResources
from tests.cards.card_builders import check_card, counter_uuids

TODAY = date(2026, 6, 30)


class TestDemoPatientsThroughPipeline:
    @pytest.mark.parametrize("show_status", [False, True])
    def test_every_card_follows_the_rules(self, show_status: bool) -> None:
        """assess + render_cards on every demo patient give only cards that pass every rule."""
        produced = 0
        for patient in demo.load_patients(TODAY):
            resources = PatientResources.from_resources(patient.resources())
            assessment = assess(resources, today=TODAY, show_status=show_status)
            cards = render_cards(assessment, uuid_factory=counter_uuids(), ruleset="kdigo-2024")
            for card in cards:
                check_card(card)
            produced += len(cards)
        assert produced > 0

    def test_demo_command_through_real_app(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`ln-cds demo` posts every patient to the real app and prints a section per patient."""
        monkeypatch.chdir(tmp_path)
        parser = argparse.ArgumentParser()
        demo.add_arguments(parser)
        out = io.StringIO()
        status = demo.run_demo(parser.parse_args(["--today", TODAY.isoformat(), "--no-color"]), out)
        text = out.getvalue()
        assert status == 0
        assert "Status cards are ON" in text
        for patient in demo.load_patients(TODAY):
            assert f"{patient.slug}: {patient.title}" in text
        assert "(no cards)" in text  # the patient without lupus nephritis

    def test_demo_shows_the_safety_cards_readably(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """`ln-cds demo` names the pregnancy and not-applicable topics, the fact each rests
        on, and that no mycophenolate dose step is drafted in pregnancy."""
        monkeypatch.chdir(tmp_path)
        parser = argparse.ArgumentParser()
        demo.add_arguments(parser)
        args = ["--today", TODAY.isoformat(), "--no-color"]
        args += ["--patient", "n-pregnant", "--patient", "o-on-dialysis"]
        out = io.StringIO()
        assert demo.run_demo(parser.parse_args(args), out) == 0
        text = out.getvalue()
        assert "    topic: pregnancy (Pregnancy and teratogenic therapy)" in text
        assert (
            "    ! Pregnancy card added; no card drafts an agent not for use in pregnancy. Fact: "
            in text
        )
        assert "pregnancy recorded" in " ".join(text.split())  # across a wrapped line
        assert "No dose step or new order is drafted for mycophenolate mofetil" in text
        assert "topic: dose-review" not in text
        assert "-> suggestion: Increase mycophenolate mofetil" not in text
        assert "    topic: not-applicable (Refractory check not applicable)" in text
        assert "    ! No refractory, biopsy, dose or switch cards. Fact: on dialysis since" in text
        assert "    1. Manage with the dialysis or transplant team." in text
        assert "DIFFERS" not in text
