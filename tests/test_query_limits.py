"""odatakit.Limits: ASP.NET Core OData's ODataValidationSettings names and defaults, checked on a
parsed query alone; each limit exceeded is an error naming it."""

from __future__ import annotations

import pytest

import odatakit
from odatakit.query.limits import ALL_FUNCTIONS, LimitExceeded, Limits


def test_defaults_are_those_of_odatavalidationsettings() -> None:
    limits = Limits()
    assert (limits.max_node_count, limits.max_expansion_depth, limits.max_any_all_expression_depth,
            limits.max_order_by_node_count, limits.max_top, limits.max_skip) == (100, 2, 1, 5, None, None)
    assert limits.allowed_functions == ALL_FUNCTIONS
    assert {"filter", "expand", "select", "orderby", "top", "skip", "count", "search"} <= limits.allowed_query_options


# (limits, query within them, query over them, the limit named)
CASES = [
    (Limits(), "$filter=" + " or ".join(f"A eq {n}" for n in range(24)),
     "$filter=" + " or ".join(f"A eq {n}" for n in range(40)), "MaxNodeCount"),
    (Limits(), "$expand=A($expand=B)", "$expand=A($expand=B($expand=C))", "MaxExpansionDepth"),
    (Limits(), "$expand=A($levels=2)", "$expand=A($levels=max)", "MaxExpansionDepth"),
    (Limits(), "$filter=A/any(a:a/B eq 1)", "$filter=A/any(a:a/B/all(b:b eq 1))", "MaxAnyAllExpressionDepth"),
    (Limits(), "$orderby=A,B,C,D,E", "$orderby=A,B,C,D,E,F", "MaxOrderByNodeCount"),
    (Limits(max_top=10), "$top=10", "$top=11", "MaxTop"),
    (Limits(max_skip=10), "$skip=10", "$skip=11", "MaxSkip"),
    (Limits(max_top=10), "$expand=A($top=10)", "$expand=A($top=11)", "MaxTop"),
    (Limits(max_function_call_depth=2), "$filter=length(trim(A)) eq 1", "$filter=length(trim(tolower(A))) eq 1",
     "MaxFunctionCallDepth"),
    (Limits(allowed_functions={"contains"}), "$filter=contains(A,'x')", "$filter=startswith(A,'x')",
     "AllowedFunctions"),
    (Limits(allowed_functions={"contains"}), "$filter=contains(A,'x')", "$filter=A/any(a:a eq 1)",
     "AllowedFunctions"),
    (Limits(allowed_arithmetic_operators={"add"}), "$filter=A add 1 eq 2", "$filter=A mul 1 eq 2",
     "AllowedArithmeticOperators"),
    (Limits(allowed_logical_operators={"eq", "and"}), "$filter=A eq 1 and B eq 2", "$filter=A eq 1 or B eq 2",
     "AllowedLogicalOperators"),
    (Limits(allowed_query_options={"filter", "top"}), "$filter=A eq 1&$top=1", "$filter=A eq 1&$skip=1",
     "AllowedQueryOptions"),
]


@pytest.mark.parametrize("limits, within, over, name", CASES, ids=[f"{case[3]}:{case[2][:30]}" for case in CASES])
def test_a_query_over_a_limit_is_refused_naming_it(limits: Limits, within: str, over: str, name: str) -> None:
    limits.check(odatakit.parse_query(within))
    with pytest.raises(LimitExceeded, match=name) as caught:
        limits.check(odatakit.parse_query(over))
    assert caught.value.limit == name


def test_none_switches_a_limit_off_and_zero_expansion_depth_means_no_limit() -> None:
    deep = odatakit.parse_query("$expand=A($expand=B($expand=C($expand=D)))")
    Limits(max_expansion_depth=0).check(deep)
    big = odatakit.parse_query("$filter=" + " or ".join(f"A eq {n}" for n in range(500)))
    Limits(max_node_count=None).check(big)


def test_limits_are_frozen_values() -> None:
    with pytest.raises(AttributeError):
        Limits().max_top = 3  # type: ignore[misc]
    assert Limits(allowed_functions=["a", "b"]) == Limits(allowed_functions=frozenset({"b", "a"}))
