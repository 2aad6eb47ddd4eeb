"""``python -m benchmarks.sql``: odatakit.sql on SQLite with 100,000 rows.

Two ratios, no time asserted: (1) a compiled query's execution against the same query written by
hand in SQLAlchemy (target ≤ 1.2×); (2) compiling a parsed query against parsing its text
(target: compiling costs no more than parsing), beside SQLAlchemy building the hand-written
statement (the floor any compiler to SQLAlchemy pays). Contenders run in turn within each repeat, so a
busy machine slows them alike; medians are reported. ``--quick`` for a smoke run.
"""

from __future__ import annotations

import argparse
import json
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


#: name → (OData query, the same query written by hand in SQLAlchemy, with the same null order)
QUERIES: dict[str, tuple[str, Callable[[], Any]]] = {
    "compare + orderby + top": (
        "$filter=age gt 60 and city eq 'Oslo'&$orderby=score desc&$top=100",
        lambda: sa.select(people).where(p.age > 60, p.city == "Oslo")
        .order_by(p.score.desc().nulls_last(), p.id).limit(100),
    ),
    "contains (full scan)": (
        "$filter=contains(name,'77')",
        lambda: sa.select(people).where(p.name.contains("77", autoescape=True)),
    ),
    "startswith + count": (
        "$filter=startswith(name,'P12')&$orderby=name&$top=20&$skip=10",
        lambda: sa.select(people).where(p.name.startswith("P12", autoescape=True))
        .order_by(p.name.asc().nulls_first(), p.id).limit(20).offset(10),
    ),
    "any (correlated EXISTS)": (
        "$filter=orders/any(x:x/amount gt 990)&$top=50",
        _hand_any,
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
    figures: dict[str, Any] = {"rows": rows, "engine": f"SQLite {sa.__version__ and __import__('sqlite3').sqlite_version}"}
    print(f"SQLite, {rows:,} rows; medians of {repeats} repeats")
    print(f"{'query':28} {'compiled ms':>12} {'by hand ms':>11} {'ratio':>6} {'parse µs':>9} {'compile µs':>11} "
          f"{'ratio':>6} {'build by hand µs':>17}")
    with engine.connect() as connection:
        for name, (text, hand) in QUERIES.items():
            compiled = osql.select(text, people)
            written = hand()
            assert [tuple(r) for r in connection.execute(compiled)] == [tuple(r) for r in connection.execute(written)], name
            parsed = odatakit.parse_query(text)
            run_ours, run_hand, t_parse, t_compile, t_build = [], [], [], [], []
            for _ in range(repeats):
                run_ours.append(_time(lambda: connection.execute(compiled).fetchall(), 1))
                run_hand.append(_time(lambda: connection.execute(written).fetchall(), 1))
                t_parse.append(_time(lambda: odatakit.parse_query(text), 200))
                t_compile.append(_time(lambda: osql.select(parsed, people), 200))
                t_build.append(_time(hand, 200))  # the floor: SQLAlchemy building the same Select
            ours, theirs = statistics.median(run_ours), statistics.median(run_hand)
            parse, comp, floor = statistics.median(t_parse), statistics.median(t_compile), statistics.median(t_build)
            figures[name] = {"query": text, "compiled_s": ours, "hand_s": theirs, "run_ratio": ours / theirs,
                             "parse_s": parse, "compile_s": comp, "compile_per_parse": comp / parse, "build_by_hand_s": floor}
            print(f"{name:28} {ours * 1e3:12.2f} {theirs * 1e3:11.2f} {ours / theirs:6.2f} "
                  f"{parse * 1e6:9.1f} {comp * 1e6:11.1f} {comp / parse:6.2f} {floor * 1e6:17.1f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
