"""The evaluator against its floors: ``python -m benchmarks.evaluate [--quick]``.

1. ``compile_filter`` over 100,000 entities (parsed JSON objects) against the same predicate
   written by hand in Python (null checks included, as the semantics need them). Target: ≤ 3×.
   A second row times a filter outside the generated subset (a lambda and arithmetic), where
   the closures run alone.
2. ``evaluate`` of ``$filter`` + ``$orderby`` + ``$top`` over a 10,000-entity payload given as
   JSON text (exact read included) against ``json.loads`` of that text. Target: ≤ 3×.

Medians over repeats, both sides timed in turn within each repeat; nothing asserts a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import odatakit

FILTER = "Price gt 50 and startswith(Name,'Item 1') and Qty ne null"


def entities(count: int) -> list[dict[str, Any]]:
    return [{"Id": i, "Name": f"Item {i}", "Price": (i * 37) % 101, "Qty": None if i % 10 == 0 else i % 7,
             "City": ("Oslo", "Rome", "Lima")[i % 3], "Tags": ["a", "b"][: i % 3]} for i in range(count)]


def by_hand(e: dict[str, Any]) -> bool:
    price, name, qty = e.get("Price"), e.get("Name"), e.get("Qty")
    return price is not None and price > 50 and name is not None and name.startswith("Item 1") and qty is not None


#: Outside the generated subset (a lambda, arithmetic): the closures alone.
FILTER_CLOSURES = "Tags/any(t:t eq 'b') and Price add 10 gt 60"


def by_hand_closures(e: dict[str, Any]) -> bool:
    tags, price = e.get("Tags"), e.get("Price")
    return any(t == "b" for t in tags or ()) and price is not None and price + 10 > 60


def median_of(repeats: int, *runs: Callable[[], Any]) -> list[float]:
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeats):
        for slot, run in zip(times, runs):
            start = time.perf_counter()
            run()
            slot.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat (CI smoke run)")
    args = parser.parse_args(argv)
    size, payload_size, repeats = (2_000, 500, 1) if args.quick else (100_000, 10_000, 7)

    data = entities(size)
    compiled = odatakit.compile_filter(FILTER)
    assert [compiled(e) is True for e in data] == [by_hand(e) for e in data]
    hand, ours = median_of(repeats, lambda: [e for e in data if by_hand(e)],
                           lambda: [e for e in data if compiled(e) is True])
    print(f"compiled filter over {size:,} entities: {ours * 1e3:8.1f} ms; by hand {hand * 1e3:8.1f} ms; "
          f"ratio {ours / hand:.2f}x (target <= 3x)")

    closures = odatakit.compile_filter(FILTER_CLOSURES)
    assert [closures(e) is True for e in data] == [by_hand_closures(e) for e in data]
    hand, ours = median_of(repeats, lambda: [e for e in data if by_hand_closures(e)],
                           lambda: [e for e in data if closures(e) is True])
    print(f"compiled filter, closures only (lambda, arithmetic): {ours * 1e3:8.1f} ms; by hand {hand * 1e3:8.1f} ms; "
          f"ratio {ours / hand:.2f}x")

    text = json.dumps({"value": entities(payload_size)})
    query = f"$filter={FILTER.replace('Item 1', 'Item')}&$orderby=Price desc,Id&$top=20"
    loads, evaluated = median_of(repeats, lambda: json.loads(text), lambda: odatakit.evaluate(query, text))
    print(f"evaluate filter+orderby+top over {payload_size:,} entities (JSON text): {evaluated * 1e3:8.1f} ms; "
          f"json.loads {loads * 1e3:8.1f} ms; ratio {evaluated / loads:.2f}x (target <= 3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
