"""Payloads typed by a model (Model.decode / Model.validate): declared properties need no
``@odata.type``; every fault has its JSON path (JSON format 4.01 §4.5.3, §7, §8; CSDL 4.01 §6–§7)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from odatakit import PayloadError, csdl
from odatakit.payload.values import Collection, Primitive, Structured

PERSON = {"UserName": "russell", "FirstName": "Russell", "Gender": "Male", "FavoriteFeature": "Feature1",
          "Features": []}


def test_declared_properties_are_typed_without_annotations(trippin_model):
    value = trippin_model.decode({**PERSON, "Age": 9007199254740993, "HomeAddress": {"City": {"Name": "Seattle"}},
                                  "Emails": ["a@b.c"]}, type="Trippin.Person")
    assert value.type == "Trippin.Person"
    assert value["Age"] == Primitive("Int64", 9007199254740993)  # exact: beyond 2**53, no float on the way
    assert value["Gender"] == Primitive("Trippin.PersonGender", "Male")
    assert value["HomeAddress"].type == "Trippin.Location"
    assert value["HomeAddress"]["City"].type == "Trippin.City"
    assert value["Emails"] == Collection("String", [Primitive("String", "a@b.c")])


def test_expanded_navigations_and_nested_collections_are_typed(trippin_model):
    value = trippin_model.decode({**PERSON, "BestFriend": PERSON, "Trips": [
        {"TripId": 1, "ShareId": "01234567-1234-1234-1234-123456789012", "Budget": 1500, "StartsAt": "2020-01-01T00:00:00Z",
         "EndsAt": "2020-01-05T00:00:00Z", "PlanItems": [{"PlanItemId": 7, "Duration": "PT2H"}]}]}, type="Trippin.Person")
    assert value["BestFriend"].type == "Trippin.Person"
    trip = value["Trips"].items[0]
    assert trip.type == "Trippin.Trip" and trip["TripId"] == Primitive("Int32", 1)
    assert trip["PlanItems"].items[0]["PlanItemId"] == Primitive("Int32", 7)


def test_derived_types_come_from_odata_type(trippin_model):
    value = trippin_model.decode({**PERSON, "@odata.type": "#Trippin.Manager", "Budget": 5000000000,
                                  "BossOffice": {"Address": "x"}}, type="Trippin.Person")
    assert value.type == "Trippin.Manager"
    assert value["Budget"] == Primitive("Int64", 5000000000)
    assert value["BossOffice"].type == "Trippin.Location"


def test_dynamic_properties_of_open_types_are_inferred_as_without_a_model(outlook_model, graph_model):
    extension = {"@odata.type": "#Microsoft.OutlookServices.OpenTypeExtension", "Id": "Com.Contoso.Deal",
                 "ExtensionName": "Com.Contoso.Deal", "DealValue": 5, "Expires@odata.type": "#DateTimeOffset",
                 "Expires": "2016-01-01T00:00:00Z"}
    value = outlook_model.decode(extension, resource="me/contacts('c')/extensions('Com.Contoso.Deal')")
    assert value["DealValue"] == Primitive("Double", 5.0)  # JSON format §4.5.3: unannotated number
    assert value["Expires"].type == "DateTimeOffset"
    graph_value = graph_model.decode({"@odata.type": "#microsoft.graph.openTypeExtension", "id": "x",
                                      "extensionName": "x", "dealValue": 5}, resource="me/contacts('c')/extensions('x')")
    assert graph_value.type == "microsoft.graph.openTypeExtension"


def test_a_collection_response_is_typed_item_by_item(outlook_model):
    value = outlook_model.decode({"value": [{"Id": "1", "Subject": "hi", "Importance": "High", "IsRead": False}]},
                                 resource="me/messages")
    message = value["value"].items[0]
    assert message.type == "Microsoft.OutlookServices.Message"
    assert message["Importance"] == Primitive("Microsoft.OutlookServices.Importance", "High")


def test_decimal_scale_and_precision_are_checked(tmp_path):
    model = csdl.load("tests/data/models/oasis-products.xml")
    ok = model.decode({"ID": 1, "Price": "12.3456"}, type="ODataDemo.Product")
    assert ok["Price"] == Primitive("Decimal", Decimal("12.3456"))  # through the Money type definition


#: (model, type or resource, payload, [(path, code)])
BAD = [
    ("trippin", "Trippin.Person", {**PERSON, "Age": "old"}, [("$.Age", "invalid-value")]),
    ("trippin", "Trippin.Person", {**PERSON, "Age": 1.5}, [("$.Age", "invalid-value")]),
    ("trippin", "Trippin.Person", {**PERSON, "FirstName": None}, [("$.FirstName", "null")]),
    ("trippin", "Trippin.Person", {**PERSON, "Features": [None]}, [("$.Features[0]", "null")]),
    ("trippin", "Trippin.Person", {**PERSON, "Nickname": "R"}, [("$.Nickname", "unknown-property")]),
    ("trippin", "Trippin.Person", {**PERSON, "Gender": "Mal"}, [("$.Gender", "bad-enum")]),
    ("trippin", "Trippin.Person", {**PERSON, "Gender": "Male,Female"}, [("$.Gender", "bad-enum")]),
    ("trippin", "Trippin.Person", {**PERSON, "FavoriteFeature": "Feature1,Feature9"}, [("$.FavoriteFeature", "bad-enum")]),
    ("trippin", "Trippin.Person", {**PERSON, "@odata.type": "#Trippin.Airline"}, [("$['@odata.type']", "type-mismatch")]),
    ("trippin", "Trippin.Person", {**PERSON, "@odata.type": "#Trippin.Nobody"}, [("$['@odata.type']", "unknown-type")]),
    ("trippin", "Trippin.Person", {"FirstName": "R", "Gender": "Male", "FavoriteFeature": "Feature1"},
     [("$", "missing-key")]),
    ("trippin", "Trippin.Person", {**PERSON, "LastName": "x" * 27}, [("$.LastName", "too-long")]),
    ("trippin", "Trippin.Person", {**PERSON, "HomeAddress": {"City": {"Name": 5}}}, [("$.HomeAddress.City.Name", "invalid-value")]),
    ("trippin", "Trippin.Person", {**PERSON, "HomeAddress": "Seattle"}, [("$.HomeAddress", "type-mismatch")]),
    ("trippin", "Trippin.Person", {**PERSON, "AddressInfo": ["Seattle"]}, [("$.AddressInfo[0]", "type-mismatch")]),
    ("trippin", "Trippin.Person", {**PERSON, "Trips": [{"TripId": "one"}]}, [("$.Trips[0].TripId", "invalid-value")]),
    ("trippin", "Trippin.Person", {**PERSON, "BestFriend": {**PERSON, "Age": True}}, [("$.BestFriend.Age", "invalid-value")]),
    ("outlook", "me/messages", {"value": [{"Id": "1", "Subject": 3}]}, [("$.value[0].Subject", "invalid-value")]),
    ("outlook", "me/messages('m')", {"Id": "m", "ToRecipients": [{"EmailAddress": {"Adress": "x"}}]},
     [("$.ToRecipients[0].EmailAddress.Adress", "unknown-property")]),
    ("products", "ODataDemo.Product", {"ID": 1, "Price": "1.23456"}, [("$.Price", "scale")]),
    ("products", "ODataDemo.Product", {"ID": 1, "Price": "12345678901234.5"}, [("$.Price", "precision")]),
    ("products", "ODataDemo.Product", {"ID": 1, "Tags": ["x" * 21]}, [("$.Tags[0]", "too-long")]),
]


@pytest.fixture(scope="module")
def products_model():
    return csdl.load("tests/data/models/oasis-products.xml")


@pytest.mark.parametrize("which, target, payload, expected", BAD)
def test_payload_faults_have_their_json_paths(request, which, target, payload, expected):
    model = request.getfixturevalue(f"{which}_model")
    where = {"type": target} if "." in target and "/" not in target and "(" not in target else {"resource": target}
    faults = model.validate(payload, **where)
    assert [(f.json_path, f.code) for f in faults] == expected
    if expected[0][1] != "missing-key":  # decode reads partial entities (a PATCH body); validate wants keys
        with pytest.raises(PayloadError):
            model.decode(payload, **where)


def test_valid_payloads_have_no_faults(trippin_model, outlook_model):
    assert trippin_model.validate({**PERSON, "Age": 30, "Emails": ["a@b.c"], "HomeAddress": {"Address": "x"}},
                                  type="Trippin.Person") == []
    assert outlook_model.validate({"Id": "e", "Subject": "s", "Start": {"DateTime": "2017-01-01T10:00:00", "TimeZone": "UTC"},
                                   "Attendees": [{"EmailAddress": {"Address": "a@b.c"}, "Type": "Required"}]},
                                  resource="me/events('e')") == []


def test_a_structured_value_keeps_type_when_annotated_in_the_payload(trippin_model):
    value = trippin_model.decode({**PERSON, "Age@odata.type": "#Int64", "Age": 5}, type="Trippin.Person")
    assert isinstance(value, Structured) and value["Age"] == Primitive("Int64", 5)
