"""The differential helper, and what it finds in a real peer: odata-query 0.10's SQLAlchemy
backend on SQLite. Each finding is pinned as the spec's answer against the peer's."""

from __future__ import annotations

import attrs
import pytest

import odatakit
from odatakit import evaluate, parse_query, serialize
from odatakit.testing.differential import (
    Disagreement,
    answers_differ,
    data_queries,
    find_disagreement,
)

PEOPLE = [
    {"Id": 1, "Name": "Ann", "City": "Oslo", "Age": 30},
    {"Id": 2, "Name": "bob", "City": None, "Age": None},
    {"Id": 3, "Name": "O'Brien", "City": "Rome", "Age": 25},
    {"Id": 4, "Name": "50% off", "City": "Lima", "Age": 41},
    {"Id": 5, "Name": "a_b", "City": "Oslo", "Age": None},
]


def test_a_server_that_is_the_spec_never_disagrees():
    assert find_disagreement(lambda text: evaluate(text, PEOPLE), PEOPLE, max_examples=40) is None


def test_the_smallest_disagreement_is_reported_with_both_answers():
    def drops_nulls(text: str) -> dict:  # a server whose ne leaves out nulls, as SQL's <> does
        answer = evaluate(text, PEOPLE)
        query = parse_query(text)
        if query.filter is not None and "ne" in serialize(query.filter):
            answer = {"value": [e for e in answer["value"] if None not in e.values()]}
        return answer

    found = find_disagreement(drops_nulls, PEOPLE, max_examples=300)
    assert isinstance(found, Disagreement)
    assert " ne " in found.query and found.query.count(" and ") + found.query.count(" or ") == 0
    assert "the server disagrees on ?$filter=" in str(found)


def test_server_errors_are_disagreements_unless_declared_refusals():
    def refuses(text: str) -> dict:
        raise NotImplementedError("no")

    found = find_disagreement(refuses, PEOPLE, max_examples=20)
    assert found is not None and "NotImplementedError" in found.actual
    assert find_disagreement(refuses, PEOPLE, max_examples=20, refused=(NotImplementedError,)) is None


def test_answers_compare_numbers_exactly_and_ignore_annotations_and_unordered_order():
    query = parse_query("$filter=Id gt 0")
    assert not answers_differ(query, {"value": [{"A": 1}, {"A": 2}]},
                              '{"value":[{"A":2.0,"A@odata.type":"#Double"},{"A":1}]}')
    assert answers_differ(parse_query("$orderby=A"), {"value": [{"A": 1}, {"A": 2}]}, {"value": [{"A": 2}, {"A": 1}]})


def test_data_queries_draw_filters_over_the_datas_properties():
    from hypothesis import given, settings

    seen: set[str] = set()

    @settings(max_examples=30, database=None)
    @given(data_queries(PEOPLE))
    def draw(query):
        names = {s.name for node, _ in __import__("odatakit.query.visit", fromlist=["walk_depth"]).walk_depth(query)
                 for s in ([node] if isinstance(node, odatakit.Property) else [])}
        assert names <= {"Id", "Name", "City", "Age"}
        seen.update(names)
        evaluate(query, PEOPLE)  # every drawn query is well typed over the data

    draw()
    assert seen


# -- the peer ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def odata_query_sqlite():
    pytest.importorskip("odata_query")
    sa = pytest.importorskip("sqlalchemy")
    from odata_query.sqlalchemy import apply_odata_query
    from sqlalchemy.orm import DeclarativeBase, Session

    class Base(DeclarativeBase):
        pass

    class Person(Base):
        __tablename__ = "people"
        Id = sa.Column(sa.Integer, primary_key=True)
        Name = sa.Column(sa.String, nullable=True)
        City = sa.Column(sa.String, nullable=True)
        Age = sa.Column(sa.Integer, nullable=True)

    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(Person(**p) for p in PEOPLE)
        session.commit()

    def send(text: str) -> dict:
        query = parse_query(text)
        statement = sa.select(Person).order_by(Person.Id)
        if query.filter is not None:
            statement = apply_odata_query(statement, serialize(query.filter))
        with Session(engine) as session:
            rows = session.scalars(statement).all()
            return {"value": [{"Id": r.Id, "Name": r.Name, "City": r.City, "Age": r.Age} for r in rows]}

    yield send
    engine.dispose()


