"""The model hook: declared types type unannotated JSON, derived types answer isof/cast and
type-cast segments, enum members become flag values, keys serve ``$root/Set(key)``, navigation
properties appear only when expanded. The model here is a small ``TypeModel`` written out."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from odatakit import compile_filter, evaluate, evaluate_filter
from odatakit.evaluation import EvaluationError

PROPERTIES = {
    "Ns.Person": {"Id": "Edm.Int32", "Name": "Edm.String", "Born": "Edm.Date", "Seen": "Edm.DateTimeOffset",
                  "Colors": "Ns.Color", "Friends": "Collection(Ns.Person)", "Tags": "Collection(Edm.Guid)"},
    "Ns.Manager": {"Budget": "Edm.Decimal"},
}
BASES = {"Ns.Manager": "Ns.Person", "Ns.Boss": "Ns.Manager"}
NAVIGATION = {("Ns.Person", "Friends")}


class SmallModel:
    def property_type(self, type_name: str, property_name: str) -> str | None:
        return PROPERTIES.get(type_name, {}).get(property_name)

    def base_type(self, type_name: str) -> str | None:
        return BASES.get(type_name)

    def enum_members(self, type_name: str) -> Mapping[str, int] | None:
        return {"Red": 1, "Green": 2, "Blue": 4} if type_name == "Ns.Color" else None

    def key(self, type_name: str) -> tuple[str, ...] | None:
        return ("Id",) if type_name in PROPERTIES else None

    def is_navigation(self, type_name: str, name: str) -> bool:
        return (type_name, name) in NAVIGATION


MODEL = SmallModel()
PEOPLE = [
    {"Id": 1, "Name": "Ann", "Born": "1990-05-01", "Seen": "2024-01-01T10:00:00+02:00", "Colors": "Red,Blue",
     "Tags": ["0b8e8f3c-2d2a-4c8e-9e68-5b4b0f1c2d3e"], "Friends": [{"Id": 2, "Name": "Bob"}]},
    {"@odata.type": "#Ns.Manager", "Id": 2, "Name": "Bob", "Born": "1985-02-03", "Seen": "2024-01-01T07:00:00Z",
     "Colors": "5", "Budget": 10, "Tags": [], "Friends": []},
    {"@odata.type": "#Ns.Boss", "Id": 3, "Name": "Cy", "Born": "1970-12-24", "Seen": None, "Colors": "Green",
     "Budget": 99, "Tags": [], "Friends": []},
]


def ids(result: dict) -> list[int]:
    return [e["Id"] for e in result["value"]]


def run(query: str) -> dict:
    return evaluate(query, PEOPLE, model=MODEL, entity_type="Ns.Person")


def test_declared_types_type_unannotated_json_values():
    assert ids(run("$filter=year(Born) lt 1990")) == [2, 3]
    assert ids(run("$filter=Seen lt 2024-01-01T08:30:00Z")) == [1, 2]       # instants: 08:00Z and 07:00Z
    assert ids(run("$filter=Tags/any(t:t eq 0b8e8f3c-2d2a-4c8e-9e68-5b4b0f1c2d3e)")) == [1]
    assert ids(run("$orderby=Born")) == [3, 2, 1]


def test_enum_members_become_flag_values_so_names_and_numbers_agree():
    assert ids(run("$filter=Colors has Ns.Color'Blue'")) == [1, 2]          # 'Red,Blue' and '5' both hold 4
    assert ids(run("$filter=Colors eq Ns.Color'Red,Blue'")) == [1, 2]
    with pytest.raises(EvaluationError, match="not a member"):
        run("$filter=Colors has Ns.Color'Purple'")


def test_derived_types_answer_isof_cast_and_type_cast_segments():
    assert ids(run("$filter=isof(Ns.Manager)")) == [2, 3]                   # Ns.Boss derives from Ns.Manager
    assert ids(run("$filter=isof(Ns.Boss)")) == [3]
    assert ids(run("$filter=Ns.Manager/Budget gt 50")) == [3]
    assert ids(run("$filter=cast(Ns.Manager) ne null")) == [2, 3]
    assert evaluate_filter("isof(Ns.Person)", {"Id": 9}, model=MODEL, entity_type="Ns.Manager") is True


def test_root_with_a_key_uses_the_models_key():
    assert ids(run("$filter=Born lt $root/People(2)/Born")) == [3]


def test_navigation_properties_appear_only_when_expanded():
    plain = run("$filter=Id eq 1")["value"][0]
    assert "Friends" not in plain and plain["Name"] == "Ann"
    assert "Friends" not in run("$filter=Id eq 1&$select=Id,Friends")["value"][0]
    expanded = run("$filter=Id eq 1&$expand=Friends($select=Name)")["value"][0]
    assert expanded["Friends"] == [{"Name": "Bob"}]


def test_a_model_odatakit_cannot_read_is_a_clear_error():
    with pytest.raises(EvaluationError, match="cannot read types from a dict"):
        compile_filter("Id eq 1", model={"Ns.Person": {}})


def test_expand_star_takes_the_models_navigation_properties_only():
    data = [{"Id": 1, "Name": "Ann", "Friends": [{"Id": 2, "Name": "Bob"}], "Address": {"City": "Oslo"}}]
    result = evaluate("$select=Id&$expand=*", data, model=MODEL, entity_type="Ns.Person")
    assert result["value"] == [{"Id": 1, "Friends": [{"Id": 2, "Name": "Bob"}]}]
