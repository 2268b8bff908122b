"""`ln-cds demo` on the command line: choosing patients, exporting bundles."""

from __future__ import annotations

import pytest

from cds_service import cli
from cds_service.demo import load_index

PATIENTS = load_index()["patients"]
SLUGS = [entry["slug"] for entry in PATIENTS]


class TestPatientOption:
    def test_unknown_patient_is_a_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--patient with a name no demo patient has exits 2, lists the patients, runs nothing."""
        with pytest.raises(SystemExit) as caught:
            cli.main(["demo", "--patient", "nobody"])
        assert caught.value.code == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert "nobody" in captured.err
        assert all(slug in captured.err for slug in SLUGS)

    def test_patient_id_names_the_same_patient(self) -> None:
        """--patient accepts a patient id (ln-demo-...) as well as its slug."""
        entry = PATIENTS[0]
        argv = ["demo", "--patient", entry["patient_id"], "--patient", SLUGS[1]]
        assert cli.build_parser().parse_args(argv).patient == [entry["slug"], SLUGS[1]]
