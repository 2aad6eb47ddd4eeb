"""validate / assert_valid: shipped JSON Schemas plus semantic checks, every fault with its path; the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from odatakit import PayloadError, Structured, assert_valid, validate
from odatakit.cli import main
from odatakit.payload.validate import detect_kind

DATA = Path(__file__).parent / "data"
EXAMPLES = json.loads((DATA / "payload_outlook-data-extensions.json").read_text("utf-8"))
BODIES = [(e["name"], part, e[part]) for e in EXAMPLES for part in ("request_body", "response_body") if part in e]
EXT = {"@odata.type": "#Microsoft.OutlookServices.OpenTypeExtension", "ExtensionName": "Com.Contoso.Referral"}
GRAPH = {"@odata.type": "#microsoft.graph.openTypeExtension", "extensionName": "Com.Contoso.Referral"}


@pytest.mark.parametrize(("name", "part", "body"), BODIES, ids=[f"{n}/{p}" for n, p, _ in BODIES])
def test_outlook_vectors_are_valid(name: str, part: str, body: dict) -> None:
    assert validate(json.dumps(body)) == []


@pytest.mark.parametrize(("body", "kind"), [
    (EXAMPLES[1]["request_body"], "extension-create"),
    (EXAMPLES[1]["response_body"], "extension-response"),
    (EXAMPLES[2]["request_body"], "entity"),
    (EXAMPLES[6]["response_body"], "collection"),
    ({"error": {"code": "ErrorAccessDenied", "message": "Access is denied."}}, "error"),
])
def test_detect_kind(body: dict, kind: str) -> None:
    assert detect_kind(body) == kind


# (payload, kind, [(path, message regex), ...]): every fault, in order.
INVALID: list[tuple[Any, str | None, list[tuple[str, str]]]] = [
    ({**EXT, "DealValue@odata.type": "#Int32", "DealValue": 2**40}, None,
     [("$.DealValue", "out of range for Edm.Int32")]),
    ({**EXT, "Address": {"City": "Oslo"}}, None, [("$.Address", "only primitive values")]),
    ({**EXT, "Models": [1, [2]]}, None, [("$.Models[1]", "array inside an array")]),
    ({**EXT, "ExtensionName": ""}, None, [("$.ExtensionName", "non-empty name")]),
    ({**EXT, "ExtensionName": "Com.Microsoft.Mine"}, None, [("$.ExtensionName", "Microsoft domain")]),
    ({**EXT, "Id": "Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral"}, "extension-create",
     [("$.Id", "assigned by the service")]),
    ({**EXT, "Id": "Com.Other"}, "extension-response", [("$.Id", "should be")]),
    ({"ExtensionName": "Com.Contoso.Referral"}, "extension-create", [("$", "needs '@odata.type'")]),
    ({**GRAPH, "ExtensionName": "x"}, None, [("$.ExtensionName", "Outlook spelling")]),
    ({"@odata.type": "#microsoft.graph.openTypeExtension"}, "extension-create",
     [("$", "missing the required 'extensionName'"), ("$.extensionName", "non-empty name")]),
    ({"value": [{}, {"Extensions": [{**EXT, "DealValue@odata.type": "#Int64", "DealValue": "x"}]}]}, None,
     [("$.value[1].Extensions[0].DealValue", "not a valid Edm.Int64")]),
    ({"value": [{"@odata.etag": 5}]}, None, [("$.value[0]['@odata.etag']", "string")]),
    ({"error": {"code": "", "message": "m", "details": [{"code": "x"}]}}, None,
     [("$.error.code", "non-empty"), ("$.error.details[0]", "missing the required 'message'")]),
    ({"error": {"message": "m"}, "extra": 1}, "error",
     [("$", "property not allowed here: 'extra'"), ("$.error", "missing the required 'code'")]),
    ('{"value": [{"Id": "1", "Id": "2"}]}', None, [("$.value[0].Id", "more than once")]),
    ("not json", None, [("$", "not JSON")]),
    ([{"a": "x" * 1000}], None, [("$", "^expected object, found array$")]),
    ({"value": [{}, "x"]}, None, [("$.value[1]", "^expected object, found string$")]),
]


@pytest.mark.parametrize(("payload", "kind", "expected"), INVALID)
def test_every_fault_with_its_path(payload: Any, kind: str | None, expected: list[tuple[str, str]]) -> None:
    faults = validate(payload, kind=kind)  # type: ignore[arg-type]
    assert [f.json_path for f in faults] == [path for path, _ in expected]
    for fault, (_, message) in zip(faults, expected):
        assert re.search(message, fault.message), fault.message


def test_validate_returns_all_faults_across_the_document() -> None:
    body = {"value": [
        {"Extensions": [{**EXT, "A@odata.type": "#Byte", "A": 300, "B": {"x": 1}}]},
        {"Extensions": [{**EXT, "ExtensionName": "Com.OnMicrosoft.X"}]},
    ]}
    assert [f.json_path for f in validate(body)] == [
        "$.value[0].Extensions[0].A", "$.value[0].Extensions[0].B", "$.value[1].Extensions[0].ExtensionName"]


def test_strict_names_require_reverse_dns() -> None:
    body = {**EXT, "ExtensionName": "referral"}
    assert validate(body) == []
    assert [f.code for f in validate(body, strict_names=True)] == ["extension-name"]


def test_assert_valid_raises_with_every_fault_and_returns_the_value() -> None:
    with pytest.raises(PayloadError) as caught:
        assert_valid({**EXT, "A": {"x": 1}, "B@odata.type": "#Int16", "B": 70000})
    assert len(caught.value.faults) == 2
    value = assert_valid(EXAMPLES[1]["response_body"])
    assert isinstance(value, Structured)


def test_deep_document_is_one_fault() -> None:
    faults = validate("[" * 5000 + "]" * 5000)
    assert [(f.json_path, f.code) for f in faults] == [("$", "too-deep")]
    nested: Any = []
    for _ in range(300):
        nested = [nested]
    assert [f.code for f in validate(nested)] == ["too-deep"]


def test_schemas_are_package_data() -> None:
    from importlib import resources

    names = {p.name for p in (resources.files("odatakit.payload") / "schemas").iterdir()}
    assert {"extension.json", "entity.json", "collection.json", "error.json", "control.json"} <= names


# -- CLI ---------------------------------------------------------------------------------------
def test_cli_validate_prints_every_fault_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(EXAMPLES[1]["response_body"]))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**EXT, "A@odata.type": "#Int32", "A": 2**40, "B": {"x": 1}}))
    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: $.A: 1099511627776 is out of range for Edm.Int32" in out
    assert f"{bad}: $.B: an open extension holds only primitive values" in out


def test_cli_validate_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"a": 1, "a": 2}')))
    assert main(["validate", "-"]) == 1
    assert "<stdin>: $.a: the key 'a' appears more than once" in capsys.readouterr().out


def test_cli_decode_shows_the_typed_view(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ext.json"
    path.write_text(json.dumps(EXAMPLES[1]["response_body"]))
    assert main(["decode", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "$.DealValue  Int64  500050" in lines
    assert "$.TopModels  Collection(Int32)  [3]" in lines
    assert main(["decode", str(tmp_path / "missing.json")]) == 1
