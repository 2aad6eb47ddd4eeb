"""``python -m benchmarks.sql``: odatakit.sql on SQLite with 100,000 rows.

Ratios, no time asserted: (1) a compiled query's execution against the same query written by
hand in SQLAlchemy, giving the same rows (case-sensitive string matching, as OData's: SQLite's LIKE
ignores case, so the hand-written ``startswith`` is ``GLOB 'P12*'`` and ``contains`` is ``instr``)
(target ≤ 1.2×); (2) compiling a parsed query against parsing its text (target: compiling costs no
more than parsing), three ways: ``cold`` builds every statement afresh (``cache=False``), ``new
shape`` is a shape not seen before with the cache on (building plus keeping a template), ``warm``
is a shape seen before with new values each time (what a service sees: the same shapes with other
values; the parse it is compared with reads the same texts). Beside them, SQLAlchemy building the
hand-written statement (the floor of building any statement). Contenders run in turn within each
repeat, so a busy machine slows them alike; medians are reported. ``--quick`` for a smoke run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

import odatakit
import odatakit.sql as osql

metadata = sa.MetaData()
people = sa.Table(
    "people", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40)),
    sa.Column("city", sa.String(40)),
    sa.Column("age", sa.Integer),
    sa.Column("score", sa.Float),
)
orders = sa.Table(
    "orders", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("people_id", sa.Integer, sa.ForeignKey("people.id"), index=True),
    sa.Column("amount", sa.Integer),
)
p, o = people.c, orders.c


def _hand_any() -> Any:
    inner = orders.alias()
    return (sa.select(people).where(sa.exists(sa.select(1).where(
        inner.c.people_id == p.id, inner.c.amount > 990))).order_by(p.id).limit(50))


#: name → (OData query, the same query written by hand in SQLAlchemy, with the same rows and null
#: order, the query with other values: the i-th text of the same shape)
QUERIES: dict[str, tuple[str, Callable[[], Any], Callable[[int], str]]] = {
    "compare + orderby + top": (
        "$filter=age gt 60 and city eq 'Oslo'&$orderby=score desc&$top=100",
        lambda: sa.select(people).where(p.age > 60, p.city == "Oslo")
        .order_by(p.score.desc().nulls_last(), p.id).limit(100),
        lambda i: f"$filter=age gt {18 + i % 70} and city eq 'City {i}'&$orderby=score desc&$top={1 + i % 200}",
    ),
    "contains (full scan)": (
        "$filter=contains(name,'77')",
        lambda: sa.select(people).where(sa.func.instr(p.name, "77") > 0),
        lambda i: f"$filter=contains(name,'{i}')",
    ),
    "startswith + orderby + top + skip": (
        "$filter=startswith(name,'P12')&$orderby=name&$top=20&$skip=10",
        lambda: sa.select(people).where(p.name.op("GLOB")("P12*"))
        .order_by(p.name.asc().nulls_first(), p.id).limit(20).offset(10),
        lambda i: f"$filter=startswith(name,'P{i}')&$orderby=name&$top=20&$skip={i % 50}",
    ),
    "any (correlated EXISTS)": (
        "$filter=orders/any(x:x/amount gt 990)&$top=50",
        _hand_any,
        lambda i: f"$filter=orders/any(x:x/amount gt {i % 1000})&$top={1 + i % 100}",
    ),
}


def build(engine: Any, rows: int) -> None:
    metadata.create_all(engine)
    rng = random.Random(15)
    cities = ["Oslo", "Rome", "Lima", None]
    with engine.begin() as connection:
        connection.execute(people.insert(), [
            {"id": n, "name": f"P{n}", "city": rng.choice(cities), "age": rng.choice([None, *range(18, 90)]),
             "score": rng.random()} for n in range(1, rows + 1)])
        connection.execute(orders.insert(), [
            {"id": n, "people_id": rng.randint(1, rows), "amount": rng.randint(1, 1000)} for n in range(1, rows + 1)])


def _time(fn: Callable[[], Any], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 rows, few repeats (smoke run)")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    rows, repeats = (1_000, 3) if args.quick else (100_000, 15)
    engine = sa.create_engine("sqlite://")
    build(engine, rows)
    figures: dict[str, Any] = {"rows": rows, "engine": f"SQLite {__import__('sqlite3').sqlite_version}",
                               "sqlalchemy": sa.__version__, "loadavg_before": os.getloadavg()}
    print(f"SQLite, {rows:,} rows; medians of {repeats} repeats; load average {os.getloadavg()[0]:.2f}")
    print(f"{'query':34} {'run ms':>7} {'by hand':>8} {'ratio':>6} │ {'parse µs':>8} {'cold':>7} {'×':>5} "
          f"{'new shape':>9} {'×':>5} {'warm':>6} {'×':>5} │ {'by hand µs':>10}")
    number = 200
    with engine.connect() as connection:
        for name, (text, hand, variant) in QUERIES.items():
            compiled = osql.select(text, people)
            written = hand()
            assert [tuple(r) for r in connection.execute(compiled)] == [tuple(r) for r in connection.execute(written)], name
            texts = [variant(i) for i in range(number)]
            parsed = [odatakit.parse_query(one) for one in texts]
            first = parsed[0]
            osql.select(first, people)  # the shape is known from here on: the warm case

            def cold(it: Any = itertools.cycle(parsed)) -> Any:
                return osql.select(next(it), people, cache=False)

            def new_shape(it: Any = itertools.cycle(parsed)) -> Any:
                osql.clear_cache()  # every call meets a shape it has not seen
                return osql.select(next(it), people)

            def warm(it: Any = itertools.cycle(parsed)) -> Any:
                return osql.select(next(it), people)

            def parse(it: Any = itertools.cycle(texts)) -> Any:
                return odatakit.parse_query(next(it))

            timings: dict[str, list[float]] = {key: [] for key in ("run", "hand", "parse", "cold", "new", "warm", "build")}
            for _ in range(repeats):
                timings["run"].append(_time(lambda: connection.execute(compiled).fetchall(), 1))
                timings["hand"].append(_time(lambda: connection.execute(written).fetchall(), 1))
                timings["parse"].append(_time(parse, number))
                timings["cold"].append(_time(cold, number))
                timings["new"].append(_time(new_shape, number))
                osql.select(first, people)
                timings["warm"].append(_time(warm, number))
                timings["build"].append(_time(hand, number))  # the floor: SQLAlchemy building the same Select
            m = {key: statistics.median(values) for key, values in timings.items()}
            figures[name] = {"query": text, "compiled_s": m["run"], "hand_s": m["hand"], "run_ratio": m["run"] / m["hand"],
                             "parse_s": m["parse"], "compile_cold_s": m["cold"], "compile_new_shape_s": m["new"],
                             "compile_warm_s": m["warm"], "cold_per_parse": m["cold"] / m["parse"],
                             "new_shape_per_parse": m["new"] / m["parse"], "warm_per_parse": m["warm"] / m["parse"],
                             "build_by_hand_s": m["build"], "build_by_hand_per_parse": m["build"] / m["parse"]}
            print(f"{name:34} {m['run'] * 1e3:7.2f} {m['hand'] * 1e3:8.2f} {m['run'] / m['hand']:6.2f} │ "
                  f"{m['parse'] * 1e6:8.1f} {m['cold'] * 1e6:7.1f} {m['cold'] / m['parse']:5.2f} "
                  f"{m['new'] * 1e6:9.1f} {m['new'] / m['parse']:5.2f} {m['warm'] * 1e6:6.1f} {m['warm'] / m['parse']:5.2f} │ "
                  f"{m['build'] * 1e6:10.1f}")
    figures["loadavg_after"] = os.getloadavg()
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
