"""$filter semantics of the evaluator, table by table, each citing OData 4.01 URL Conventions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from odatakit import compile_filter, edm, evaluate_filter, parse_filter, tree
from odatakit.evaluation import EvaluationError
from odatakit.evaluation.filter import Scope, compile_expression
from odatakit.query.syntax import FUNCTIONS

ENTITY = {
    "Id": 7, "Name": "Ann", "Null": None, "Price": Decimal("10.5"), "Qty": 3, "Ratio": 0.5, "Flag": True,
    "Tags": ["a", "b", "c"], "Empty": [], "Nums": [1, 2, 3, 1],
    "Created@odata.type": "#DateTimeOffset", "Created": "2020-06-01T10:00:00+02:00",
    "Born@odata.type": "#Date", "Born": "1990-02-03",
    "Alarm@odata.type": "#TimeOfDay", "Alarm": "07:30:15.25",
    "Wait@odata.type": "#Duration", "Wait": "PT1H30M",
    "Color@odata.type": "#Ns.Color", "Color": "Red,Blue",
    "Big@odata.type": "#Int64", "Big": "9007199254740993",
    "Items": [{"Q": 1, "Name": "x"}, {"Q": 5, "Name": "y"}],
    "Address": {"City": "Oslo", "Zip": None},
    "Emoji": "a😀b",
}


def value(expr: str, entity: dict = ENTITY) -> object:
    """The runtime value of any expression over ENTITY (fixed now())."""
    now = edm.DateTimeOffset.parse("2024-01-02T03:04:05Z")
    return compile_expression(parse_filter(expr)).value(entity, Scope(it=entity, root=[entity], now=now))


def run(table: list[tuple[str, object]]) -> None:
    for expr, expected in table:
        got = value(expr)
        assert type(got) is type(expected) and got == expected, (expr, got, expected)


def test_three_valued_and_or_not_with_null_follow_5_1_1_1_7_to_9():
    # §5.1.1.1.7 and, §5.1.1.1.8 or, §5.1.1.1.9 not — Kleene logic over true/false/null.
    # `Null eq null` is true, `Flag` true; a null Boolean comes from `contains(Null,'x')`.
    n = "contains(Null,'x')"
    run([
        (f"{n} and true", None), (f"{n} and false", False), (f"false and {n}", False), (f"{n} and {n}", None),
        (f"{n} or true", True), (f"true or {n}", True), (f"{n} or false", None), (f"{n} or {n}", None),
        (f"not {n}", None), ("not Flag", False), ("not (Id eq 8)", True),
        ("true and true and true", True), ("false or false or true", True),
    ])


def test_eq_and_ne_with_null_5_1_1_1_1_and_2():
    run([("Null eq null", True), ("Null ne null", False), ("Id eq null", False), ("Id ne null", True),
         ("null eq Null", True), ("Missing eq null", True)])


def test_ordering_comparisons_with_a_null_operand_are_false_5_1_1_1_3_to_6():
    # gt/lt with null: false; ge/le are (gt or eq) / (lt or eq), so null ge null is true.
    run([("Null gt 1", False), ("Null lt 1", False), ("1 gt Null", False), ("Null ge 1", False),
         ("Null le 1", False), ("Null ge null", True), ("Null le null", True), ("Null gt null", False),
         ("Null lt null", False)])


def test_comparisons_promote_numbers_5_1_1_18():
    run([("Qty eq 3.0", True), ("Qty lt 3.5", True), ("Price gt 10", True), ("Price eq 10.5", True),
         ("Ratio eq 0.5", True), ("Ratio eq 5e-1", True), ("Price eq 10.5e0", True),
         ("Big eq 9007199254740993", True), ("Big eq 9007199254740992", False)])


def test_nan_equals_nothing_not_even_itself_5_1_1_1_1():
    run([("NaN eq NaN", False), ("NaN ne NaN", True), ("NaN gt 1", False), ("NaN lt 1", False)])


def test_arithmetic_with_null_is_null_5_1_1_2():
    run([("Null add 1", None), ("1 sub Null", None), ("Null mul 2", None), ("Null div 2", None),
         ("Null mod 2", None), ("-Null", None), ("Null divby 2", None)])


def test_numeric_arithmetic_promotes_and_keeps_decimals_exact_5_1_1_2_and_5_1_1_18():
    run([
        ("1 add 2", 3), ("Qty mul 2", 6), ("Price add 0.1", Decimal("10.6")), ("0.1 add 0.2", Decimal("0.3")),
        ("Price mul Qty", Decimal("31.5")), ("Ratio add 1", 1.5), ("Price add 1e0", 11.5),
        ("9223372036854775806 add 1", 9223372036854775807), ("Big add 0", 9007199254740993),
    ])


def test_integer_div_truncates_toward_zero_and_divby_does_not_5_1_1_2_4_and_5():
    run([("7 div 2", 3), ("-7 div 2", -3), ("7 div -2", -3), ("-7 div -2", 3), ("7 divby 2", Decimal("3.5")),
         ("-7 divby 2", Decimal("-3.5")), ("7.0 div 2", Decimal("3.5")), ("1 divby 3", Decimal("0.3333333333333333333333333333333333")),
         ("7e0 div 2", 3.5), ("1e0 div 0", float("inf"))])


def test_mod_takes_the_sign_of_the_left_operand_5_1_1_2_6():
    run([("7 mod 3", 1), ("-7 mod 3", -1), ("7 mod -3", 1), ("-7 mod -3", -1), ("7.5 mod 2", Decimal("1.5")),
         ("-7.5 mod 2", Decimal("-1.5")), ("-7.5e0 mod 2", -1.5), ("6 mod 3", 0)])


def test_integer_division_by_zero_and_overflow_are_errors():
    for expr in ("1 div 0", "1 mod 0", "1.5 div 0", "9223372036854775807 add 1", "1 divby 0"):
        with pytest.raises(EvaluationError):
            value(expr)


def test_date_time_offset_compares_as_an_instant_5_1_1_1_1():
    # Created is 10:00+02:00, the instant 08:00Z.
    run([("Created eq 2020-06-01T08:00:00Z", True), ("Created gt 2020-06-01T08:59:00+01:00", True),
         ("Created lt 2020-06-01T09:00:00.000000000001+01:00", True),
         ("Created eq 2020-06-01T10:00:00+02:00", True)])


def test_date_parts_read_the_values_own_offset_5_1_1_8():
    run([("year(Created)", 2020), ("month(Created)", 6), ("day(Created)", 1), ("hour(Created)", 10),
         ("minute(Created)", 0), ("second(Created)", 0), ("totaloffsetminutes(Created)", 120),
         ("hour(2020-01-01T23:30:00-05:00)", 23), ("day(2020-01-01T23:30:00-05:00)", 1),
         ("year(Born)", 1990), ("month(Born)", 2), ("day(Born)", 3), ("hour(Alarm)", 7), ("minute(Alarm)", 30),
         ("second(Alarm)", 15), ("fractionalseconds(Alarm)", Decimal("0.25")),
         ("fractionalseconds(Created)", Decimal(0)), ("totalseconds(Wait)", Decimal(5400)),
         ("date(Created)", edm.Date(2020, 6, 1)), ("time(Created)", edm.TimeOfDay(10, 0, 0)),
         ("year(Null)", None), ("totalseconds(duration'-P1DT1S')", Decimal(-86401))])


def test_now_is_fixed_per_evaluation_and_min_max_datetime_5_1_1_8():
    run([("now()", edm.DateTimeOffset.parse("2024-01-02T03:04:05Z")),
         ("year(maxdatetime())", 9999), ("year(mindatetime())", 1), ("mindatetime() lt maxdatetime()", True)])
    check = compile_filter("now() eq now()")
    assert check({}) is True


def test_temporal_arithmetic_5_1_1_2_1_and_2():
    run([
        ("Created add duration'PT1H'", edm.DateTimeOffset.parse("2020-06-01T11:00:00+02:00")),
        ("Created sub duration'P1D'", edm.DateTimeOffset.parse("2020-05-31T10:00:00+02:00")),
        ("2020-06-01T10:00:00+02:00 sub 2020-06-01T08:00:00Z", edm.Duration.parse("PT0S")),
        ("2020-03-01 sub 2020-02-01", edm.Duration.parse("P29D")),
        ("2020-02-28 add duration'P1D'", edm.Date(2020, 2, 29)),
        ("Wait add duration'PT30M'", edm.Duration.parse("PT2H")),
        ("Wait sub duration'PT2H'", edm.Duration.parse("-PT30M")),
        ("-Wait", edm.Duration.parse("-PT1H30M")),
        ("2020-12-31T23:59:59.5Z add duration'PT0.5S'", edm.DateTimeOffset.parse("2021-01-01T00:00:00Z")),
    ])


def test_in_is_equality_with_any_item_5_1_1_1_11():
    run([("Name in ('Ann','Bob')", True), ("Name in ('Bob')", False), ("Qty in (1,2,3)", True),
         ("Qty in [3.0]", True), ("Null in ('a')", False), ("Null in [null]", True)])


def test_has_on_flags_enums_5_1_1_1_10():
    run([("Color has Ns.Color'Red'", True), ("Color has Ns.Color'Red,Blue'", True),
         ("Color has Ns.Color'Green'", False), ("Null has Ns.Color'Red'", None)])


def test_any_over_empty_is_false_and_all_is_true_5_1_1_13():
    run([("Empty/any(t:t eq 'a')", False), ("Empty/all(t:t eq 'a')", True), ("Empty/any()", False),
         ("Tags/any()", True), ("Tags/any(t:t eq 'b')", True), ("Tags/all(t:t eq 'b')", False),
         ("Missing/any()", False),
         ("Items/any(i:i/Q gt 4)", True), ("Items/all(i:i/Q gt 0)", True),
         # an outer property inside the lambda, unprefixed and through $it
         ("Items/any(i:i/Q lt Qty)", True), ("Items/any(i:i/Q eq $it/Qty)", False),
         # nested lambdas see the outer variable
         ("Items/any(i:Tags/any(t:i/Name eq 'x' and t eq 'a'))", True),
         ("Items/any(i:Tags/any(t:i/Name eq 'y' and t eq 'z'))", False)])


def test_a_lambda_variable_shadows_a_property_only_inside_its_predicate_5_1_1_13():
    entity = {"i": 1, "Items": [{"Q": 1}, {"Q": 5}], "Nums": [1, 2], "Pairs": [[1, 2]]}
    table = [
        ("i eq 1 and Items/any(i:i/Q eq 5)", True),  # the property i outside, the variable inside
        ("Items/any(i:$it/i eq 1 and i/Q eq 5)", True),  # $it/i: the property, even inside
        ("Nums/any(i:Nums/any(i:i eq 2))", True),  # the inner i rebinds the name
        ("Nums/any(n:Nums/all(m:m le n))", True),  # n, the outer variable, is seen inside
    ]
    for expr, expected in table:
        assert value(expr, entity) is expected, expr


def test_string_functions_on_code_points_5_1_1_5_and_7():
    run([
        ("contains(Name,'nn')", True), ("contains(Name,'NN')", False), ("startswith(Name,'An')", True),
        ("endswith(Name,'nn')", True), ("length(Name)", 3), ("length(Emoji)", 3), ("indexof(Name,'n')", 1),
        ("indexof(Name,'z')", -1), ("indexof(Emoji,'b')", 2), ("substring(Emoji,1,1)", "😀"),
        ("substring('Hello',1)", "ello"), ("substring('Hello',1,2)", "el"), ("substring('Hello',9)", ""),
        ("substring('Hello',-1)", "Hello"), ("substring('Hello',3,9)", "lo"), ("tolower('ÀB')", "àb"),
        ("toupper('àb')", "ÀB"), ("trim('  x y  ')", "x y"), ("concat(Name,'!')", "Ann!"),
        ("concat(concat('a','b'),'c')", "abc"), ("contains(Null,'x')", None), ("length(Null)", None),
        ("concat(Null,'x')", None), ("substring(Name,Null)", None),
        ("contains('50%','%')", True), ("contains('a_b','_')", True), ("contains('abc','%')", False),
    ])


def test_substring_with_a_negative_length_is_an_error():
    with pytest.raises(EvaluationError, match="length must not be negative"):
        value("substring('Hello',1,-1)")


def test_collection_functions_5_1_1_5_and_6():
    run([
        ("contains(Tags,['b','c'])", True), ("contains(Tags,['c','b'])", False), ("startswith(Tags,['a'])", True),
        ("endswith(Tags,['b','c'])", True), ("indexof(Tags,['c'])", 2), ("length(Tags)", 3),
        ("concat(Tags,['d'])", ["a", "b", "c", "d"]), ("substring(Tags,1)", ["b", "c"]),
        ("hassubset(Nums,[3,1])", True), ("hassubset(Nums,[1,1])", True), ("hassubset(Nums,[2,2])", False),
        ("hassubset(Nums,[])", True), ("hassubsequence(Nums,[1,3])", True), ("hassubsequence(Nums,[3,2])", False),
        ("hassubsequence(Nums,[1,1])", True), ("hassubsequence(Nums,[2,1,1])", False),
    ])


def test_matches_pattern_uses_re2_and_refuses_what_re2_cannot_run_5_1_1_7_1():
    run([("matchesPattern(Name,'^A.n$')", True), ("matchesPattern(Name,'^a')", False),
         ("matchesPattern(Null,'x')", None), ("matchesPattern('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!','^(a+)+$')", False)])
    with pytest.raises(EvaluationError, match="RE2"):
        compile_filter(r"matchesPattern(Name,'(a)\1')")


def test_rounding_functions_round_half_away_from_zero_5_1_1_9():
    run([("round(2.5)", Decimal(3)), ("round(-2.5)", Decimal(-3)), ("round(2.4)", Decimal(2)),
         ("round(2.5e0)", 3.0), ("round(-2.5e0)", -3.0), ("round(0.49999999999999994e0)", 0.0),
         ("floor(-1.5)", Decimal(-2)), ("ceiling(-1.5)", Decimal(-1)), ("floor(1.5e0)", 1.0),
         ("ceiling(1.2e0)", 2.0), ("round(Null)", None), ("round(3)", 3)])


def test_case_takes_the_first_true_branch_else_null_5_1_1_12():
    run([("case(Qty gt 0:1,Qty lt 0:-1,true:0)", 1), ("case(Qty gt 5:1,Qty lt 0:-1,true:0)", 0),
         ("case(Qty gt 5:1)", None), ("case(contains(Null,'x'):1,true:2)", 2)])


def test_cast_and_isof_on_primitives_5_1_1_10():
    run([("cast(Qty,Edm.String)", "3"), ("cast('12',Edm.Int32)", 12), ("cast('x',Edm.Int32)", None),
         ("cast(Price,Edm.Int32)", None), ("cast(3.0,Edm.Int32)", 3), ("cast(Qty,Edm.Decimal)", Decimal(3)),
         ("cast(Qty,Edm.Double)", 3.0), ("cast(Created,Edm.Date)", edm.Date(2020, 6, 1)),
         ("cast(3000000000,Edm.Int32)", None), ("cast(Null,Edm.String)", None),
         ("isof(Qty,Edm.Int32)", True), ("isof(Qty,Edm.Int64)", True), ("isof(Qty,Edm.String)", False),
         ("isof(Name,Edm.String)", True), ("isof(Created,Edm.DateTimeOffset)", True),
         ("isof(3000000000,Edm.Int32)", False), ("isof(Null,Edm.String)", None)])


def test_cast_and_isof_on_instances_use_odata_type_annotations_5_1_1_10():
    manager = {"@odata.type": "#Ns.Manager", "Name": "M"}
    plain = {"Name": "P"}
    assert evaluate_filter("isof(Ns.Manager)", manager) is True
    assert evaluate_filter("isof(Ns.Manager)", plain) is False
    assert evaluate_filter("isof(Ns.Manager)", plain, entity_type="Ns.Manager") is True
    assert evaluate_filter("Ns.Manager/Name eq 'M'", manager) is True
    assert evaluate_filter("cast(Ns.Manager) eq null", plain) is True
    assert evaluate_filter("Ns.Manager/Name eq 'M'", plain) is False


def test_parameter_aliases_and_unset_alias_is_null_5_3():
    from odatakit.evaluation.filter import compile_expression as ce
    fn = ce(parse_filter("Name eq @n and @missing eq null"), aliases={"n": tree.Literal("String", "Ann")})
    assert fn(ENTITY) is True
    with pytest.raises(EvaluationError, match="refers to itself"):
        ce(parse_filter("@a eq 1"), aliases={"a": tree.Alias("a")})


def test_type_mismatches_are_clear_errors_with_the_expression():
    for expr in ("Name eq 1", "Name gt 1", "Name add 1", "Flag and 1 eq 1 and Name", "contains(Qty,'1')"):
        with pytest.raises(EvaluationError) as info:
            compile_filter(expr)(ENTITY)
        assert "in:" in str(info.value) or "Boolean" in str(info.value), expr


def test_untyped_json_strings_take_the_type_of_the_literal_they_meet():
    entity = {"When": "2020-01-01T00:00:00Z", "Day": "2020-01-01"}
    assert evaluate_filter("When gt 2019-12-31T23:00:00-02:00", entity) is False
    assert evaluate_filter("Day eq 2020-01-01", entity) is True
    with pytest.raises(EvaluationError, match="not an Edm.Date"):
        evaluate_filter("Day eq 2020-01-01", {"Day": "soon"})


def test_compiled_filter_is_three_valued():
    check = compile_filter("Flag and Tags/any(t:t eq 'z') or contains(Null,'x')")
    assert check(ENTITY) is None
    assert compile_filter("Qty gt 2")({"Qty": 3}) is True
    assert compile_filter("Qty gt 2")({"Qty": None}) is False


def test_a_non_boolean_filter_is_an_error():
    with pytest.raises(EvaluationError, match="must be Edm.Boolean"):
        compile_filter("Qty add 1")(ENTITY)


def test_deep_hand_built_trees_end_in_a_clear_error_not_recursion_error():
    expr: tree.Expr = tree.Literal("Int32", 1)
    for _ in range(5000):
        expr = tree.BinaryOp("add", expr, tree.Literal("Int32", 1))
    with pytest.raises(EvaluationError, match="nested more than"):
        compile_filter(tree.BinaryOp("eq", expr, tree.Literal("Int32", 1)))


def test_the_deepest_tree_the_parser_accepts_evaluates():
    text = "(" * 150 + "Qty" + " add 1)" * 150 + " gt 0"
    assert compile_filter(text)(ENTITY) is True


def test_long_and_chains_are_flat_and_evaluate():
    text = " and ".join(["Qty gt 0"] * 2000)
    assert compile_filter(text)(ENTITY) is True


CUSTOMER = {
    "CompanyName": "Alfreds Futterkiste", "City": "Berlin", "Country": "Germany", "Freight": Decimal("32.4"),
    "Price@odata.type": "#Double", "Price": 4.5,
    "BirthDate@odata.type": "#DateTimeOffset", "BirthDate": "1948-12-08T00:00:00.05Z",
    "StartTime@odata.type": "#DateTimeOffset", "StartTime": "2011-10-04T08:00:00+01:00",
    "EndTime@odata.type": "#DateTimeOffset", "EndTime": "2011-10-04T10:00:00+01:00",
    "ShipTime@odata.type": "#TimeOfDay", "ShipTime": "13:00:00",
    "Duration@odata.type": "#Duration", "Duration": "PT15H",
    "Style@odata.type": "#Sales.Pattern", "Style": "Yellow,Solid",
    "Rating": 4, "Name": "Milk",
}


@pytest.mark.parametrize("expr", [
    # §5.1.1.1 logical operators
    "Name eq 'Milk'", "Name ne 'Milk '", "Price gt 4", "Price ge 4.5", "Price lt 5", "Price le 4.5",
    "Name eq 'Milk' and Price lt 5", "Name eq 'Milk' or Price gt 100", "not contains(Name,'X')",
    "Style has Sales.Pattern'Yellow'", "Name in ('Milk','Cheese')",
    # §5.1.1.2 arithmetic operators
    "Price add 5 gt 9", "Price sub 5 lt 0", "Price mul 2 eq 9", "Price div 2 gt 2", "Rating div 2 eq 2",
    "Rating divby 8 eq 0.5", "Rating mod 3 eq 1", "StartTime add duration'PT2H' eq EndTime",
    "EndTime sub StartTime eq duration'PT2H'",
    # §5.1.1.5 string and collection functions
    "concat(concat(City,', '),Country) eq 'Berlin, Germany'", "contains(CompanyName,'freds')",
    "endswith(CompanyName,'Futterkiste')", "indexof(CompanyName,'lfreds') eq 1", "length(CompanyName) eq 19",
    "startswith(CompanyName,'Alfr')", "substring(CompanyName,1) eq 'lfreds Futterkiste'",
    "substring(CompanyName,1,2) eq 'lf'",
    # §5.1.1.6 collection functions
    "hassubset([4,1,3],[4,1,3])", "hassubset([4,1,3],[1,3,4])", "hassubset([4,1,3],[3,1])",
    "hassubset([4,1,3,1],[1,1])", "not hassubset([4,1,3],[1,1])",
    "hassubsequence([4,1,3,1],[1,1])", "hassubsequence([4,1,3],[4,3])", "not hassubsequence([4,1,3],[3,1])",
    # §5.1.1.7 string functions
    "matchesPattern(CompanyName,'^A.*e$')", "tolower(CompanyName) eq 'alfreds futterkiste'",
    "toupper(CompanyName) eq 'ALFREDS FUTTERKISTE'", "trim(' x ') eq 'x'",
    # §5.1.1.8 date and time functions
    "date(EndTime) eq 2011-10-04", "day(BirthDate) eq 8", "fractionalseconds(BirthDate) lt 0.1",
    "hour(BirthDate) eq 0", "minute(BirthDate) eq 0", "month(BirthDate) eq 12", "second(BirthDate) eq 0",
    "time(StartTime) le ShipTime", "totaloffsetminutes(StartTime) eq 60", "totalseconds(Duration) eq 54000",
    "year(BirthDate) eq 1948", "StartTime le now()", "EndTime lt maxdatetime()", "StartTime gt mindatetime()",
    # §5.1.1.9 arithmetic functions
    "ceiling(Freight) eq 33", "floor(Freight) eq 32", "round(Freight) eq 32",
    # §5.1.1.10 type functions
    "cast(Rating,Edm.String) eq '4'", "isof(Name,Edm.String)",
    # §5.1.1.12 conditional function
    "case(Rating gt 3:'good',true:'bad') eq 'good'",
])
def test_the_specs_own_examples_hold_over_a_customer(expr):
    assert compile_filter(expr)(CUSTOMER) is True, expr


def test_builder_expressions_compile_like_their_text():
    from odatakit import F

    assert compile_filter(F.Rating > 3)(CUSTOMER) is True
    assert compile_filter((F.Rating > 3) & (F.Name == "Tea"))(CUSTOMER) is False


def test_geography_literals_are_refused_in_comparisons():
    with pytest.raises(EvaluationError, match="cannot be compared"):
        evaluate_filter("geography'SRID=4326;Point(1 2)' eq geography'SRID=4326;Point(1 2)'", {})


def test_deeply_nested_data_is_a_clear_error_not_recursion_error():
    deep: dict = {"x": 1}
    for _ in range(5000):
        deep = {"x": deep}
    with pytest.raises(EvaluationError, match="nested too deep"):
        evaluate_filter("A eq B", {"A": deep, "B": deep})


@pytest.mark.parametrize("expr", [
    "Qty gt 2 and Name eq 'Ann' and Null eq null", "Qty gt 5 or startswith(Name,'A')", "contains(Null,'x') or Qty eq 3",
    "contains(Null,'x') and Qty eq 3", "endswith(Name,'n') and Ratio lt 1.5e0", "Qty eq 3.0", "Born eq 1990-02-03",
    "Created eq 2020-06-01T08:00:00Z and Name ne 'Bob'", "Missing eq 1 or Missing ne 1", "Name ne null and Qty le 3",
])
def test_the_generated_fast_path_agrees_with_the_closures(expr):
    from odatakit.evaluation.filter import _Context, _compile
    from odatakit.evaluation.types import Types

    tree_ = parse_filter(expr)
    closures = _compile(tree_, _Context({}, {}, Types(None, None), None))
    for entity in (ENTITY, {**ENTITY, "Qty": None, "Name": None}, {**ENTITY, "Name@odata.type": "#String"},
                   {**ENTITY, "Qty": Decimal("3.0")}, {}):
        assert compile_filter(tree_)(entity) is closures(entity, Scope()), (expr, entity)


def test_it_inside_a_count_filter_is_the_outer_entity_5_1_1_14_4():
    entity = {"Limit": 3, "Items": [{"Q": 1}, {"Q": 5}, {"Q": 7}]}
    assert value("Items/$count($filter=Q gt $it/Limit)", entity) == 2
    assert value("Items/$filter(Q lt $it/Limit)/$count", entity) == 1
    assert value("Items/$filter(Q gt 4)/any(i:i/Q gt $it/Limit)", entity) is True
    # the same through compile_filter and evaluate, where $it starts out as the current entity
    assert compile_filter("Items/$count($filter=Q gt $it/Limit) eq 2")(entity) is True
    from odatakit import evaluate

    assert evaluate("$filter=Items/$filter(Q lt $it/Limit)/$count eq 1", [entity])["value"] == [entity]


# isdefined (Data Aggregation §3.2.4) takes a property path, not a value, and is never null.
@pytest.mark.parametrize("name", sorted(n for n, (fewest, _) in FUNCTIONS.items() if fewest > 0 and n != "isdefined"))
def test_every_canonical_function_returns_null_for_a_null_argument_5_1_1_4(name):
    fewest, _ = FUNCTIONS[name]
    for position in range(fewest):
        args = [tree.Literal("String", "x")] * fewest
        args[position] = tree.Literal("Null", None)
        assert compile_expression(tree.Call(name, args)).value({}, Scope()) is None, (name, position)


def test_compiled_filters_take_decoded_values_too():
    from odatakit import decode

    entity = decode('{"Qty@odata.type":"#Int64","Qty":3,"When@odata.type":"#Date","When":"2020-01-02"}')
    assert compile_filter("Qty eq 3 and When gt 2020-01-01")(entity) is True


def test_duration_scaled_by_an_integer():
    assert value("Wait mul 2") == edm.Duration.parse("PT3H")
    assert value("2 mul Wait") == edm.Duration.parse("PT3H")
    with pytest.raises(EvaluationError, match="by an integer"):
        value("Wait mul 1.5")


@pytest.mark.parametrize(("expression", "entity", "expected"), [
    ("isdefined(Name)", {"Name": "Ann"}, True),
    ("isdefined(Name)", {"Name": None}, True),  # a null value is defined
    ("isdefined(Name)", {}, False),
    ("isdefined(Address/City)", {"Address": {"City": None}}, True),
    ("isdefined(Address/City)", {"Address": {}}, False),
    ("isdefined(Address/City)", {"Address": None}, False),
])
def test_isdefined_says_whether_the_property_is_present_data_aggregation_3_2_4(expression, entity, expected):
    assert evaluate_filter(parse_filter(expression), entity) is expected
