"""``startswith`` with a literal prefix (URL Conventions §5.1.1.5.3): case-sensitive and exact on
every engine. On SQLite it is a range over code point order (``col >= :prefix AND col <
:successor``, which an index on the column can serve), since SQLite's LIKE ignores case; elsewhere
LIKE with the prefix's wildcards escaped. The prefix is a bound parameter everywhere."""

from __future__ import annotations

from typing import Any

import pytest

sa = pytest.importorskip("sqlalchemy")

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from sqlalchemy.dialects import postgresql, sqlite  # noqa: E402

import odatakit  # noqa: E402
import odatakit.sql as osql  # noqa: E402
from odatakit.sql._compile import successor  # noqa: E402

from _sql_engines import engine, postgres_url  # noqa: E402,F401  (fixtures)

metadata = sa.MetaData()
names = sa.Table("odk_prefix", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                 sa.Column("name", sa.String(40), index=True))

#: Every character the pattern languages (LIKE, GLOB) and the range treat specially, case
#: differences, non-ASCII, the last code point; NUL is added where the engine stores it.
NAMES = ["", "a", "A", "ab", "aB", "a%", "a%b", "a_", "a_b", "a*", "a?", "a[", "a[b]", "a]", "a\\", "a\\b",
         "é", "éa", "Éa", "\U0010ffff", "\U0010ffffa", "a\U0010ffff", "b", "zz", "\ud7ff", "\ue000", None]
PREFIXES = ["", "a", "A", "a%", "a_", "a*", "a?", "a[", "a[b", "a]", "a\\", "é", "É", "\U0010ffff", "a\U0010ffff",
            "\ud7ff", "ab", "abc", "%", "_", "*"]


@pytest.fixture(scope="module")
def db(engine: Any) -> Any:
    metadata.drop_all(engine)
    metadata.create_all(engine)
    rows = list(NAMES)
    if engine.dialect.name != "postgresql":  # PostgreSQL text cannot hold NUL
        rows += ["a\x00", "a\x00b", "\x00"]
    with engine.begin() as connection:
        connection.execute(names.insert(), [dict(id=i, name=name) for i, name in enumerate(rows)])
    yield engine, rows
    metadata.drop_all(engine)


def _query(prefix: str) -> odatakit.Query:
    return odatakit.Query(filter=odatakit.Call(
        "startswith", [odatakit.Path([odatakit.Property("name")]), odatakit.Literal("String", prefix)]))


def _matching(db: Any, prefix: str) -> list[int]:
    engine, _rows = db
    with engine.connect() as connection:
        return sorted(row.id for row in connection.execute(osql.select(_query(prefix), names)))


@pytest.mark.parametrize("prefix", PREFIXES, ids=[ascii(p) for p in PREFIXES])
def test_startswith_matches_exactly_the_names_that_start_with_the_prefix(db: Any, prefix: str) -> None:
    _engine, rows = db
    assert _matching(db, prefix) == [i for i, name in enumerate(rows) if name is not None and name.startswith(prefix)]


@pytest.mark.parametrize("prefix", ["a\x00", "\x00", "a\x00b"], ids=ascii)
def test_a_prefix_holding_nul_matches_exactly_where_nul_is_stored(db: Any, prefix: str) -> None:
    engine, rows = db
    if engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL text cannot hold NUL")
    assert _matching(db, prefix) == [i for i, name in enumerate(rows) if name is not None and name.startswith(prefix)]


# (prefix, least string above all strings it starts)
SUCCESSORS = [
    ("P12", "P13"), ("a", "b"), ("az", "a{"), ("a\U0010ffff", "b"), ("\U0010ffff", b""), ("", b""),
    ("\ud7ff", "\ue000"), ("é", "ê"), ("a\x00", "a\x01"),
]


@pytest.mark.parametrize("prefix, above", SUCCESSORS, ids=[ascii(case[0]) for case in SUCCESSORS])
def test_successor_is_the_least_string_above_the_prefixs_strings(prefix: str, above: str | bytes) -> None:
    assert successor(prefix) == above


def test_sqlite_compiles_a_range_and_binds_the_prefix() -> None:
    compiled = osql.select(_query("a_%"), names).compile(dialect=sqlite.dialect())
    text = str(compiled)
    assert ">=" in text and "<" in text and "LIKE" not in text and "substr" not in text
    assert sorted(map(str, compiled.params.values())) == ["a_%", "a_&"]


def test_sqlite_can_answer_startswith_from_an_index() -> None:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    statement = osql.select(_query("ab"), names).compile(dialect=engine.dialect)
    with engine.connect() as connection:
        plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(statement), tuple(statement.params[name] for name in statement.positiontup or ())))
    assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan


TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6)


@pytest.mark.slow
@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(rows=st.lists(st.none() | TEXT | st.text(alphabet="aA%_*?[]\\é", max_size=4), min_size=1, max_size=8),
       prefix=TEXT | st.text(alphabet="aA%_*?[]\\é", max_size=3))
def test_drawn_prefixes_equal_the_evaluator_on_sqlite(rows: list[str | None], prefix: str) -> None:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(names.insert(), [dict(id=i, name=name) for i, name in enumerate(rows)])
        got = sorted(row.id for row in connection.execute(osql.select(_query(prefix), names)))
    response = odatakit.evaluate(_query(prefix), [dict(id=i, name=name) for i, name in enumerate(rows)])
    assert got == sorted(entity["id"] for entity in response["value"])


@pytest.mark.slow
@given(prefix=st.text(min_size=1, max_size=12).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)))
def test_the_prefix_never_reaches_the_sql_text(prefix: str) -> None:
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        sql = str(osql.select(_query(prefix), names).compile(dialect=dialect))
        assert sql == str(osql.select(_query("q"), names, cache=False).compile(dialect=dialect))
