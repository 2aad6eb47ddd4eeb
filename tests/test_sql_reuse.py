"""odatakit.sql reuses the statement built for a query shape: from the third query of a shape on
(the second is built while recording where each literal goes), a query of the same shape with other
values gets a copy holding its own values, never another query's, with the same SQL text, the same
parameters and the same rows as a statement built afresh (``cache=False``) on every engine."""

from __future__ import annotations

import threading
from typing import Any

import attrs
import pytest

sa = pytest.importorskip("sqlalchemy")

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from sqlalchemy import orm  # noqa: E402
from sqlalchemy.dialects import postgresql, sqlite  # noqa: E402

import odatakit  # noqa: E402
import odatakit.sql as osql  # noqa: E402
from odatakit import tree as t  # noqa: E402
from odatakit.sql._reuse import TemplateCache, shape  # noqa: E402
from odatakit.query.visit import transform  # noqa: E402

from _sql_engines import engine, postgres_url  # noqa: E402,F401  (fixtures)
from test_sql_differential import query as drawn_queries  # noqa: E402

metadata = sa.MetaData()
people = sa.Table(
    "odk_reuse_people", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(40)),
    sa.Column("city", sa.String(40)),
    sa.Column("age", sa.Integer),
)
pets = sa.Table(
    "odk_reuse_pets", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("odk_reuse_people_id", sa.Integer, sa.ForeignKey("odk_reuse_people.id")),
    sa.Column("kind", sa.String(20)),
)
PEOPLE = [
    dict(id=1, name="Ann", city="Oslo", age=31), dict(id=2, name="Bob", city="Rome", age=17),
    dict(id=3, name="ann", city="Oslo", age=None), dict(id=4, name=None, city="Lima", age=64),
    dict(id=5, name="Abe", city=None, age=45),
]
PETS = [dict(id=1, odk_reuse_people_id=1, kind="cat"), dict(id=2, odk_reuse_people_id=2, kind="dog"),
        dict(id=3, odk_reuse_people_id=4, kind="cat")]


@pytest.fixture(scope="module")
def db(engine: Any) -> Any:
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(people.insert(), PEOPLE)
        connection.execute(pets.insert(), PETS)
    yield engine
    metadata.drop_all(engine)


def rows(engine: Any, statement: Any) -> list[Any]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(statement)]


# (two queries of one shape, the ids each keeps): the second reuses the first's statement
SAME_SHAPE = [
    ("$filter=name eq 'Ann'", "$filter=name eq 'Bob'", [1], [2]),
    ("$filter=age gt 30 and city eq 'Oslo'&$orderby=age desc&$top=5", "$filter=age gt 10 and city eq 'Rome'&$orderby=age desc&$top=1", [1], [2]),
    ("$filter=startswith(name,'A')", "$filter=startswith(name,'a')", [1, 5], [3]),
    ("$filter=contains(name,'nn')", "$filter=contains(name,'be')", [1, 3], [5]),
    ("$filter=endswith(name,'e')", "$filter=endswith(name,'b')", [5], [2]),
    ("$filter=age in (17, 31)", "$filter=age in (45, 64)", [1, 2], [4, 5]),
    ("$filter=odk_reuse_pets/any(p:p/kind eq 'cat')", "$filter=odk_reuse_pets/any(p:p/kind eq 'dog')", [1, 4], [2]),
    ("$filter=odk_reuse_pets/$count ge 1 and age lt 40", "$filter=odk_reuse_pets/$count ge 1 and age lt 70", [1, 2], [1, 2, 4]),
    ("$filter=name eq @n&@n='Abe'", "$filter=name eq @n&@n='Ann'", [5], [1]),
    ("$filter=substring(name,1) eq 'nn'&$orderby=id", "$filter=substring(name,2) eq 'e'&$orderby=id", [1, 3], [5]),
    ("$orderby=id&$top=2&$skip=1", "$orderby=id&$top=1&$skip=3", [2, 3], [4]),
    ("$search=nn", "$search=Rome", [1, 3], [2]),
    ("$filter=concat(name,'!') eq 'Ann!'", "$filter=concat(name,'?') eq 'Bob?'", [1], [2]),
]


