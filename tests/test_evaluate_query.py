"""The options pipeline of ``odatakit.evaluate`` (URL Conventions 4.01 §5.1.2–§5.1.8)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import odatakit
from odatakit import Q, decode, encode_json, evaluate, parse_query
from odatakit.evaluation import EvaluationError

PEOPLE = [
    {"@odata.id": "People(1)", "Id": 1, "Name": "Ann", "Age": 30, "City": "Oslo",
     "Address": {"City": "Oslo", "Street": "Main 1"}, "Emails": ["ann@x.com", "ann@y.org"],
     "Orders": [{"@odata.id": "Orders(10)", "No": 10, "Total": 5}, {"@odata.id": "Orders(11)", "No": 11, "Total": 50}],
     "Manager": {"Id": 9, "Name": "Boss", "Manager": {"Id": 99, "Name": "Top", "Manager": None}}},
    {"@odata.id": "People(2)", "Id": 2, "Name": "Bob", "Age": None, "City": "Rome",
     "Address": {"City": "Rome", "Street": "Via 2"}, "Emails": [], "Orders": [], "Manager": None},
    {"@odata.id": "People(3)", "Id": 3, "Name": "Cy", "Age": 25, "City": "Oslo",
     "Address": {"City": "Oslo", "Street": "Side 3"}, "Emails": ["cy@x.com"],
     "Orders": [{"@odata.id": "Orders(12)", "No": 12, "Total": 7}], "Manager": None},
    {"@odata.id": "People(4)", "Id": 4, "Name": "Di", "Age": 30, "City": None,
     "Address": None, "Emails": [], "Orders": [], "Manager": None},
]


def ids(result: dict) -> list[int]:
    return [e["Id"] for e in result["value"]]


def test_data_is_read_from_text_bytes_lists_payloads_and_decoded_values():
    payload = json.dumps({"value": PEOPLE})
    for data in (payload, payload.encode(), {"value": PEOPLE}, PEOPLE, decode(payload, infer="odatalib")):
        assert ids(evaluate("$filter=Age gt 26", data)) == [1, 4], type(data)


def test_json_text_is_read_exactly_no_float_touches_int64_or_decimal():
    text = '{"value":[{"Id":1,"Big":9007199254740993,"Dec":0.1},{"Id":2,"Big":9007199254740992,"Dec":0.3}]}'
    assert ids(evaluate("$filter=Big eq 9007199254740993", text)) == [1]
    assert ids(evaluate("$filter=Dec add 0.2 eq 0.3", text)) == [1]
    assert evaluate("$filter=Id eq 1", text)["value"][0]["Dec"] == Decimal("0.1")


def test_query_as_text_tree_or_builder_gives_the_same_result():
    text = "$filter=City eq 'Oslo'&$orderby=Age desc&$top=1"
    expected = evaluate(text, PEOPLE)
    assert evaluate("?" + text, PEOPLE) == expected
    assert evaluate(parse_query(text), PEOPLE) == expected
    builder = Q().filter(odatakit.F.City == "Oslo").orderby(odatakit.desc(odatakit.F.Age)).top(1)
    assert evaluate(builder, PEOPLE) == expected


def test_count_is_taken_before_skip_and_top_5_1_10():
    result = evaluate("$filter=City eq 'Oslo'&$count=true&$top=1&$skip=1", PEOPLE)
    assert result["@odata.count"] == 2 and ids(result) == [3]
    assert "@odata.count" not in evaluate("$top=1", PEOPLE)


@pytest.mark.parametrize("orderby, expected", [
    ("Age", [2, 3, 1, 4]),            # null first ascending; stable for equal ages (1 before 4)
    ("Age desc", [1, 4, 3, 2]),       # null last descending; still stable
    ("Age desc,Id desc", [4, 1, 3, 2]),
    ("City,Name desc", [4, 3, 1, 2]),
    ("length(Name) desc,Id", [1, 2, 3, 4]),
    ("Address/Street", [4, 1, 3, 2]),
    ("Orders/$count desc,Id", [1, 3, 2, 4]),
])
def test_orderby_puts_null_first_ascending_and_last_descending_and_is_stable_5_1_5(orderby, expected):
    assert ids(evaluate(f"$orderby={orderby}", PEOPLE)) == expected


def test_skip_and_top_5_1_6_and_5_1_7():
    assert ids(evaluate("$orderby=Id&$skip=1&$top=2", PEOPLE)) == [2, 3]
    assert ids(evaluate("$skip=10", PEOPLE)) == []
    assert ids(evaluate("$top=0", PEOPLE)) == []


def test_select_keeps_named_properties_their_annotations_and_control_information_5_1_4():
    data = [{"@odata.id": "P(1)", "Id": 1, "When@odata.type": "#Date", "When": "2020-01-01", "Other": 2}]
    assert evaluate("$select=When", data)["value"] == [{"@odata.id": "P(1)", "When@odata.type": "#Date",
                                                       "When": "2020-01-01"}]
    assert evaluate("$select=*", data)["value"] == data


def test_select_nested_paths_and_options_on_collections_5_1_4():
    result = evaluate("$filter=Id eq 1&$select=Address/City,Emails($filter=endswith($this,'.com'))", PEOPLE)
    assert result["value"] == [{"@odata.id": "People(1)", "Address": {"City": "Oslo"}, "Emails": ["ann@x.com"]}]


def test_expand_applies_nested_options_to_embedded_navigations_5_1_3():
    result = evaluate("$filter=Id eq 1&$select=Id&$expand=Orders($filter=Total gt $it/Age;$select=No;$count=true)",
                      PEOPLE)
    assert result["value"] == [{"@odata.id": "People(1)", "Id": 1, "Orders@odata.count": 1,
                                "Orders": [{"@odata.id": "Orders(11)", "No": 11}]}]


def test_expand_count_and_ref_5_1_3():
    result = evaluate("$select=Id&$expand=Orders/$count&$filter=Id lt 3", PEOPLE)
    assert result["value"] == [{"@odata.id": "People(1)", "Id": 1, "Orders@odata.count": 2},
                               {"@odata.id": "People(2)", "Id": 2, "Orders@odata.count": 0}]
    refs = evaluate("$select=Id&$expand=Orders/$ref&$filter=Id eq 3", PEOPLE)
    assert refs["value"][0]["Orders"] == [{"@odata.id": "Orders(12)"}]


def test_expand_levels_recurses_into_the_same_navigation_5_1_3():
    result = evaluate("$filter=Id eq 1&$select=Id&$expand=Manager($select=Name;$levels=2)", PEOPLE)
    # level 1 is Boss, level 2 is Top; Top's own Manager is a third level, so not expanded
    assert result["value"][0]["Manager"] == {"Name": "Boss", "Manager": {"Name": "Top"}}
    one = evaluate("$filter=Id eq 1&$select=Id&$expand=Manager($select=Name)", PEOPLE)
    assert one["value"][0]["Manager"] == {"Name": "Boss"}
    deepest = evaluate("$filter=Id eq 1&$select=Id&$expand=Manager($select=Id;$levels=max)", PEOPLE)
    assert deepest["value"][0]["Manager"] == {"Id": 9, "Manager": {"Id": 99, "Manager": None}}


def test_compute_is_usable_in_filter_orderby_and_select_5_1_9():
    result = evaluate("$compute=Age add 1 as Next,concat(Name,'!') as Shout&$filter=Next gt 30"
                      "&$orderby=Shout desc&$select=Id,Next,Shout", PEOPLE)
    assert result["value"] == [{"@odata.id": "People(4)", "Id": 4, "Next": 31, "Shout": "Di!"},
                               {"@odata.id": "People(1)", "Id": 1, "Next": 31, "Shout": "Ann!"}]


def test_computed_values_carry_the_type_annotation_json_needs():
    result = evaluate("$compute=2020-01-01 add duration'P1D' as Day&$select=Day&$top=1", PEOPLE)
    assert result["value"][0] == {"@odata.id": "People(1)", "Day@odata.type": "#Date", "Day": "2020-01-02"}


@pytest.mark.parametrize("search, expected", [
    ("oslo", [1, 3]),
    ("OSLO AND Main", [1]),
    ("oslo NOT main", [3]),
    ("rome OR side", [2, 3]),
    ('"Via 2"', [2]),
    ('"2 Via"', []),
    ("ann", [1]),
    ("an", []),                      # whole words only
])
def test_search_matches_whole_words_in_string_values_5_1_8(search, expected):
    assert ids(evaluate(f"$search={search}", PEOPLE)) == expected


def test_parameter_aliases_in_filter_and_orderby_5_3():
    assert ids(evaluate("$filter=City eq @c&@c='Rome'", PEOPLE)) == [2]
    assert ids(evaluate("$filter=City eq @unset", PEOPLE)) == [4]


def test_root_refers_to_the_collection_given_5_1_1_14_5():
    assert ids(evaluate("$filter=Age eq $root/People(1)/Age", PEOPLE)) == [1, 4]
    assert ids(evaluate("$filter=$root/People/$count eq 4 and Id eq 2", PEOPLE)) == [2]


def test_the_result_is_encodable_with_encode_json_as_a_server_would_write_it():
    result = evaluate("$filter=Id eq 1&$select=Id,Name&$count=true", PEOPLE)
    assert encode_json(result) == ('{"@odata.count":1,"value":[{"@odata.id":"People(1)","Id":1,"Name":"Ann"}]}')
    # another form is asked for: the payload is read as typed values first (4.01 control names)
    assert json.loads(encode_json(result, version="4.01"))["@count"] == 1
    exact = evaluate("$select=Big", '{"value":[{"Big@odata.type":"#Int64","Big":9007199254740993}]}')
    assert encode_json(exact) == '{"value":[{"Big@odata.type":"#Int64","Big":9007199254740993}]}'


def test_bad_data_is_a_clear_error():
    for data, message in (("not json", "not JSON"), ({"values": []}, "collection payload"), ([1], "not an entity")):
        with pytest.raises(EvaluationError, match=message):
            evaluate("$top=1", data)


def test_orderby_compares_date_time_offsets_as_instants_and_decimals_exactly_5_1_5():
    data = [
        {"Id": 1, "At@odata.type": "#DateTimeOffset", "At": "2024-01-01T10:00:00+02:00", "D": Decimal("0.30")},
        {"Id": 2, "At@odata.type": "#DateTimeOffset", "At": "2024-01-01T09:00:00Z", "D": 1},
        {"Id": 3, "At@odata.type": "#DateTimeOffset", "At": "2024-01-01T08:30:00Z", "D": Decimal("0.2999999999999999999")},
        {"Id": 4, "At": None, "D": None},
    ]
    assert ids(evaluate("$orderby=At", data)) == [4, 1, 3, 2]      # 08:00Z, 08:30Z, 09:00Z; null first
    assert ids(evaluate("$orderby=At desc", data)) == [2, 3, 1, 4]
    assert ids(evaluate("$orderby=D", data)) == [4, 3, 1, 2]


def test_nan_sorts_before_numbers_and_after_null():
    data = [{"Id": 1, "X": 1.0}, {"Id": 2, "X": float("nan")}, {"Id": 3, "X": None}, {"Id": 4, "X": -1.0}]
    assert ids(evaluate("$orderby=X", data)) == [3, 2, 4, 1]


def test_expand_star_takes_every_embedded_object_without_a_model_5_1_3():
    result = evaluate("$filter=Id eq 3&$select=Id&$expand=*", [
        {"Id": 3, "Orders": [{"No": 12, "Total": 7}], "Boss": {"No": 1, "Name": "B"}, "Tags": ["x"]}])
    assert result["value"] == [{"Id": 3, "Orders": [{"No": 12, "Total": 7}], "Boss": {"No": 1, "Name": "B"}}]


@pytest.mark.parametrize("query, message", [
    ("$skiptoken=abc", "paging token"), ("$deltatoken=x", "change-tracking"), ("$format=xml", "JSON only"),
    ("$at=2020-01-01T00:00:00Z", "temporal"), ("$expand=Orders($at=2020-01-01T00:00:00Z)", "temporal"),
])
def test_options_that_mean_nothing_over_data_are_refused_not_ignored(query, message):
    with pytest.raises(EvaluationError, match=message):
        evaluate(query, PEOPLE)


def test_format_json_and_custom_options_are_accepted():
    assert ids(evaluate("$format=json&$top=1&debug=1", PEOPLE)) == [1]


def test_select_paths_reach_into_collections_of_complex_values_5_1_4():
    data = [{"Id": 1, "Addresses": [{"City": "Oslo", "Zip": "1"}, {"City": "Rome", "Zip": "2"}, None]}]
    assert evaluate("$select=Addresses/City", data)["value"] == [
        {"Addresses": [{"City": "Oslo"}, {"City": "Rome"}, None]}]
    assert evaluate("$select=Addresses/City,Addresses/Zip,Id", data)["value"] == data


def test_odatakit_evaluate_is_the_function_however_the_subpackage_was_imported():
    import subprocess
    import sys

    code = ("import odatakit.evaluation.filter, odatakit; "
            "print(odatakit.evaluate('$top=1', [{'a': 1}, {'a': 2}])['value'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(Path(__file__).parent.parent))
    assert out.stdout.strip() == "[{'a': 1}]"
    assert callable(odatakit.evaluate)


def test_an_error_names_the_expression_and_the_entity_it_failed_on():
    data = [{"Id": 1, "When": "2020-01-01"}, {"Id": 2, "When": "soon"}]
    with pytest.raises(EvaluationError) as info:
        evaluate("$filter=When gt 2019-01-01", data)
    assert info.value.path == "$.value[1]" and info.value.expression == "When gt 2019-01-01"
    assert "at: $.value[1]" in str(info.value)