def ids(answer: dict) -> list[int]:
    return sorted(e["Id"] for e in answer["value"])


@pytest.mark.parametrize("query, spec, peer", [
    # §5.1.1.1.2: null ne 30 is true; SQL's <> is unknown for NULL, so the rows vanish
    ("$filter=Age ne 30", [2, 3, 4, 5], [3, 4]),
    # §5.1.1.1.9: not (null eq 30) is true; SQL's NOT (NULL = 30) is unknown
    ("$filter=not (Age eq 30)", [2, 3, 4, 5], [3, 4]),
    # §5.1.1.5.1: contains is a substring test; the peer's LIKE reads % and _ as wildcards
    ("$filter=contains(Name,'%')", [4], [1, 2, 3, 4, 5]),
    ("$filter=contains(Name,'_')", [5], [1, 2, 3, 4, 5]),
    ("$filter=endswith(Name,'%')", [], [1, 2, 3, 4, 5]),
    # §5.1.1.5: string comparison is case-sensitive; SQLite's LIKE is not (for ASCII)
    ("$filter=contains(Name,'BOB')", [], [2]),
    # §5.1.1.2.4: integer div truncates; the peer divides 25 by 2 as 12.5
    ("$filter=Age div 2 eq 12", [3], []),
])
def test_odata_query_sqlalchemy_disagrees_with_the_spec(odata_query_sqlite, query, spec, peer):
    assert ids(evaluate(query, PEOPLE)) == spec
    assert ids(odata_query_sqlite(query)) == peer


@pytest.mark.parametrize("query", ["$filter=Name eq 'O''Brien'", "$filter=Age add 1 gt 30", "$filter=City eq null"])
def test_odata_query_sqlalchemy_agrees_on_quotes_arithmetic_and_null_tests(odata_query_sqlite, query):
    assert ids(odata_query_sqlite(query)) == ids(evaluate(query, PEOPLE))


def test_odata_query_sqlalchemy_refuses_ordering_against_null(odata_query_sqlite):
    # §5.1.1.1.3: Age gt null is false for every row; the peer raises instead
    assert evaluate("$filter=Age gt null", PEOPLE)["value"] == []
    with pytest.raises(Exception, match="operators can be used with None"):
        odata_query_sqlite("$filter=Age gt null")


@pytest.mark.slow
def test_the_helper_finds_a_null_semantics_disagreement_in_the_peer(odata_query_sqlite):
    found = find_disagreement(odata_query_sqlite, PEOPLE, max_examples=300)
    assert found is not None
    assert found.query.startswith("$filter=")


def test_paging_queries_find_a_server_that_sorts_nulls_last():
    def nulls_last(text: str) -> dict:
        query = parse_query(text)
        if query.orderby is None:
            return evaluate(text, PEOPLE)
        # the server filters and counts right, but sorts null last ascending (as PostgreSQL does)
        unpaged = evaluate(serialize(attrs.evolve(query, skip=None, top=None)), PEOPLE)
        rows = unpaged["value"]
        for item in reversed(query.orderby.items):
            name = item.expr.segments[0].name
            present = sorted((r for r in rows if r[name] is not None), key=lambda r: r[name], reverse=item.descending)
            missing = [r for r in rows if r[name] is None]
            rows = present + missing if not item.descending else missing + present
        rows = rows[query.skip or 0:]
        rows = rows[:query.top] if query.top is not None else rows
        return {**unpaged, "value": rows}

    found = find_disagreement(nulls_last, PEOPLE, queries=data_queries(PEOPLE, paging=True), max_examples=300)
    assert found is not None and "$orderby=" in found.query