@pytest.mark.parametrize("first, second, first_ids, second_ids", SAME_SHAPE, ids=[case[1] for case in SAME_SHAPE])
def test_a_second_query_of_one_shape_gets_its_own_values_and_rows(db: Any, first: str, second: str,
                                                                  first_ids: list[int], second_ids: list[int]) -> None:
    osql.clear_cache()
    first_statement = osql.select(first, people)
    template = osql.select(first, people)  # the shape's second query: its statement is the template
    assert osql.cache_info()["reused"] == 0
    second_statement = osql.select(second, people)
    assert osql.cache_info() == {"reused": 1, "built": 2, "size": 1, "maxsize": osql.CACHE_SIZE}
    assert [row[0] for row in rows(db, template)] == first_ids
    assert [row[0] for row in rows(db, first_statement)] == first_ids
    assert [row[0] for row in rows(db, second_statement)] == second_ids
    assert rows(db, second_statement) == rows(db, osql.select(second, people, cache=False))
    # the first statement, handed out before, still holds its own values
    assert [row[0] for row in rows(db, first_statement)] == first_ids


@pytest.mark.parametrize("first, second, _a, _b", SAME_SHAPE, ids=[case[1] for case in SAME_SHAPE])
def test_a_reused_statement_compiles_to_the_fresh_statements_sql_and_parameters(first: str, second: str, _a: Any, _b: Any) -> None:
    osql.clear_cache()
    for build in (osql.select, osql.count):
        build(first, people)
        build(first, people)
        reused, fresh = build(second, people), build(second, people, cache=False)
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            a, b = reused.compile(dialect=dialect), fresh.compile(dialect=dialect)
            assert (str(a), a.params) == (str(b), b.params)


def _other_values(query: t.Query, draw: Any) -> t.Query:
    """``query`` with each literal given another drawn value of its type (the same shape)."""
    fresh = {
        "String": st.text(alphabet="aAbB%_'\\ z", max_size=5), "Int32": st.integers(-20, 20),
        "Decimal": st.decimals(min_value=-10, max_value=10, places=2, allow_nan=False, allow_infinity=False),
    }

    def swap(node: Any) -> Any:
        if isinstance(node, t.Literal) and node.type in fresh:
            return t.Literal(node.type, draw(fresh[node.type]))
        return node

    swapped = transform(query, swap)
    assert isinstance(swapped, t.Query)
    return attrs.evolve(swapped, top=None if query.top is None else draw(st.integers(0, 6)),
                        skip=None if query.skip is None else draw(st.integers(0, 4)))


@pytest.mark.slow
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(q=drawn_queries, data=st.data())
def test_drawn_queries_of_one_shape_compile_like_fresh_statements(q: t.Query, data: Any) -> None:
    """The differential test's queries: a reused statement is the fresh one, text and values."""
    from test_sql_differential import rows_table

    other = _other_values(q, data.draw)
    assert shape(other)[0] == shape(q)[0]
    limits = odatakit.Limits(max_node_count=None, max_function_call_depth=None)
    osql.clear_cache()
    osql.select(q, rows_table, limits=limits)
    osql.select(q, rows_table, limits=limits)
    try:  # a value the new literal cannot take (a negative substring start) is refused either way
        fresh = osql.select(other, rows_table, limits=limits, cache=False)
    except osql.SQLCompileError as refused:
        with pytest.raises(osql.SQLCompileError) as again:
            osql.select(other, rows_table, limits=limits)
        assert str(again.value) == str(refused)
        return
    reused = osql.select(other, rows_table, limits=limits)
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        a, b = reused.compile(dialect=dialect), fresh.compile(dialect=dialect)
        assert (str(a), a.params) == (str(b), b.params)


def test_one_literal_node_in_two_places_gets_each_places_value_later() -> None:
    shared = t.Literal("String", "Ann")
    name, city = t.Path([t.Property("name")]), t.Path([t.Property("city")])
    first = t.Query(filter=t.Or([t.BinaryOp("eq", name, shared), t.BinaryOp("eq", city, shared)]))
    second = t.Query(filter=t.Or([t.BinaryOp("eq", name, t.Literal("String", "Bob")),
                                  t.BinaryOp("eq", city, t.Literal("String", "Rome"))]))
    osql.clear_cache()
    osql.select(first, people)
    osql.select(first, people)
    compiled = osql.select(second, people).compile(dialect=sqlite.dialect())
    assert osql.cache_info()["reused"] == 1
    assert sorted(compiled.params.values()) == ["Bob", "Rome"]


def test_a_value_check_runs_for_every_query_of_the_shape_and_names_its_own_text() -> None:
    osql.clear_cache()
    osql.select("$filter=substring(name,1) eq 'a'", people)
    osql.select("$filter=substring(name,2) eq 'a'", people)
    with pytest.raises(osql.SQLCompileError, match=r"negative.*substring\(name,-1\)"):
        osql.select("$filter=substring(name,-1) eq 'a'", people)


