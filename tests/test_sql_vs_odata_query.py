"""odatakit.sql beside odata-query 0.10 (``odata_query.sqlalchemy.apply_odata_core``) on the same
SQLite table and the same ``$filter`` texts, with odatakit.evaluate as the referee: the table the
README shows, run for real and pinned (injection-class cases included)."""

from __future__ import annotations

from typing import Any

import pytest

sa = pytest.importorskip("sqlalchemy")
odata_query_sqlalchemy = pytest.importorskip("odata_query.sqlalchemy")

import odatakit  # noqa: E402
import odatakit.sql as osql  # noqa: E402

metadata = sa.MetaData()
people = sa.Table(
    "people", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String),
    sa.Column("n", sa.Integer),
)
ROWS = [
    dict(id=1, name="Ann", n=5), dict(id=2, name=None, n=-7), dict(id=3, name="100% Bob", n=None),
    dict(id=4, name="a_b", n=7), dict(id=5, name="O'Neil", n=12), dict(id=6, name="ann", n=3),
]

# $filter, odata-query's ids (or its error), odatakit's ids (= the evaluator's)
TABLE = [
    ("contains(name,'%')", [1, 3, 4, 5, 6], [3]),          # odata-query: an unescaped wildcard
    ("contains(name,'_')", [1, 3, 4, 5, 6], [4]),          # odata-query: an unescaped wildcard
    ("startswith(name,'a')", [1, 4, 6], [4, 6]),          # SQLite's LIKE ignores case
    ("name eq 'O''Neil'", [5], [5]),
    ("contains(name,'''')", [5], [5]),
    ("not (name eq 'Ann')", [3, 4, 5, 6], [2, 3, 4, 5, 6]),  # null eq 'Ann' is false, not null
    ("name ne 'Ann'", [3, 4, 5, 6], [2, 3, 4, 5, 6]),
    ("not (n gt 4)", [2, 6], [2, 3, 6]),                  # null gt 4 is false
    ("n div 2 eq -3", [], [2]),                           # integer div truncates: -7 div 2 = -3
    ("n mod 4 eq -3", [2], [2]),
    ("name eq null", [2], [2]),
    ("indexof(name,'B') eq 5", "OperationalError", [3]),  # odata-query emits strpos on SQLite
    ("length(name) eq 3", [1, 4, 6], [1, 4, 6]),
]


@pytest.fixture(scope="module")
def db() -> Any:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(people.insert(), ROWS)
    return engine


def _ids(engine: Any, statement: Any) -> list[int]:
    with engine.connect() as connection:
        return sorted(row.id for row in connection.execute(statement))


@pytest.mark.parametrize("text, theirs, ours", TABLE, ids=[row[0] for row in TABLE])
def test_odatakit_and_odata_query_on_the_same_filter(db: Any, text: str, theirs: Any, ours: list[int]) -> None:
    expected = sorted(e["id"] for e in odatakit.evaluate(f"$filter={text}", ROWS)["value"])
    assert ours == expected  # the pinned odatakit column is the spec's answer
    assert _ids(db, osql.select(f"$filter={text}", people)) == ours
    try:
        got: Any = _ids(db, odata_query_sqlalchemy.apply_odata_core(sa.select(people), text))
    except sa.exc.DBAPIError as error:
        got = type(error).__name__
    assert got == theirs


def test_odata_query_covers_only_filter_where_odatakit_compiles_every_option(db: Any) -> None:
    statement = osql.select("$filter=n ne null&$orderby=name desc&$top=2&$skip=1&$select=name", people)
    with db.connect() as connection:
        assert [tuple(row) for row in connection.execute(statement)] == [(4, "a_b"), (5, "O'Neil")]
        assert connection.execute(osql.count("$filter=n ne null", people)).scalar_one() == 5
