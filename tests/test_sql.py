"""odatakit.sql on SQLite, DuckDB and PostgreSQL: each option's results pinned row by row, null
semantics (URL Conventions §5.1.1.1), null ordering (§5.1.4), any/all as EXISTS, navigation joins,
open properties in JSON, limits, refusals and the injection properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

sa = pytest.importorskip("sqlalchemy")

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from sqlalchemy import orm  # noqa: E402
from sqlalchemy.dialects import postgresql, sqlite  # noqa: E402

import odatakit  # noqa: E402
import odatakit.sql as osql  # noqa: E402

from _sql_engines import engine, postgres_url  # noqa: E402,F401  (fixtures)

metadata = sa.MetaData()
customers = sa.Table(
    "odk_customers", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(50)),
    sa.Column("home_city", sa.String(50)),
    sa.Column("ext", sa.JSON),
)
orders = sa.Table(
    "odk_orders", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("odk_customers.id")),
    sa.Column("amount", sa.Integer),
    sa.Column("price", sa.Numeric(10, 2)),
    sa.Column("day", sa.Date),
    sa.Column("note", sa.String(50)),
)

CUSTOMERS = [
    dict(id=1, name="Ann", home_city="Oslo", ext={"Tier": 3, "Code": "a"}),
    dict(id=2, name=None, home_city="Rome", ext={"Tier": 1}),
    dict(id=3, name="bob_x", home_city=None, ext={}),
    dict(id=4, name="100% Bob", home_city="Oslo", ext={"Tier": 2, "Code": "O'Neil"}),
    dict(id=5, name="Cy\\d", home_city="Lima", ext={"Code": None}),
]
ORDERS = [
    dict(id=1, customer_id=1, amount=5, price=Decimal("1.50"), day=dt.date(2020, 1, 2), note="x"),
    dict(id=2, customer_id=1, amount=50, price=Decimal("10.00"), day=dt.date(2021, 6, 30), note=None),
    dict(id=3, customer_id=3, amount=-7, price=Decimal("-2.25"), day=dt.date(2019, 12, 31), note="a_b"),
    dict(id=4, customer_id=4, amount=None, price=None, day=None, note="a%b"),
    dict(id=5, customer_id=None, amount=12, price=Decimal("3.00"), day=dt.date(2020, 2, 29), note="Ab"),
    dict(id=6, customer_id=5, amount=7, price=Decimal("7.49"), day=dt.date(2022, 3, 1), note="ab"),
]


@pytest.fixture(scope="module")
def db(engine: Any) -> Any:
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(customers.insert(), CUSTOMERS)
        connection.execute(orders.insert(), ORDERS)
    yield engine
    metadata.drop_all(engine)


def ids(engine: Any, statement: Any) -> list[int]:
    with engine.connect() as connection:
        return [row.id for row in connection.execute(statement)]


# (query, table, ids in order): each pins one mapping of an OData construct to SQL.
CASES = [
    # comparisons and null (URL §5.1.1.1: eq null is IS NULL; ne with null; gt/lt with null false)
    ("$filter=name eq 'Ann'", customers, [1]),
    ("$filter=name eq null", customers, [2]),
    ("$filter=name ne null", customers, [1, 3, 4, 5]),
    ("$filter=name ne 'Ann'", customers, [2, 3, 4, 5]),
    ("$filter=not (name eq 'Ann')", customers, [2, 3, 4, 5]),
    ("$filter=not (amount gt 6)", orders, [1, 3, 4]),
    ("$filter=amount gt 6", orders, [2, 5, 6]),
    ("$filter=amount le 5", orders, [1, 3]),
    ("$filter=amount ge null", orders, [4]),
    ("$filter=amount lt null", orders, []),
    ("$filter=note eq customer/name", orders, []),
    ("$filter=customer/name eq null", orders, [5]),
    ("$filter=customer/name le customer/home_city", orders, [1, 2, 4, 5, 6]),
    ("$filter=amount in (5, 7, null)", orders, [1, 4, 6]),
    ("$filter=not (amount in (5, 7))", orders, [2, 3, 4, 5]),
    ("$filter=price gt 2.5", orders, [2, 5, 6]),
    ("$filter=day ge 2020-02-29", orders, [2, 5, 6]),
    # strings compare by code point: upper case sorts before lower case
    ("$filter=note lt 'a'", orders, [5]),
    # LIKE functions escape %, _ and \ (and are case-sensitive on every engine)
    ("$filter=contains(name,'%')", customers, [4]),
    ("$filter=contains(name,'_')", customers, [3]),
    ("$filter=contains(name,'\\')", customers, [5]),
    ("$filter=contains(note,'a_b')", orders, [3]),
    ("$filter=startswith(note,'a')", orders, [3, 4, 6]),
    ("$filter=endswith(note,'b')", orders, [3, 4, 5, 6]),
    ("$filter=contains(name,'B')", customers, [4]),
    ("$filter=not contains(name,'b')", customers, [1, 5]),
    # functions
    ("$filter=length(name) eq 3", customers, [1]),
    ("$filter=tolower(note) eq 'ab'", orders, [5, 6]),
    ("$filter=toupper(name) eq 'ANN'", customers, [1]),
    ("$filter=indexof(name,'Bob') eq 5", customers, [4]),
    ("$filter=indexof(name,'zz') eq -1", customers, [1, 3, 4, 5]),
    ("$filter=substring(name,1) eq 'nn'", customers, [1]),
    ("$filter=substring(name,0,3) eq 'bob'", customers, [3]),
    ("$filter=concat(name,'!') eq 'Ann!'", customers, [1]),
    ("$filter=trim(concat(' ',name)) eq 'Ann'", customers, [1]),
    ("$filter=year(day) eq 2020", orders, [1, 5]),
    ("$filter=month(day) eq 12 and day(day) eq 31", orders, [3]),
    ("$filter=round(price) eq 8", orders, []),
    ("$filter=round(price) eq 2", orders, [1]),
    ("$filter=round(price) eq -2", orders, [3]),
    ("$filter=floor(price) eq -3", orders, [3]),
    ("$filter=ceiling(price) eq 8", orders, [6]),
    # arithmetic: integer div truncates toward zero, mod takes the left operand's sign (§5.1.1.2)
    ("$filter=amount div 2 eq -3", orders, [3]),
    ("$filter=amount mod 4 eq -3", orders, [3]),
    ("$filter=amount mod 4 eq 3", orders, [6]),
    ("$filter=amount add 1 eq 6", orders, [1]),
    ("$filter=amount mul 2 sub 1 eq 13", orders, [6]),
    ("$filter=amount divby 2 eq 2.5", orders, [1]),
    ("$filter=amount add null eq null", orders, [1, 2, 3, 4, 5, 6]),
    # case and aliases stay bound
    ("$filter=case(amount gt 10:'big',true:'small') eq 'big'", orders, [2, 5]),
    ("$filter=name eq @n&@n='Ann'", customers, [1]),
    # navigation: to-one joins (reused), to-many any/all as EXISTS, $count as a sub-query
    ("$filter=customer/name eq 'Ann'", orders, [1, 2]),
    ("$filter=customer/name ne 'Ann'", orders, [3, 4, 5, 6]),
    ("$filter=customer/home_city eq 'Oslo' and customer/name ne 'Ann'", orders, [4]),
    ("$filter=odk_orders/any(o:o/amount gt 10)", customers, [1]),
    ("$filter=odk_orders/any()", customers, [1, 3, 4, 5]),
    ("$filter=odk_orders/all(o:o/amount gt 4)", customers, [1, 2, 5]),
    ("$filter=odk_orders/all(o:o/amount ne null)", customers, [1, 2, 3, 5]),
    ("$filter=odk_orders/any(o:o/amount gt 10 and o/customer/name eq $it/name)", customers, [1]),
    ("$filter=odk_orders/$count eq 2", customers, [1]),
    ("$filter=odk_orders/$count($filter=amount gt 6) eq 1", customers, [1, 5]),
    # $orderby with null order: first ascending, last descending; the key breaks ties
    ("$orderby=amount", orders, [4, 3, 1, 6, 5, 2]),
    ("$orderby=amount desc", orders, [2, 5, 6, 1, 3, 4]),
    ("$orderby=note", orders, [2, 5, 4, 3, 6, 1]),
    ("$orderby=customer/name desc,id desc", orders, [3, 6, 2, 1, 4, 5]),
    ("$orderby=home_city,name desc", customers, [3, 5, 1, 4, 2]),
    ("$orderby=odk_orders/$count desc", customers, [1, 3, 4, 5, 2]),
    # $top/$skip (ordered by the key when no $orderby is given)
    ("$top=2", orders, [1, 2]),
    ("$skip=4", orders, [5, 6]),
    ("$orderby=amount desc&$top=2&$skip=1", orders, [5, 6]),
    # $search: words in any string column, AND/OR/NOT
    ("$search=Bob", customers, [4]),
    ("$search=Oslo AND NOT Ann", customers, [4]),
    ("$search=Lima OR bob", customers, [3, 5]),
    ('$search="100%"', customers, [4]),
]


@pytest.mark.parametrize("query, table, expected", CASES, ids=[case[0] for case in CASES])
def test_select_returns_the_rows_odata_semantics_select(db: Any, query: str, table: Any, expected: list[int]) -> None:
    found = ids(db, osql.select(query, table))
    ordered = any(option in query for option in ("$orderby", "$top", "$skip"))
    assert (found if ordered else sorted(found)) == expected


@pytest.mark.parametrize("query, expected", [
    ("$filter=amount gt 6&$top=1&$count=true", 3),
    ("$filter=customer/name eq 'Ann'", 2),
    ("", 6),
])
def test_count_counts_the_filtered_rows_ignoring_top_and_skip(db: Any, query: str, expected: int) -> None:
    with db.connect() as connection:
        assert connection.execute(osql.count(query, orders)).scalar_one() == expected


def test_a_navigation_path_used_twice_joins_once() -> None:
    statement = osql.select("$filter=customer/name eq 'Ann' or customer/home_city eq 'Oslo'&$orderby=customer/name", orders)
    assert str(statement).count("JOIN") == 1


MAPPING = osql.Mapping(properties={"HomeAddress/City": "home_city", "DisplayName": "name"}, open_properties="ext")


@pytest.mark.parametrize("query, expected", [
    ("$filter=HomeAddress/City eq 'Oslo'", [1, 4]),
    ("$filter=DisplayName eq 'Ann'", [1]),
    ("$filter=Tier gt 1", [1, 4]),
    ("$filter=Tier eq null", [3, 5]),
    ("$filter=Code eq 'O''Neil'", [4]),
    ("$filter=Code eq null", [2, 3, 5]),
    ("$orderby=HomeAddress/City desc,DisplayName", [2, 4, 1, 5, 3]),
])
def test_mapping_renames_properties_maps_complex_paths_and_reads_open_properties_from_json(
        db: Any, query: str, expected: list[int]) -> None:
    assert ids(db, osql.select(query, customers, mapping=MAPPING)) == expected


def test_select_of_a_core_table_returns_the_key_and_the_selected_columns_under_their_odata_names(db: Any) -> None:
    statement = osql.select("$select=DisplayName,HomeAddress/City&$filter=id eq 1", customers, mapping=MAPPING)
    with db.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(statement)]
    assert rows == [{"id": 1, "DisplayName": "Ann", "HomeAddress/City": "Oslo"}]


# -- ORM entities: $select as load_only, $expand as selectinload ------------------------------

class Base(orm.DeclarativeBase):
    pass


class Customer(Base):
    __table__ = customers
    orders: orm.Mapped[list[Order]] = orm.relationship(back_populates="customer", order_by=orders.c.id)


class Order(Base):
    __table__ = orders
    customer: orm.Mapped[Customer | None] = orm.relationship(back_populates="orders")


def test_orm_entities_filter_through_relationships_and_expand_with_a_nested_filter(db: Any) -> None:
    statement = osql.select("$filter=orders/any(o:o/amount gt 10)&$expand=orders($filter=amount lt 10;$select=amount)",
                            Customer)
    with orm.Session(db) as session:
        found = session.scalars(statement).all()
        assert [c.id for c in found] == [1]
        assert [o.id for o in found[0].orders] == [1]


def test_orm_select_loads_only_the_selected_columns(db: Any) -> None:
    statement = osql.select("$select=note&$filter=customer_id eq null", Order)
    with orm.Session(db) as session:
        assert [o.id for o in session.scalars(statement)] == [5]
    assert "amount" not in str(statement)


# -- refusals: clear errors, never a silently different result --------------------------------

@pytest.mark.parametrize("query, message", [
    ("$filter=matchesPattern(name,'^A')", "function matchesPattern is not supported"),
    ("$filter=geo.distance(name,name) lt 1", "function geo.distance is not supported"),
    ("$filter=now() gt day", "function now is not supported"),
    ("$filter=nope eq 1", "unknown property nope"),
    ("$filter=odk_orders eq 1", "needs any(), all() or $count"),
    ("$filter=name/x eq 1", "name is a primitive property"),
    ("$filter=price mod 2 eq 1", "mod of non-integer operands"),
    ("$filter=name eq @missing", "parameter alias @missing has no value"),
    ("$compute=amount as a", "$compute is not supported"),
    ("$apply=filter(amount gt 1)", "$apply is not supported"),  # ignoring it would return every row
    ("$expand=customer", "$expand needs an ORM mapped class"),
    ("$select=customer", "use $expand"),
])
def test_what_sql_cannot_express_exactly_is_refused_with_a_clear_error(query: str, message: str) -> None:
    with pytest.raises(osql.SQLCompileError, match=message.replace("$", r"\$").replace("(", r"\(").replace(")", r"\)")):
        osql.select(query, orders if any(word in query for word in ("customer", "price", "compute", "apply"))
                    else customers)


def test_every_canonical_function_is_either_supported_or_refused() -> None:
    from odatakit.query.syntax import FUNCTIONS

    assert osql.SUPPORTED_FUNCTIONS | osql.REFUSED_FUNCTIONS == set(FUNCTIONS)
    assert not osql.SUPPORTED_FUNCTIONS & osql.REFUSED_FUNCTIONS
    for name in osql.REFUSED_FUNCTIONS:
        arity = FUNCTIONS[name][0]
        call = odatakit.Call(name, [odatakit.Path([odatakit.Property("name")])] * arity)
        with pytest.raises(osql.SQLCompileError, match=f"function {name} is not supported"):
            osql.select(odatakit.Query(filter=odatakit.BinaryOp("eq", call, odatakit.Literal("Int32", 1))), customers)


# -- limits ------------------------------------------------------------------------------------

def test_select_checks_the_default_limits() -> None:
    many = " or ".join(f"id eq {n}" for n in range(40))
    with pytest.raises(odatakit.LimitExceeded, match="MaxNodeCount"):
        osql.select(f"$filter={many}", customers)
    osql.select(f"$filter={many}", customers, limits=odatakit.Limits(max_node_count=1000))


# -- injection: literals are bound, LIKE patterns escaped -------------------------------------

TEXT = st.text(alphabet=st.sampled_from("ab%_\\'\"; -*[]"), min_size=1, max_size=6) | st.text(min_size=1, max_size=8)


@settings(max_examples=60)
@given(text=TEXT)
def test_no_literal_text_reaches_the_sql_statement(text: str) -> None:
    query = odatakit.Query(filter=odatakit.Or([
        odatakit.Call("contains", [odatakit.Path([odatakit.Property("name")]), odatakit.Literal("String", text)]),
        odatakit.BinaryOp("eq", odatakit.Path([odatakit.Property("home_city")]), odatakit.Literal("String", text)),
    ]))
    neutral = odatakit.Query(filter=odatakit.Or([
        odatakit.Call("contains", [odatakit.Path([odatakit.Property("name")]), odatakit.Literal("String", "q")]),
        odatakit.BinaryOp("eq", odatakit.Path([odatakit.Property("home_city")]), odatakit.Literal("String", "q")),
    ]))
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        sql = str(osql.select(query, customers).compile(dialect=dialect))
        assert sql == str(osql.select(neutral, customers).compile(dialect=dialect))


def _no_nul(texts: list[str | None]) -> list[str | None]:
    """PostgreSQL text cannot hold NUL: the one character every engine does not store alike."""
    return [None if text is None else text.replace("\x00", "") for text in texts]


names_metadata = sa.MetaData()
names = sa.Table("odk_names", names_metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                 sa.Column("name", sa.String(40)))


@pytest.fixture(scope="module")
def names_db(engine: Any) -> Any:
    """A table of its own on each engine, refilled by every example of the contains property."""
    names_metadata.drop_all(engine)
    names_metadata.create_all(engine)
    yield engine
    names_metadata.drop_all(engine)


@pytest.mark.slow
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names_=st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8)
                      | TEXT | st.none(), min_size=1, max_size=6).map(_no_nul), needle=TEXT.filter(lambda s: "\x00" not in s))
def test_contains_equals_a_python_substring_check(names_db: Any, names_: list[str | None], needle: str) -> None:
    with names_db.begin() as connection:
        connection.execute(names.delete())
        connection.execute(names.insert(), [dict(id=i, name=name) for i, name in enumerate(names_)])
    query = odatakit.Query(filter=odatakit.Call(
        "contains", [odatakit.Path([odatakit.Property("name")]), odatakit.Literal("String", needle)]))
    found = sorted(ids(names_db, osql.select(query, names)))
    assert found == [i for i, name in enumerate(names_) if name is not None and needle in name]


@pytest.mark.parametrize("function, text", [("contains", "100%_\\x"), ("startswith", "a_b"), ("endswith", "%")])
def test_like_patterns_escape_wildcards_and_name_the_escape_character(function: str, text: str) -> None:
    query = odatakit.Query(filter=odatakit.Call(function, [odatakit.Path([odatakit.Property("name")]),
                                                           odatakit.Literal("String", text)]))
    compiled = osql.select(query, customers).compile(dialect=postgresql.dialect())
    assert "ESCAPE '\\'" in str(compiled)
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    assert escaped in compiled.params.values()
    # SQLite's LIKE ignores case: there the match is instr/substr over the text itself
    on_sqlite = osql.select(query, customers).compile(dialect=sqlite.dialect())
    assert "LIKE" not in str(on_sqlite) and text in on_sqlite.params.values()


def test_a_many_to_many_navigation_is_refused_naming_it() -> None:
    class Other(orm.DeclarativeBase):
        pass

    link = sa.Table("odk_link", Other.metadata,
                    sa.Column("a_id", sa.ForeignKey("odk_a.id"), primary_key=True),
                    sa.Column("b_id", sa.ForeignKey("odk_b.id"), primary_key=True))

    class A(Other):
        __tablename__ = "odk_a"
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
        bs: orm.Mapped[list[B]] = orm.relationship(secondary=link)

    class B(Other):
        __tablename__ = "odk_b"
        id: orm.Mapped[int] = orm.mapped_column(primary_key=True)

    with pytest.raises(osql.SQLCompileError, match="many-to-many"):
        osql.select("$filter=bs/any()", A)


def test_without_postgresql_binaries_the_fixture_gives_a_clear_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    import _sql_engines

    monkeypatch.setattr(_sql_engines, "_pg_binary", lambda name: None)
    with pytest.raises(RuntimeError, match="no initdb/pg_ctl on PATH or in /usr/lib/postgresql"):
        _sql_engines._start_cluster()