def test_max_top_and_max_skip_hold_for_every_query_of_the_shape() -> None:
    limits = odatakit.Limits(max_top=10, max_skip=100)
    osql.clear_cache()
    osql.select("$top=5&$skip=1", people, limits=limits)
    osql.select("$top=6&$skip=2", people, limits=limits)
    with pytest.raises(odatakit.LimitExceeded, match=r"MaxTop: \$top=50"):
        osql.select("$top=50&$skip=1", people, limits=limits)
    with pytest.raises(odatakit.LimitExceeded, match=r"MaxSkip: \$skip=500"):
        osql.select("$top=5&$skip=500", people, limits=limits)


def test_shapes_differ_by_entity_mapping_limits_and_literal_type() -> None:
    osql.clear_cache()
    for _ in range(2):
        by_name = osql.select("$filter=n eq 'x'", people, mapping={"n": "name"})
    by_city = osql.select("$filter=n eq 'y'", people, mapping={"n": "city"})
    assert "city" in str(by_city) and "city =" not in str(by_name)
    osql.select("$filter=age eq 5", people)
    osql.select("$filter=age eq 6", people)
    wide = osql.select("$filter=age eq 5000000000", people).compile(dialect=sqlite.dialect())  # Int64
    assert list(wide.params.values()) == [5000000000]
    with pytest.raises(odatakit.LimitExceeded):  # a stricter Limits is another key: checked again
        osql.select("$filter=age eq 6 and age eq 7", people, limits=odatakit.Limits(max_node_count=3))


def test_expand_is_built_afresh_each_time() -> None:
    class Base(orm.DeclarativeBase):
        pass

    class Person(Base):
        __table__ = people
        pets: orm.Mapped[list[Pet]] = orm.relationship()

    class Pet(Base):
        __table__ = pets

    osql.clear_cache()
    for kind in ("cat", "dog", "cat"):
        osql.select(f"$expand=pets($filter=kind eq '{kind}')", Person)
    assert osql.cache_info()["reused"] == 0 and osql.cache_info()["size"] == 0


def test_the_cache_keeps_the_most_recently_used_shapes_only() -> None:
    kept = TemplateCache(2)
    kept.put("a", None)
    kept.put("b", None)
    assert kept.get("a") == (True, None)  # "a" is now the most recent
    kept.put("c", None)
    assert [kept.get(key)[0] for key in ("a", "b", "c")] == [True, False, True]
    assert len(kept) == 2
    assert osql.cache_info()["maxsize"] == osql.CACHE_SIZE


def test_threads_sharing_a_shape_each_get_their_own_values() -> None:
    osql.clear_cache()
    errors: list[str] = []

    def work(number: int) -> None:
        for round_ in range(40):
            value = f"v{number}-{round_}"
            compiled = osql.select(f"$filter=name eq '{value}' and age gt {round_}", people).compile(
                dialect=sqlite.dialect())
            if sorted(map(str, compiled.params.values())) != sorted([value, str(round_)]):
                errors.append(f"{value}: {compiled.params}")

    threads = [threading.Thread(target=work, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert osql.cache_info()["size"] == 1 and osql.cache_info()["reused"] > 100


def test_two_statements_of_one_shape_combine_without_sharing_a_parameter(db: Any) -> None:
    osql.clear_cache()
    ann = osql.select("$filter=name eq 'Ann'&$select=id", people)
    ann = osql.select("$filter=name eq 'Ann'&$select=id", people)
    bob = osql.select("$filter=name eq 'Bob'&$select=id", people)
    assert osql.cache_info()["reused"] == 1
    assert sorted(row[0] for row in rows(db, sa.union_all(ann, bob))) == [1, 2]


class _Base(orm.DeclarativeBase):
    pass


class _Person(_Base):
    __table__ = people


@pytest.mark.parametrize("name, expected", [("Ann", [1]), ("Bob", [2]), ("Abe", [5])])
def test_orm_queries_of_one_shape_load_their_own_rows(db: Any, name: str, expected: list[int]) -> None:
    for warm_up in ("Cy", "Di"):  # the shape is known and its template made: what follows is a copy
        osql.select(f"$filter=name eq '{warm_up}'&$select=name&$orderby=id", _Person)
    before = osql.cache_info()["reused"]
    statement = osql.select(f"$filter=name eq '{name}'&$select=name&$orderby=id", _Person)
    assert osql.cache_info()["reused"] == before + 1
    with orm.Session(db) as session:
        assert [person.id for person in session.scalars(statement)] == expected
