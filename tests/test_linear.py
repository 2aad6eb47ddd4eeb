"""Parsing time grows linearly with the input, for every list-shaped construct and for errors.

A parser that copies its list at each item is quadratic, and for a server that parses untrusted
``$select`` or ``$search`` that is a denial of service. Each test parses a text of size ``n`` and
one of size ``4n`` (a few repeats, CPU time of this process, median) and checks the time grows by
at most ``LIMIT`` per doubling (``LIMIT**2`` for the two): a ratio, never a time. A ratio above
the limit is measured up to twice more before it fails, since a busy machine only inflates a measurement.
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
#: An error may cost this many times a successful parse of the same size: the hand-written
#: parser reads up to the error and steps aside, then the lean driver recognises the parser
#: states up to the last separator it read (no callbacks; a plain nested $select/$orderby list
#: read to its first item only) and parses only the tail; a plain $select/$orderby list needs the
#: tail alone. Measured 0.7-3 times on a loaded machine (load 3), the $filter chains (case,
#: or-chains) highest, at about 3: the allowance keeps a margin over them. A constant, whatever
#: the size (tests/test_error_path.py holds these errors to Lark's).
ERROR_FACTOR = 5.0
REPEATS = 3
#: The smallest input of a measurement takes at least this much CPU time: below a few
#: milliseconds, a timer tick or a cache miss is a visible share of the time and a ratio is noise.
MIN_COST = 0.003
#: Measurements of a ratio before it counts as superlinear (a busy machine only inflates one).
ATTEMPTS = 3

Make = Callable[[int], str]
Parse = Callable[[str], object]


def _cost(parse: Parse, text: str) -> float:
    """Median CPU time of parsing ``text`` (a syntax error is an outcome, not a failure)."""
    times = []
    gc.disable()  # a collection landing in one run and not the other is noise, not growth
    try:
        for _ in range(REPEATS):
            start = time.process_time()
            try:
                parse(text)
            except ODataSyntaxError:
                pass
            times.append(time.process_time() - start)
    finally:
        gc.enable()
    return max(statistics.median(times), 1e-6)


def _measurable(parse: Parse, make: Make, n: int) -> int:
    """``n``, doubled until parsing ``make(n)`` costs at least MIN_COST (at most 64 times)."""
    _outcome(parse, make(8))  # warm caches: grammar, patterns
    for _ in range(6):
        if _cost(parse, make(n)) >= MIN_COST:
            break
        n *= 2
    return n


def _growth(parse: Parse, make: Make, n: int) -> float:
    """Growth per doubling from a measurable size: sqrt(time(4n) / time(n)); measured again (the
    smaller kept) when it looks superlinear."""
    n = _measurable(parse, make, n)
    small, large = make(n), make(4 * n)
    ratio = (_cost(parse, large) / _cost(parse, small)) ** 0.5
    for _ in range(ATTEMPTS - 1):
        if ratio <= LIMIT:
            break
        ratio = min(ratio, (_cost(parse, large) / _cost(parse, small)) ** 0.5)
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
        500,
    ),
    "orderby": (
        odatakit.parse_orderby,
        lambda n: ",".join(f"P{i} desc" for i in range(n)),
        lambda n: ",".join(f"P{i} desc" for i in range(n)) + " asc",
        375,
    ),
    "expand-items-with-options": (
        odatakit.parse_expand,
        lambda n: ",".join(f"N{i}($select=a,b;$top=1)" for i in range(n)),
        lambda n: ",".join(f"N{i}($select=a,b;$top=1)" for i in range(n)) + ",(",
        100,
    ),
    "expand-nested-option-list": (
        odatakit.parse_expand,
        lambda n: "N($select=" + ",".join(f"P{i}" for i in range(n)) + ";$orderby=" + ",".join(f"P{i}" for i in range(n)) + ")",
        lambda n: "N($select=" + ",".join(f"P{i}" for i in range(n)) + ";$orderby=" + ",".join(f"P{i}" for i in range(n)) + ";)",
        250,
    ),
    "function-arguments": (
        odatakit.parse_filter,
        lambda n: "Ns.f(" + ",".join(f"p{i}={i}" for i in range(n)) + ") eq 1",
        lambda n: "Ns.f(" + ",".join(f"p{i}={i}" for i in range(n)) + ",) eq 1",
        375,
    ),
    "case": (
        odatakit.parse_filter,
        lambda n: "case(" + ",".join(f"A eq 'k{i}':'v{i}'" for i in range(n)) + ") eq 'v1'",
        lambda n: "case(" + ",".join(f"A eq 'k{i}':'v{i}'" for i in range(n)) + ",A) eq 'v1'",
        187,
    ),
    "json-array": (
        odatakit.parse_filter,
        lambda n: "A eq [" + ",".join(str(i) for i in range(n)) + "]",
        lambda n: "A eq [" + ",".join(str(i) for i in range(n)) + ",]",
        625,
    ),
    "json-object": (
        odatakit.parse_filter,
        lambda n: "A eq {" + ",".join(f'"k{i}":{i}' for i in range(n)) + "}",
        lambda n: "A eq {" + ",".join(f'"k{i}":{i}' for i in range(n)) + ',"k":}',
        375,
    ),
    "in-list": (
        odatakit.parse_filter,
        lambda n: "A in (" + ",".join(str(i) for i in range(n)) + ")",
        lambda n: "A in (" + ",".join(str(i) for i in range(n)) + ",)",
        625,
    ),
    "or-chain-of-comparisons": (
        odatakit.parse_filter,
        lambda n: " or ".join(f"A eq {i}" for i in range(n)),
        lambda n: " or ".join(f"A eq {i}" for i in range(n)) + " or",
        250,
    ),
    "or-chain-with-one-isof": (
        odatakit.parse_filter,
        lambda n: " or ".join(["isof(A,Ns.T)", *(f"A eq {i}" for i in range(n))]),
        lambda n: " or ".join(["isof(A,Ns.T)", *(f"A eq {i}" for i in range(n))]) + " or",
        250,
    ),
    "and-chain-of-calls": (
        odatakit.parse_filter,
        lambda n: " and ".join(f"contains(A,'{i}')" for i in range(n)),
        lambda n: " and ".join(f"contains(A,'{i}')" for i in range(n)) + " and (",
        250,
    ),
    "url-key-list": (
        _url,
        lambda n: "Set(" + ",".join(f"k{i}={i}" for i in range(n)) + ")",
        lambda n: "Set(" + ",".join(f"k{i}={i}" for i in range(n)) + ",)",
        250,
    ),
    "query-string-of-options": (
        odatakit.parse_query,
        lambda n: "$select=" + ",".join(f"P{i}" for i in range(n)) + "&$orderby=" + ",".join(f"P{i}" for i in range(n)),
        lambda n: "$select=" + ",".join(f"P{i}" for i in range(n)) + "&$orderby=" + ",".join(f"P{i}" for i in range(n)) + ",",
        250,
    ),
}


#: The families whose test takes longest (a URL parse does more than its key list): slow.
HEAVY = {"url-key-list"}
CASES = [pytest.param(family, marks=pytest.mark.slow) if family in HEAVY else family for family in sorted(FAMILIES)]


@pytest.mark.parametrize("family", CASES)
def test_families_parse_and_fail_in_time_linear_in_the_number_of_items(family: str) -> None:
    parse, make, make_error, n = FAMILIES[family]
    assert _outcome(parse, make(n)), f"{family}: the text of {n} items must parse"
    assert not _outcome(parse, make_error(n)), f"{family}: the broken text must be a syntax error"
    assert _growth(parse, make, n) <= LIMIT
    assert _growth(parse, make_error, n) <= LIMIT


@pytest.mark.parametrize("family", CASES)
def test_an_error_costs_a_small_constant_times_a_successful_parse(family: str) -> None:
    parse, make, make_error, n = FAMILIES[family]
    big = 4 * _measurable(parse, make, n)
    error, success = _cost(parse, make_error(big)), _cost(parse, make(big))
    for _ in range(ATTEMPTS - 1):
        if error <= ERROR_FACTOR * success:
            break
        error = min(error, _cost(parse, make_error(big)))
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
        odatakit.parse_search(make(500))
    assert _growth(odatakit.parse_search, make, 500) <= LIMIT
