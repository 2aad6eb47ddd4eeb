"""``$expand`` through complex properties and type casts (URL Conventions 4.01 §5.1.3, ABNF
``expandPath``): ``Address/Country``, ``Addresses/Ns.Home/Country``, ``Ns.VIP/Address/Country``.
The expanded navigation lands inside the complex value, nested options apply at the navigation's
level, and with a model a navigation inside a complex value carries data only when expanded."""

from __future__ import annotations

from pathlib import Path

import pytest

from odatakit import evaluate
from odatakit.evaluation import EvaluationError

SUPPLIERS = [
    {"@odata.type": "#Ns.VIP", "ID": 1, "Name": "Nord",
     "Address": {"Street": "Main 1", "Country": {"@odata.id": "Countries('NO')", "Code": "NO", "Name": "Norway"},
                 "Region": {"Code": "EU"},
                 "Cities": [{"Name": "Oslo", "Pop": 7}, {"Name": "Nord", "Pop": 1}, {"Name": "Bergen", "Pop": 3}]},
     "Addresses": [{"@odata.type": "#Ns.Home", "Street": "Home 1", "Country": {"Code": "SE", "Name": "Sweden"}},
                   {"Street": "Work 2", "Country": {"Code": "DK", "Name": "Denmark"}}]},
    {"ID": 2, "Name": "Sol",
     "Address": {"Street": "Via 2", "Country": {"@odata.id": "Countries('IT')", "Code": "IT", "Name": "Italy"},
                 "Region": None, "Cities": []},
     "Addresses": []},
    {"ID": 3, "Name": "None", "Address": None, "Addresses": []},
]


VIP = {"@odata.type": "#Ns.VIP"}   # control information stays on the entity


def run(query: str) -> list[dict]:
    return evaluate(query, SUPPLIERS)["value"]


@pytest.mark.parametrize(("query", "expected"), [
    # the complex value appears holding the expansion (and its control information) only
    ("$select=ID&$expand=Address/Country($select=Name)",
     [{**VIP, "ID": 1, "Address": {"Country": {"@odata.id": "Countries('NO')", "Name": "Norway"}}},
      {"ID": 2, "Address": {"Country": {"@odata.id": "Countries('IT')", "Name": "Italy"}}},
      {"ID": 3}]),
    # ... and merges with what $select chose inside it
    ("$select=ID,Address/Street&$expand=Address/Country($select=Code)",
     [{**VIP, "ID": 1, "Address": {"Street": "Main 1", "Country": {"@odata.id": "Countries('NO')", "Code": "NO"}}},
      {"ID": 2, "Address": {"Street": "Via 2", "Country": {"@odata.id": "Countries('IT')", "Code": "IT"}}},
      {"ID": 3, "Address": None}]),
    # two paths through one complex value expand side by side
    ("$select=ID&$expand=Address/Country($select=Code),Address/Region&$filter=ID eq 1",
     [{**VIP, "ID": 1, "Address": {"Country": {"@odata.id": "Countries('NO')", "Code": "NO"}, "Region": {"Code": "EU"}}}]),
    # a type cast on a collection of complex values: only the items of that type expand
    ("$select=ID&$expand=Addresses/Ns.Home/Country($select=Code)&$filter=ID eq 1",
     [{**VIP, "ID": 1, "Addresses": [{"@odata.type": "#Ns.Home", "Country": {"Code": "SE"}}, {}]}]),
    ("$select=ID&$expand=Addresses/Country($select=Code)&$filter=ID eq 1",
     [{**VIP, "ID": 1, "Addresses": [{"@odata.type": "#Ns.Home", "Country": {"Code": "SE"}}, {"Country": {"Code": "DK"}}]}]),
    # a leading type cast: only instances of the derived entity type expand
    ("$select=ID&$expand=Ns.VIP/Address/Country($select=Code)",
     [{**VIP, "ID": 1, "Address": {"Country": {"@odata.id": "Countries('NO')", "Code": "NO"}}}, {"ID": 2}, {"ID": 3}]),
    # /$ref through a complex property
    ("$select=ID&$expand=Address/Country/$ref&$filter=ID le 2",
     [{**VIP, "ID": 1, "Address": {"Country": {"@odata.id": "Countries('NO')"}}},
      {"ID": 2, "Address": {"Country": {"@odata.id": "Countries('IT')"}}}]),
    # * after a complex path; a named navigation takes precedence over *
    ("$select=ID&$expand=Address/Country($select=Code),Address/*&$filter=ID eq 1",
     [{**VIP, "ID": 1, "Address": {"Country": {"@odata.id": "Countries('NO')", "Code": "NO"}, "Region": {"Code": "EU"},
                            "Cities": [{"Name": "Oslo", "Pop": 7}, {"Name": "Nord", "Pop": 1},
                                       {"Name": "Bergen", "Pop": 3}]}}]),
])
def test_expand_through_complex_properties_lands_inside_them_5_1_3(query, expected):
    assert run(query) == expected


