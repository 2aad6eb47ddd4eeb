"""Resource bounds (issue 7): time each hostile-size case at four sizes, each double the last,
and print seconds and the growth per doubling (2.0 is linear; 4.0 would be quadratic).

``python -m fuzz.bounds`` (about a minute; one core). Tests never assert a time: they check that
each case ends (``tests/test_limits.py``, ``tests/test_payload_robustness.py``); this measures.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import Any

import odatakit
from odatakit import ODataSyntaxError, PayloadError

MB = 1_000_000


def _or_terms(n: int) -> Callable[[], Any]:
    text = " or ".join(f"Id eq {i}" for i in range(n))
    return lambda: odatakit.parse_filter(text)


def _query_string(size: int) -> Callable[[], Any]:
    # a mix of what a real query string carries: a filter, a select, custom options, a long literal
    terms = " and ".join(f"contains(Name,'x{i}')" for i in range(size // 80))
    select = ",".join(f"P{i}" for i in range(size // 40))
    text = f"$filter={terms}&$select={select}&" + "&".join(f"c{i}=v" for i in range(size // 40))
    text += "&$search=" + "w" * max(0, size - len(text) - 9)
    return lambda: odatakit.parse_query(text)


def _query_error_at_end(size: int) -> Callable[[], Any]:
    text = "$filter=" + " or ".join(f"Id eq {i}" for i in range(size // 12)) + " or"
    return lambda: odatakit.parse_query(text)


def _parentheses(n: int) -> Callable[[], Any]:
    text = "(" * n + "A eq 1" + ")" * n
    return lambda: odatakit.parse_filter(text)


def _lambdas(n: int) -> Callable[[], Any]:
    text = "A/any(x:" * n + "x" + ")" * n
    return lambda: odatakit.parse_filter(text)


def _url_key(size: int) -> Callable[[], Any]:
    text = "https://host/odata/People('" + "x'" * (size // 2) + "')"
    return lambda: odatakit.parse_url(text)


def _properties(n: int) -> Callable[[], Any]:
    text = "{" + ",".join(f'"P{i}@odata.type":"#Int64","P{i}":"{i}"' for i in range(n)) + "}"
    return lambda: (odatakit.decode(text), odatakit.validate(text))


def _string(size: int) -> Callable[[], Any]:
    text = '{"A":"' + "x" * size + '"}'
    return lambda: odatakit.encode_json(odatakit.decode(text)) and odatakit.validate(text)


#: case → (what the size counts, the four sizes, the call to time)
CASES: dict[str, tuple[str, tuple[int, ...], Callable[[int], Callable[[], Any]]]] = {
    "query string": ("bytes", (MB // 8, MB // 4, MB // 2, MB), _query_string),
    "query string, error at the end": ("bytes", (MB // 8, MB // 4, MB // 2, MB), _query_error_at_end),
    "or terms": ("terms", (12_500, 25_000, 50_000, 100_000), _or_terms),
    "nested parentheses": ("levels", (1_250, 2_500, 5_000, 10_000), _parentheses),
    "nested lambdas (depth error)": ("levels", (1_250, 2_500, 5_000, 10_000), _lambdas),
    "URL key with quotes": ("bytes", (MB // 8, MB // 4, MB // 2, MB), _url_key),
    "payload properties (decode+validate)": ("properties", (12_500, 25_000, 50_000, 100_000), _properties),
    "payload string (decode+encode+validate)": ("bytes", (50 * MB // 8, 50 * MB // 4, 50 * MB // 2, 50 * MB), _string),
}


def _seconds(call: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    try:
        call()
    except (ODataSyntaxError, PayloadError):
        pass  # a clear error is an outcome too: what is timed is how long it takes to say so
    return time.perf_counter() - start


def measure(names: list[str] | None = None) -> list[tuple[str, str, list[tuple[int, float]]]]:
    """For each case: its name, its unit, and (size, best of two runs in seconds) per size."""
    rows = []
    for name in names or list(CASES):
        unit, sizes, make = CASES[name]
        points = []
        for size in sizes:
            call = make(size)
            points.append((size, min(_seconds(call) for _ in range(2))))
        rows.append((name, unit, points))
    return rows


def main(argv: list[str]) -> None:
    print(f"{'case':42} {'unit':10} " + "  ".join(f"{'size':>10} {'s':>6}" for _ in range(4)) + "  growth per doubling")
    for name, unit, points in measure(argv or None):
        ratios = [later / earlier if earlier > 0 else float("nan") for (_, earlier), (_, later) in zip(points, points[1:])]
        cells = "  ".join(f"{size:>10,} {seconds:6.3f}" for size, seconds in points)
        print(f"{name:42} {unit:10} {cells}  " + " ".join(f"{r:.2f}" for r in ratios), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
