"""This checkout's parser against another checkout's, in alternating fresh interpreters.

    git worktree add /tmp/old c595f4d
    python -m benchmarks.versus /tmp/old [--rounds 5]

Each round starts one interpreter per checkout, in turn, each importing its own ``odatakit`` and
timing ``parse_query`` over the 12 query strings and ``parse_filter`` over the 50 filters of
``benchmarks/corpus.py`` (median of 7 timed passes after a warm-up). A round's ratio is the other
checkout's time over this one's, so a busy machine slows both sides of a round alike; the ranges
and medians over the rounds are printed. How issue 11's "whole query strings ≥ 3× faster than
when it was filed" is checked directly, beside the floor-ratio row of ``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Run in a fresh interpreter with the checkout first on sys.path: prints its two timings as JSON.
_TIMER = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
import odatakit
assert odatakit.__file__.startswith(sys.argv[1]), odatakit.__file__
sys.path.insert(0, sys.argv[2])
from corpus import FILTERS, QUERIES

def timed(parse, texts, passes):
    for text in texts:
        parse(text)
    runs = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(passes):
            for text in texts:
                parse(text)
        runs.append((time.perf_counter() - start) / passes)
    return statistics.median(runs)

print(json.dumps({"queries": timed(odatakit.parse_query, QUERIES, 30),
                  "filters": timed(odatakit.parse_filter, FILTERS, 10)}))
"""


def _time(checkout: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _TIMER, str(checkout), str(HERE)],
                          capture_output=True, text=True, check=True,
                          env={"HYPOTHESIS_NO_PLUGINS": "1", "PATH": "/usr/bin:/bin"})
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(prog="python -m benchmarks.versus", description=__doc__.splitlines()[0])
    options.add_argument("other", type=Path, help="a checkout of the parser to compare with (git worktree add)")
    options.add_argument("--rounds", type=int, default=5)
    args = options.parse_args(argv)
    this, other = HERE.parent, args.other.resolve()
    ratios: dict[str, list[float]] = {"queries": [], "filters": []}
    for _ in range(args.rounds):
        theirs, ours = _time(other), _time(this)
        for key in ratios:
            ratios[key].append(theirs[key] / ours[key])
    for key, label in (("queries", "12 query strings (parse_query)"), ("filters", "50 filters (parse_filter)")):
        values = ratios[key]
        print(f"{label}: this checkout is {min(values):.2f}–{max(values):.2f}× faster than {other} "
              f"(median {statistics.median(values):.2f}×, {args.rounds} alternating rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
