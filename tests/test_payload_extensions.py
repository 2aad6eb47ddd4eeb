"""OpenTypeExtension: model, name rules, bodies, dialect conversion and PATCH semantics (with the
quirks of ../shared/examples/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from odatakit import GRAPH, OUTLOOK, OpenTypeExtension, PayloadError, Primitive, decode, edm, encode, merge
from odatakit import with_extensions

DATA = Path(__file__).parent / "data"
EXAMPLES = {e["name"]: e for e in json.loads((DATA / "payload_outlook-data-extensions.json").read_text("utf-8"))}
CREATE = EXAMPLES["create extension in an existing message"]
PATCH = EXAMPLES["patch extension by name"]
GET = EXAMPLES["get extension by name"]


def test_from_create_response() -> None:
    ext = OpenTypeExtension.from_payload(CREATE["response_body"])
    assert ext.name == "Com.Contoso.Referral"
    assert ext.dialect is OUTLOOK
    assert ext.qualified_id == "Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral"
    assert ext.properties["DealValue"] == Primitive("Int64", 500050)
    assert ext.properties["TopModels"].item_type == "Int32"
    assert ext.control["id"].endswith("extensions('Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral')")
    assert encode(ext.to_structured(response=True)) == {
        k: v for k, v in CREATE["response_body"].items() if k != "TopSalespersons@odata.type"}


def test_create_body_matches_the_documented_request() -> None:
    ext = OpenTypeExtension("Com.Contoso.Referral", {
        "CompanyName": "Wingtip Toys",
        "DealValue": 500050,  # plain int: Int64, annotated
        "ExpirationDate": "2015-12-03T10:00:00.000Z",
        "TopModels": [Primitive("Double", 3001.0), Primitive("Double", 4002.0), Primitive("Double", 5003.0)],
        "TopSalespersons": ["Dana Swope", "Fanny Downs", "Randi Welch"],
    })
    body = ext.create_body()
    assert body == {**CREATE["request_body"], "@odata.type": "#Microsoft.OutlookServices.OpenTypeExtension"}
    assert list(body)[:2] == ["@odata.type", "ExtensionName"]
    assert "Id" not in body


def test_create_inside_a_new_message() -> None:
    request = EXAMPLES["create a message with an extension in the same call"]["request_body"]
    item = {k: v for k, v in request.items() if k != "Extensions"}
    ext = OpenTypeExtension.from_payload(request["Extensions"][0])
    body = with_extensions(item, ext)
    assert body["Extensions"] == [{**request["Extensions"][0],
                                   "@odata.type": "#Microsoft.OutlookServices.OpenTypeExtension"}]
    assert with_extensions(item, ext.to_dialect("graph"))["extensions"][0]["extensionName"] == "Com.Contoso.Referral"


@pytest.mark.parametrize(("name", "message"), [
    ("", "non-empty name"),
    ("Com.Microsoft.Mine", "Microsoft domain"),
    ("com.onmicrosoft.thing", "Microsoft domain"),
])
def test_name_rules(name: str, message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        OpenTypeExtension(name)


@pytest.mark.parametrize(("properties", "path"), [
    ({"Address": {"City": "Oslo"}}, "$.Address"),
    ({"Rows": [[1]]}, "$.Rows[0]"),
    ({"ExtensionName": "x"}, "$.ExtensionName"),
])
def test_only_primitives_and_collections_of_primitives(properties: dict[str, Any], path: str) -> None:
    with pytest.raises(PayloadError) as caught:
        OpenTypeExtension("Com.Contoso.Referral", properties)
    assert caught.value.faults[0].json_path == path


def test_dialect_conversion_keeps_custom_names_and_the_service_id() -> None:
    outlook = OpenTypeExtension.from_payload(GET["response_body"])
    graph = outlook.to_dialect(GRAPH)
    assert graph.create_body() == {
        "@odata.type": "#microsoft.graph.openTypeExtension",
        "extensionName": "Com.Contoso.Referral",
        "CompanyName": "Wingtip Toys",
        "DealValue": 500050,
        "ExpirationDate": "2015-12-03T10:00:00Z",
    }
    assert graph.response_body()["id"] == "Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral"
    assert OpenTypeExtension("Com.Contoso.X", dialect=GRAPH).qualified_id == "microsoft.graph.openTypeExtension.Com.Contoso.X"
    assert graph.to_dialect("outlook") == outlook
    assert OpenTypeExtension.from_payload(graph.response_body()) == graph


def test_patch_merges_in_outlook_and_keeps_the_int64_type() -> None:
    """Quirk: PATCH sends "DealValue": "500100" (a string); the property stays Int64."""
    stored = OpenTypeExtension.from_payload(CREATE["response_body"])
    result = merge(stored, PATCH["request_body"])
    assert result.properties["DealValue"] == Primitive("Int64", 500100)
    assert result.properties["CompanyName"] == Primitive("String", "Wingtip Toys (USA)")
    assert result.properties["Updated"] == Primitive("String", "2015-10-29T11:00:00.000Z")  # added
    assert result.properties["TopModels"] == stored.properties["TopModels"]  # untouched, kept


def test_patch_result_matches_the_documented_response() -> None:
    stored = OpenTypeExtension.from_payload(GET["response_body"])
    result = merge(stored, PATCH["request_body"]).response_body()
    expected = PATCH["response_body"]
    differing = {k for k in set(result) | set(expected) if result.get(k) != expected.get(k)}
    # Quirk: the service answered ExpirationDate rewritten ("...10:00:00Z" for "...10:00:00.000Z");
    # odatakit keeps the string it was sent. The two texts are the same instant.
    assert differing == {"ExpirationDate"}
    assert result["ExpirationDate"] == PATCH["request_body"]["ExpirationDate"]
    sent, answered = (edm.DateTimeOffset.parse(t) for t in (result["ExpirationDate"], expected["ExpirationDate"]))
    assert sent == answered and sent.to_python() == answered.to_python()


def test_patch_value_that_does_not_read_as_the_stored_type_takes_its_own() -> None:
    stored = OpenTypeExtension("Com.Contoso.X", {"Deal": 5})
    assert merge(stored, {**OpenTypeExtension("Com.Contoso.X").create_body(), "Deal": "soon"}).properties["Deal"] == \
        Primitive("String", "soon")


def test_graph_patch_replaces() -> None:
    stored = OpenTypeExtension("Com.Contoso.X", {"A": "a", "B": "b"}, dialect=GRAPH)
    result = merge(stored, {"@odata.type": "#microsoft.graph.openTypeExtension", "extensionName": "Com.Contoso.X",
                            "B": "new"})
    assert dict(result.properties) == {"B": Primitive("String", "new")}


def test_patch_for_another_extension_is_refused() -> None:
    with pytest.raises(PayloadError, match="names extension"):
        merge(OpenTypeExtension("Com.Contoso.X"), OpenTypeExtension("Com.Contoso.Y"))


def test_expiration_date_forms_are_both_kept_as_sent() -> None:
    """Quirk: responses show ExpirationDate with and without '.000'; decode rewrites neither."""
    texts = {decode(body)["ExpirationDate"].value for body in (CREATE["response_body"], GET["response_body"])}
    assert texts == {"2015-12-03T10:00:00.000Z", "2015-12-03T10:00:00Z"}


def test_collection_response_mixes_typed_and_untyped_items() -> None:
    """Quirk: one item carries '#Microsoft.OutlookServices.EventMessage', the other no type."""
    items = decode(EXAMPLES["find and expand items with an extension"]["response_body"])["value"].items
    assert [item.type for item in items] == ["Microsoft.OutlookServices.EventMessage", None]
    exts = [OpenTypeExtension.from_structured(item["Extensions"].items[0]) for item in items]
    assert [e.properties["DealValue"] for e in exts] == [Primitive("Int64", 500300), Primitive("Int64", 500050)]
