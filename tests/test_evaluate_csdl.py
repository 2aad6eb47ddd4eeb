"""``evaluate`` with a CSDL service model (``odatakit.csdl``): TripPin's declared types type the
unannotated JSON, its enums give flag values, its derived types answer ``isof`` and casts, its key
serves ``$root/People('…')``, and navigation properties appear only when expanded."""

from __future__ import annotations

from pathlib import Path

import pytest

from odatakit import evaluate

csdl = pytest.importorskip("odatakit.csdl")

TRIPPIN = Path(__file__).parent / "data" / "models" / "trippin.xml"
PEOPLE = [
    {"UserName": "russellwhyte", "FirstName": "Russell", "LastName": "Whyte", "Gender": "Male", "Age": 40,
     "Emails": ["Russell@example.com"], "FavoriteFeature": "Feature1", "Features": ["Feature1", "Feature2"],
     "Friends": [{"UserName": "scottketchum", "FirstName": "Scott", "Gender": "Male"}]},
    {"@odata.type": "#Trippin.Manager", "UserName": "scottketchum", "FirstName": "Scott", "LastName": "Ketchum",
     "Gender": "Male", "Age": 9007199254740993, "Emails": [], "FavoriteFeature": "Feature1,Feature3",
     "Features": [], "Budget": 5000, "Friends": []},
    {"@odata.type": "#Trippin.Employee", "UserName": "ronaldmundy", "FirstName": "Ronald", "LastName": "Mundy",
     "Gender": "Female", "Age": None, "Emails": ["Ronald@example.com"], "FavoriteFeature": "5",
     "Features": ["Feature4"], "Cost": 100, "Friends": []},
]


@pytest.fixture(scope="module")
def model():
    return csdl.load(TRIPPIN)


def names(result: dict) -> list[str]:
    return [p["UserName"] for p in result["value"]]


def run(query: str, model) -> dict:
    return evaluate(query, PEOPLE, model=model, entity_type="Trippin.Person")


def test_enum_properties_compare_by_member_values(model):
    assert names(run("$filter=Gender eq Trippin.PersonGender'Female'", model)) == ["ronaldmundy"]
    # 'Feature1,Feature3' and '5' are one value of the flags enum Feature
    assert names(run("$filter=FavoriteFeature has Trippin.Feature'Feature3'", model)) == ["scottketchum", "ronaldmundy"]
    assert names(run("$filter=Features/any(f:f has Trippin.Feature'Feature2')", model)) == ["russellwhyte"]


def test_derived_types_answer_isof_and_type_cast_segments(model):
    assert names(run("$filter=isof(Trippin.Manager)", model)) == ["scottketchum"]
    assert names(run("$filter=isof(Trippin.Person)", model)) == ["russellwhyte", "scottketchum", "ronaldmundy"]
    assert names(run("$filter=Trippin.Employee/Cost gt 50", model)) == ["ronaldmundy"]


def test_int64_stays_exact_and_the_key_serves_root(model):
    assert names(run("$filter=Age eq 9007199254740993", model)) == ["scottketchum"]
    assert names(run("$filter=Age lt $root/People('russellwhyte')/Age", model)) == []
    assert names(run("$filter=FirstName eq $root/People('scottketchum')/FirstName", model)) == ["scottketchum"]


def test_navigation_properties_appear_only_when_expanded(model):
    selected = run("$filter=UserName eq 'russellwhyte'&$select=UserName,Friends", model)["value"][0]
    assert selected == {"UserName": "russellwhyte"}   # selected, not expanded: a link, no data
    unselected = run("$filter=UserName eq 'russellwhyte'", model)["value"][0]
    assert "Friends" not in unselected and unselected["FirstName"] == "Russell"
    expanded = run("$filter=UserName eq 'russellwhyte'&$select=UserName&$expand=Friends($select=FirstName)",
                   model)["value"][0]
    assert expanded["Friends"] == [{"FirstName": "Scott"}]


@pytest.mark.slow
def test_model_aware_queries_drive_the_differential_helper(model):
    from odatakit.testing.differential import find_disagreement

    def spec_server(text: str) -> dict:
        return evaluate(text, PEOPLE, model=model, entity_type="Trippin.Person")

    # queries from odatakit.strategies.queries(model, "People"): the spec agrees with itself
    assert find_disagreement(spec_server, PEOPLE, model=model, entity_type="Trippin.Person", resource="People",
                             max_examples=15) is None

    def reverses(text: str) -> dict:  # a server that returns its rows backwards
        answer = spec_server(text)
        return {**answer, "value": answer["value"][::-1]}

    found = find_disagreement(reverses, PEOPLE, model=model, entity_type="Trippin.Person", resource="People",
                              max_examples=100)
    assert found is not None and "$orderby=" in found.query   # order is compared only when asked for
