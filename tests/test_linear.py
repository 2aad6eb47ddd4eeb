"""Parsing time grows linearly with the input, for every list-shaped construct and for errors.

A parser that copies its list at each item is quadratic, and for a server that parses untrusted
``$select`` or ``$search`` that is a denial of service. Each test parses a text of size ``n`` and
one of size ``2n`` (a few repeats, CPU time of this process, median) and checks the time grows by
at most ``LIMIT`` per doubling: a ratio, never a time. A ratio above the limit is measured once
more before it fails, since a busy machine only ever inflates a measurement.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

import pytest

import odatakit
from odatakit import ODataSyntaxError

#: Time may grow by this factor when the input doubles (2 is linear; the rest is noise).
LIMIT = 2.3
#: An error may cost this many times a successful parse of the same size (Lark re-parses the
#: text once to word the error, after the fast path stopped at it).
ERROR_FACTOR = 4.0
REPEATS = 3

Make = Callable[[int], str]
Parse = Callable[[str], object]


def _cost(parse: Parse, text: str) -> float:
    """Median CPU time of parsing ``text`` (a syntax error is an outcome, not a failure)."""
    times = []
    for _ in range(REPEATS):
        gc.collect()
        start = time.process_time()
        try:
            parse(text)
        except ODataSyntaxError:
            pass
        times.append(time.process_time() - start)
    return max(statistics.median(times), 1e-6)


def _growth(parse: Parse, make: Make, n: int) -> float:
    """Time(2n) / time(n); measured again (the smaller ratio kept) when it looks superlinear."""
    parse(make(8)) if _outcome(parse, make(8)) else None  # warm caches: grammar, patterns
    ratio = _cost(parse, make(2 * n)) / _cost(parse, make(n))
    if ratio > LIMIT:
        ratio = min(ratio, _cost(parse, make(2 * n)) / _cost(parse, make(n)))
    return ratio


def _outcome(parse: Parse, text: str) -> bool:
    try:
        parse(text)
    except ODataSyntaxError:
        return False
    return True


def _url(text: str) -> object:
    return odatakit.parse_url("https://host/service/" + text)


# family → (parse, text of n items that parses, the same text ending in an error, n)
FAMILIES: dict[str, tuple[Parse, Make, Make, int]] = {
    "select": (
        odatakit.parse_select,
        lambda n: ",".join(f"P{i}" for i in range(n)),
        lambda n: ",".join(f"P{i}" for i in range(n)) + ",",
        4000,
    ),
    "orderby": (
        odatakit.parse_orderby,
        lambda n: ",".join(f"P{i} desc" for i in range(n)),
        lambda n: ",".join(f"P{i} desc" for i in range(n)) + " asc",
        3000,
    ),
    "expand-items-with-options": (
        odatakit.parse_expand,
        lambda n: ",".join(f"N{i}($select=a,b;$top=1)" for i in range(n)),
        lambda n: ",".join(f"N{i}($select=a,b;$top=1)" for i in range(n)) + ",(",
        800,
    ),
    "expand-nested-option-list": (
        odatakit.parse_expand,
        lambda n: "N($select=" + ",".join(f"P{i}" for i in range(n)) + ";$orderby=" + ",".join(f"P{i}" for i in range(n)) + ")",
        lambda n: "N($select=" + ",".join(f"P{i}" for i in range(n)) + ";$orderby=" + ",".join(f"P{i}" for i in range(n)) + ";)",
        2000,
    ),
    "function-arguments": (
        odatakit.parse_filter,
        lambda n: "Ns.f(" + ",".join(f"p{i}={i}" for i in range(n)) + ") eq 1",
        lambda n: "Ns.f(" + ",".join(f"p{i}={i}" for i in range(n)) + ",) eq 1",
        3000,
    ),
    "case": (
        odatakit.parse_filter,
        lambda n: "case(" + ",".join(f"A eq 'k{i}':'v{i}'" for i in range(n)) + ") eq 'v1'",
        lambda n: "case(" + ",".join(f"A eq 'k{i}':'v{i}'" for i in range(n)) + ",A) eq 'v1'",
        1500,
    ),
    "json-array": (
        odatakit.parse_filter,
        lambda n: "A eq [" + ",".join(str(i) for i in range(n)) + "]",
        lambda n: "A eq [" + ",".join(str(i) for i in range(n)) + ",]",
        5000,
    ),
    "json-object": (
        odatakit.parse_filter,
        lambda n: "A eq {" + ",".join(f'"k{i}":{i}' for i in range(n)) + "}",
        lambda n: "A eq {" + ",".join(f'"k{i}":{i}' for i in range(n)) + ',"k":}',
        3000,
    ),
    "in-list": (
        odatakit.parse_filter,
        lambda n: "A in (" + ",".join(str(i) for i in range(n)) + ")",
        lambda n: "A in (" + ",".join(str(i) for i in range(n)) + ",)",
        5000,
    ),
    "or-chain-of-comparisons": (
        odatakit.parse_filter,
        lambda n: " or ".join(f"A eq {i}" for i in range(n)),
        lambda n: " or ".join(f"A eq {i}" for i in range(n)) + " or",
        2000,
    ),
    "or-chain-with-one-isof": (
        odatakit.parse_filter,
        lambda n: " or ".join(["isof(A,Ns.T)", *(f"A eq {i}" for i in range(n))]),
        lambda n: " or ".join(["isof(A,Ns.T)", *(f"A eq {i}" for i in range(n))]) + " or",
        2000,
    ),
    "and-chain-of-calls": (
        odatakit.parse_filter,
        lambda n: " and ".join(f"contains(A,'{i}')" for i in range(n)),
        lambda n: " and ".join(f"contains(A,'{i}')" for i in range(n)) + " and (",
        2000,
    ),
    "url-key-list": (
        _url,
        lambda n: "Set(" + ",".join(f"k{i}={i}" for i in range(n)) + ")",
        lambda n: "Set(" + ",".join(f"k{i}={i}" for i in range(n)) + ",)",
        2000,
    ),
    "query-string-of-options": (
        odatakit.parse_query,
        lambda n: "$select=" + ",".join(f"P{i}" for i in range(n)) + "&$orderby=" + ",".join(f"P{i}" for i in range(n)),
        lambda n: "$select=" + ",".join(f"P{i}" for i in range(n)) + "&$orderby=" + ",".join(f"P{i}" for i in range(n)) + ",",
        2000,
    ),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_families_parse_in_time_linear_in_the_number_of_items(family: str) -> None:
    parse, make, _, n = FAMILIES[family]
    assert _outcome(parse, make(n)), f"{family}: the text of {n} items must parse"
    assert _growth(parse, make, n) <= LIMIT


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_families_ending_in_an_error_fail_in_linear_time(family: str) -> None:
    parse, _, make_error, n = FAMILIES[family]
    assert not _outcome(parse, make_error(n)), f"{family}: the broken text must be a syntax error"
    assert _growth(parse, make_error, n) <= LIMIT


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_an_error_costs_a_small_constant_times_a_successful_parse(family: str) -> None:
    parse, make, make_error, n = FAMILIES[family]
    _growth(parse, make, 8)  # warm
    error = _cost(parse, make_error(n))
    success = _cost(parse, make(n))
    if error > ERROR_FACTOR * success:
        error = min(error, _cost(parse, make_error(n)))
    assert error <= ERROR_FACTOR * success


# $search: a long chain of words is refused at the depth limit (a binary tree, one level per
# word); reaching that verdict is linear too, whatever the chain's operators.
SEARCHES: dict[str, Make] = {
    "juxtaposed-words": lambda n: " ".join(f"w{i}" for i in range(n)),
    "OR-words": lambda n: " OR ".join(f"w{i}" for i in range(n)),
    "AND-NOT-phrases": lambda n: " AND ".join(f'NOT "p {i}"' for i in range(n)),
    "words-ending-in-OR": lambda n: " ".join(f"w{i}" for i in range(n)) + " OR",
}


@pytest.mark.parametrize("shape", sorted(SEARCHES))
def test_long_searches_reach_their_verdict_in_linear_time(shape: str) -> None:
    make = SEARCHES[shape]
    with pytest.raises(ODataSyntaxError):
        odatakit.parse_search(make(4000))
    assert _growth(odatakit.parse_search, make, 4000) <= LIMIT
