"""The OASIS ABNF test cases for query options, expressions and URL literals.

Every case of the rules below must give its expected pass/fail, except the ones listed in
``SKIPPED`` (each with its reason) — the one place where a deviation is written down.
Run ``python tests/test_conformance_query.py`` for the pass rate per rule. The Data Aggregation
suite has its own file, tests/test_conformance_aggregation.py.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

import odatakit
from odatakit import ODataSyntaxError

DATA = Path(__file__).parent / "data" / "conformance"


def _parse_literal_of(*types: str):
    def check(text: str) -> object:
        node = odatakit.parse_literal(text)
        kind = getattr(node, "type", "Enum")
        if types and not any(kind.startswith(t) for t in types):
            raise ODataSyntaxError(f"literal is {kind}, not {'/'.join(types)}", text, 0)
        return node

    return check


def _one_query_option(text: str) -> object:
    """Rules such as ``filter`` or ``skiptoken`` match one option: a raw '&' ends it."""
    if "&" in text:
        raise ODataSyntaxError("one query option expected", text, text.index("&"))
    return odatakit.parse_query(text)


def _in_context(prefix: str, suffix: str, parse):
    """Fragment rules (anyExpr after a '/', stringInUrl inside a JSON array) are parsed where
    they occur in an expression."""
    def check(text: str) -> object:
        return parse(prefix + text + suffix)

    return check


#: ABNF rule → the odatakit entry point that parses text of that rule.
ENTRY_POINTS = {
    # query strings ("$filter=…", "$expand=…&…")
    "queryOptions": odatakit.parse_query,
    **dict.fromkeys(
        ["filter", "orderby", "orderBy", "expand", "select", "search", "compute",
         "customQueryOption", "systemQueryOption", "skiptoken", "deltatoken"],
        _one_query_option,
    ),
    # expressions
    **dict.fromkeys(
        ["commonExpr", "boolCommonExpr", "boolcommonExpr", "firstMemberExpr", "isofExpr",
         "notExpr", "propertyPathExpr"],
        odatakit.parse_expression,
    ),
    "anyExpr": _in_context("Items/", "", odatakit.parse_expression),
    "stringInUrl": _in_context("[", "]", odatakit.parse_expression),
    "searchExpr": odatakit.parse_search,
    # literals as they appear in URLs
    "primitiveLiteral": _parse_literal_of(),
    "null": _parse_literal_of("Null"),
    "boolean": _parse_literal_of("Boolean"),
    "binaryLiteral": _parse_literal_of("Binary"),
    "guid": _parse_literal_of("Guid"),
    "date": _parse_literal_of("Date"),
    "dateTimeOffsetLiteral": _parse_literal_of("DateTimeOffset"),
    "dateTimeOffsetValueInUrl": _parse_literal_of("DateTimeOffset"),
    "timeOfDayLiteral": _parse_literal_of("TimeOfDay"),
    "durationLiteral": _parse_literal_of("Duration", "String"),  # 4.01: the prefix is optional
    "decimalLiteral": _parse_literal_of("Decimal", "Int", "Double"),
    "doubleLiteral": _parse_literal_of("Decimal", "Int", "Double"),
    "singleLiteral": _parse_literal_of("Decimal", "Int", "Double"),
    "int16Literal": _parse_literal_of("Int"),
    "int32Literal": _parse_literal_of("Int"),
    "int64Literal": _parse_literal_of("Int"),
    "sbyteLiteral": _parse_literal_of("Int"),
    "stringLiteral": _parse_literal_of("String"),
    "enumLiteral": _parse_literal_of("Enum", "String"),  # 4.01: the prefix is optional
    **{
        f"{family}{shape}": _parse_literal_of(f"{family.capitalize()}")
        for family in ("geography", "geometry")
        for shape in ("Collection", "LineString", "MultiLineString", "MultiPoint", "MultiPolygon", "Point", "Polygon")
    },
}

#: Cases whose expectation odatakit does not meet, each with the reason. Model-dependent cases
#: (shared/conformance/model-dependent.json) are added below from that file.
_REPEATED_OPTION = (
    "$format given four times: the ABNF cannot say it, but URL Conventions §5.1 says the same "
    "system query option MUST NOT be specified more than once, so odatakit refuses repeats"
)
SKIPPED: dict[str, str] = {
    "odata-abnf-testcases:616": _REPEATED_OPTION,
    "odata-abnf-testcases:618": _REPEATED_OPTION,
}


def _load(name: str) -> list[dict]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


MODEL_DEPENDENT = {case["id"]: case["why"] for case in _load("model-dependent.json")}


def _cases() -> list[dict]:
    cases = []
    for suite in ("odata-abnf-testcases.json", "odata-temporal-testcases.json"):
        for case in _load(suite):
            if case["rule"] not in ENTRY_POINTS:
                continue  # other rules belong to the URL and payload suites
            cases.append(case)
    return cases


CASES = _cases()


def _outcome(case: dict) -> str:
    try:
        ENTRY_POINTS[case["rule"]](case["input"])
    except ODataSyntaxError:
        return "fail"
    return "pass"


@pytest.mark.parametrize("case", CASES, ids=[f"{c['id']}:{c['rule']}" for c in CASES])
def test_abnf_case_gives_expected_outcome(case: dict) -> None:
    if case["id"] in MODEL_DEPENDENT:
        pytest.skip("model-dependent: " + MODEL_DEPENDENT[case["id"]])
    if case["id"] in SKIPPED:
        pytest.skip(SKIPPED[case["id"]])
    assert _outcome(case) == case["expect"], case["input"]


@pytest.mark.parametrize("case", [c for c in CASES if c["expect"] == "pass"], ids=lambda c: c["id"])
def test_accepted_case_serializes_to_a_fixed_point(case: dict) -> None:
    if case["id"] in SKIPPED or case["id"] in MODEL_DEPENDENT:
        pytest.skip("not accepted by design")
    tree = ENTRY_POINTS[case["rule"]](case["input"])
    # fragment rules were parsed inside an expression: that expression is what round-trips
    parse = odatakit.parse_expression if case["rule"] in ("anyExpr", "stringInUrl") else ENTRY_POINTS[case["rule"]]
    text = odatakit.serialize(tree)
    assert parse(text) == tree
    assert odatakit.serialize(parse(text)) == text
    assert parse(odatakit.serialize(tree, url=True)) == tree


def test_skipped_cases_still_exist() -> None:
    ids = {case["id"] for case in CASES}
    assert set(SKIPPED) <= ids


def pass_rates() -> dict[str, tuple[int, int, int]]:
    """rule → (cases met, cases run, cases skipped)."""
    rates: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    for case in CASES:
        entry = rates[case["rule"]]
        if case["id"] in SKIPPED or case["id"] in MODEL_DEPENDENT:
            entry[2] += 1
            continue
        entry[1] += 1
        entry[0] += _outcome(case) == case["expect"]
    return {rule: (met, run, skipped) for rule, (met, run, skipped) in sorted(rates.items())}


if __name__ == "__main__":
    total_met = total_run = 0
    print("| rule | met / run | skipped |\n|---|---|---|")
    for rule, (met, run, skipped) in pass_rates().items():
        total_met, total_run = total_met + met, total_run + run
        print(f"| {rule} | {met} / {run} | {skipped} |")
    print(f"| **all** | {total_met} / {total_run} | |")


def _leaves(node: object):
    """Every value held anywhere in a tree (nodes, tuples, and the plain values inside)."""
    import attrs

    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if attrs.has(type(current)):
            stack.extend(getattr(current, field.name) for field in attrs.fields(type(current)))
        elif isinstance(current, tuple):
            stack.extend(current)


def test_no_lark_token_or_tree_escapes_into_a_parsed_tree() -> None:
    import lark

    for case in CASES:
        if case["expect"] != "pass" or case["id"] in SKIPPED or case["id"] in MODEL_DEPENDENT:
            continue
        for value in _leaves(ENTRY_POINTS[case["rule"]](case["input"])):
            assert not isinstance(value, (lark.Token, lark.Tree)), (case["input"], value)
