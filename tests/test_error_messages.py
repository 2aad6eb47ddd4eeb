"""Errors that teach: the common mistakes of a newcomer, each named for what it is, at the
character it is about (one table row per message)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import odatakit
from odatakit import ODataSyntaxError

F, Q, E, S, X = (odatakit.parse_filter, odatakit.parse_query, odatakit.parse_expand,
                 odatakit.parse_select, odatakit.parse_expression)

#: (entry point, text, offset of the fault, words the message must hold)
MESSAGES: list[tuple[Callable[[str], object], str, int, str]] = [
    # a space around the value is named as such, not shown as a caret under the next character
    (F, " a eq 1", 0, "a leading space"),
    (F, "a eq 1 ", 6, "a trailing space"),
    (Q, "$filter= a eq 1", 8, "a leading space"),
    (Q, "$top=5 ", 6, "trailing space"),
    # URL Conventions §2.1: '&' splits options before anything is decoded
    (Q, "$filter=Name eq 'A&B'", 18, "'&' separates options; write %26"),
    (Q, "$expand=A($select=B&$top=1)", 19, "nested options are separated by ';'"),
    (E, "A($select=B&$top=1)", 11, "separated by ';', not '&'"),
    # ABNF dateTimeOffsetValue: the zone is required
    (F, "d eq 2024-01-01T10:00:00", 24, "needs a time zone: add Z or an offset"),
    (F, "d eq 2024-01-01T10:00", 21, "2024-01-01T10:00Z"),
    # OData v2/v3 spellings name their v4 form
    (F, "d eq datetime'2024-01-01T10:00:00'", 5, "in v4 write the date-time bare"),
    (F, "g eq guid'01234567-89ab-cdef-0123-456789abcdef'", 5, "in v4 write the GUID bare"),
    (F, "substringof('a',Name)", 0, "in v4 write contains(Name,s)"),
    (F, "a eq 123L", 8, "'L' suffix of a number is OData v2/v3"),
    (F, "a eq 1.5M", 8, "'M' suffix"),
    # the wrong entry point
    (F, "$filter=a eq 1", 0, "pass what follows '$filter=' to parse_filter"),
    (odatakit.parse_orderby, "$orderby=A desc", 0, "parse_orderby"),
    (F, "https://host/svc/Items?$filter=a eq 1", 0, "use parse_url"),
    (Q, "https://host/svc/Items?$filter=a eq 1", 0, "parse_query takes the query string"),
    # ABNF: DIGIT is ASCII 0-9
    (Q, "$top=١٠", 5, "unexpected"),
    (F, "A eq 𝟏𝟐", 5, "unexpected"),
    (F, "A eq duration'P١D'", 5, "invalid Duration"),
    # geo literals per shape, the offset inside the literal
    (F, "A eq geography'SRID=0;Point(1 2,3 4)'", 27, "a Point holds one position"),
    (F, "A eq geography'SRID=0;LineString(1 2)'", 32, "at least 2 positions"),
    (F, "A eq geometry'SRID=0;Polygon((0 0,1 0,1 1,0 1))'", 29, "ring is closed"),
    (F, "A eq geography'SRID=0;MultiPoint(1 2,3 4)'", 33, "MultiPoint((1 2),(3 4))"),
    (F, "A eq geography'SRID=0;Collection()'", 33, "expected Point("),
    # the 4.01 forms the grammar narrows to
    (F, "Style has 1", 0, "'has' takes an enum literal"),
    (S, "NS.F()", 5, "unexpected ')'"),
    (F, "Orders/Items(1,2)/P eq 1", 7, "a compound key names every part"),
]


@pytest.mark.parametrize(("parse", "text", "offset", "words"), MESSAGES, ids=[row[1] for row in MESSAGES])
def test_mistake_gets_a_message_that_names_it(parse: Callable[[str], object], text: str, offset: int, words: str) -> None:
    with pytest.raises(ODataSyntaxError) as caught:
        parse(text)
    assert words in str(caught.value)
    assert caught.value.offset == offset


@pytest.mark.parametrize(("parse", "text"), [
    (Q, "$search= blue"),  # search = "$search" EQ BWS searchExpr
    (F, "Nav(1)/P eq 1"),
    (F, "Nav(K='a')/P eq 1"),
    (F, "MyPeople(987)"),
    (F, "NS.F()/P eq 1"),
    (F, "A/NS.F()(K=1)/P eq 1"),
    (F, "Style has Ns.Color'Red'"),
    (F, "A eq geography'SRID=0;Polygon((1 1,1 1),(1 1,2 2,3 3,1 1))'"),  # OASIS case: closed 2-position ring
])
def test_text_the_narrowed_grammar_still_accepts(parse: Callable[[str], object], text: str) -> None:
    tree = parse(text)
    assert parse(odatakit.serialize(tree)) == tree


@pytest.mark.parametrize(("text", "accepted"), [
    ("$format=json", True), ("$format=XML", True), ("$format=atom", True),
    ("$format=application/json;odata.metadata=full", True),
    ("$format=foo", False), ("$format=json;odata.metadata=full", False),
])
def test_format_follows_its_abnf(text: str, accepted: bool) -> None:
    """format = "$format" EQ ( "atom" / "json" / "xml" / 1*pchar "/" 1*pchar )."""
    if accepted:
        assert Q(text).format == text.partition("=")[2]
    else:
        with pytest.raises(ODataSyntaxError, match=r"\$format is json, xml, atom or a media type"):
            Q(text)
