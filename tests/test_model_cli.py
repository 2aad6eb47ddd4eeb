"""``odatakit check --metadata FILE URL…`` and ``odatakit model FILE [--to xml|json]``."""

from __future__ import annotations

import json

from odatakit import csdl
from odatakit.cli import main

TRIPPIN = "tests/data/models/trippin.xml"


def test_check_prints_faults_with_carets_and_exits_1(capsys):
    status = main(["check", "--metadata", TRIPPIN, "People?$filter=Agee gt 1", "Airports?$top=2"])
    out = capsys.readouterr().out
    assert status == 1
    assert out.splitlines()[:4] == [
        "People?$filter=Agee gt 1",
        "error: $filter at offset 0: Trippin.Person has no property 'Agee' (did you mean 'Age'?)",
        "  Agee gt 1",
        "  ^",
    ]
    assert "Airports" not in out


def test_check_exits_0_when_every_request_fits_the_model(capsys):
    assert main(["check", "--metadata", TRIPPIN, "-v", "People?$select=FirstName", "Me/Friends"]) == 0
    assert capsys.readouterr().out.splitlines() == ["People?$select=FirstName: ok", "Me/Friends: ok"]


def test_check_with_only_warnings_exits_0(capsys):
    status = main(["check", "--metadata", TRIPPIN, "People?$filter=HomeAddress/Adress eq 'x'"])
    assert status == 0
    assert "warning: $filter at offset 12" in capsys.readouterr().out


def test_check_reports_an_unreadable_model(tmp_path, capsys):
    bad = tmp_path / "bad.xml"
    bad.write_text("<edmx:Edmx")
    assert main(["check", "--metadata", str(bad), "People"]) == 2
    assert "odatakit: model error: XML document: not well-formed XML" in capsys.readouterr().err


def test_model_summarises_counts_sets_and_open_types(capsys):
    assert main(["model", TRIPPIN, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"]["entity_types"] == 10
    assert summary["entity_sets"] == ["Airlines", "Airports", "People"]
    assert "Trippin.Event" in summary["open_types"]


def test_model_converts_between_xml_and_json(tmp_path, capsys):
    assert main(["model", TRIPPIN, "--to", "json"]) == 0
    as_json = tmp_path / "trippin.json"
    as_json.write_text(capsys.readouterr().out)
    assert main(["model", str(as_json), "--to", "xml"]) == 0
    as_xml = capsys.readouterr().out
    assert csdl.load(as_xml) == csdl.load(as_json) == csdl.load(TRIPPIN)