def test_nested_options_apply_at_the_navigations_level_5_1_3():
    (nord,) = run("$select=ID&$filter=ID eq 1"
                  "&$expand=Address/Cities($filter=Pop gt 2;$orderby=Pop desc;$top=1;$count=true;$select=Name)")
    assert nord["Address"] == {"Cities": [{"Name": "Oslo"}], "Cities@odata.count": 2}
    # $it in the nested filter is the entity the request is about, not the complex value
    (nord,) = run("$select=ID&$filter=ID eq 1&$expand=Address/Cities($filter=Name eq $it/Name)")
    assert nord["Address"]["Cities"] == [{"Name": "Nord", "Pop": 1}]
    # and $count of a collection navigation inside a complex value
    (nord,) = run("$select=ID&$filter=ID eq 1&$expand=Address/Cities/$count($filter=Pop lt 5)")
    assert nord["Address"] == {"Cities@odata.count": 2}


def test_expand_paths_that_end_elsewhere_are_refused_clearly():
    with pytest.raises(EvaluationError, match="annotations and \\$value"):
        run("$expand=Address/@Ns.Term")
    with pytest.raises(EvaluationError, match="line up item by item"):
        run("$select=Addresses($top=1)&$expand=Addresses/Country")


csdl = pytest.importorskip("odatakit.csdl")
PRODUCTS = Path(__file__).parent / "data" / "models" / "oasis-products.xml"
# ODataDemo.Supplier/Address is the complex type ODataDemo.Address, whose Country is a navigation
MODEL_SUPPLIERS = [
    {"ID": "S1", "Name": "Exotic Liquids", "Concurrency": 1,
     "Address": {"Street": "NE 228th", "City": "Sammamish", "CountryName": "USA",
                 "Country": {"@odata.id": "Countries('US')", "Code": "US", "Name": "USA"}},
     "Products": [{"ID": 1, "Name": "Bread"}]},
    {"ID": "S2", "Name": "Tokyo Traders", "Concurrency": 1,
     "Address": {"Street": "Ginza 9", "City": "Tokyo", "CountryName": "Japan",
                 "Country": {"@odata.id": "Countries('JP')", "Code": "JP", "Name": "Japan"}},
     "Products": []},
]


@pytest.fixture(scope="module")
def model():
    return csdl.load(PRODUCTS)


def supplier_query(query: str, model) -> list[dict]:
    return evaluate(query, MODEL_SUPPLIERS, model=model, entity_type="ODataDemo.Supplier")["value"]


def test_with_a_model_a_navigation_inside_a_complex_value_shows_only_when_expanded(model):
    assert supplier_query("$select=ID,Address&$filter=ID eq 'S1'", model) == [
        {"ID": "S1", "Address": {"Street": "NE 228th", "City": "Sammamish", "CountryName": "USA"}}]
    assert "Country" not in supplier_query("$filter=ID eq 'S1'", model)[0]["Address"]
    assert supplier_query("$select=ID,Address/City&$expand=Address/Country($select=Name)", model) == [
        {"ID": "S1", "Address": {"City": "Sammamish", "Country": {"@odata.id": "Countries('US')", "Name": "USA"}}},
        {"ID": "S2", "Address": {"City": "Tokyo", "Country": {"@odata.id": "Countries('JP')", "Name": "Japan"}}}]
    # $expand=Address/* expands the model's navigations of ODataDemo.Address: Country
    assert supplier_query("$select=ID&$expand=Address/*&$filter=ID eq 'S2'", model) == [
        {"ID": "S2", "Address": {"Country": {"@odata.id": "Countries('JP')", "Code": "JP", "Name": "Japan"}}}]


def test_with_a_model_filter_and_expand_meet_in_the_complex_value(model):
    assert supplier_query("$filter=Address/Country/Code eq 'JP'&$select=ID&$expand=Address/Country/$ref", model) == [
        {"ID": "S2", "Address": {"Country": {"@odata.id": "Countries('JP')"}}}]


def test_with_a_model_a_path_through_a_navigation_is_refused_5_1_3(model):
    # an expand path traverses complex properties only: Products/Category is Products($expand=Category)
    with pytest.raises(EvaluationError, match="through the navigation property Products"):
        supplier_query("$expand=Products/Category", model)


def test_with_a_model_a_derived_types_own_navigation_shows_only_when_expanded():
    model = csdl.load(Path(__file__).parent / "data" / "models" / "trippin.xml")
    people = [{"@odata.type": "#Trippin.Manager", "UserName": "boss", "Budget": 5,
               "DirectReports": [{"UserName": "ann"}], "Friends": []},
              {"@odata.type": "#Trippin.Unknown", "UserName": "odd", "Friends": [{"UserName": "x"}]}]

    def run_model(query: str) -> list[dict]:
        return evaluate(query, people, model=model, entity_type="Trippin.Person")["value"]

    # DirectReports is declared on Trippin.Manager only: the instance's own type says it navigates;
    # an annotation naming a type the model lacks leaves the declared type's navigations in force
    assert run_model("") == [{"@odata.type": "#Trippin.Manager", "UserName": "boss", "Budget": 5},
                             {"@odata.type": "#Trippin.Unknown", "UserName": "odd"}]
    assert run_model("$expand=Trippin.Manager/DirectReports($select=UserName)&$select=UserName")[0] == {
        "@odata.type": "#Trippin.Manager", "UserName": "boss", "DirectReports": [{"UserName": "ann"}]}

