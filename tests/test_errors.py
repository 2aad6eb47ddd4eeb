"""Bad text: ODataSyntaxError with the offset, what was expected, and the text with a caret."""

from __future__ import annotations

import pytest

import odatakit
from odatakit import ODataSyntaxError

# (parse function, text, offset, words the message must contain, what `expected` must contain)
ERRORS = [
    (odatakit.parse_filter, "", 0, "empty input", "an expression"),
    (odatakit.parse_filter, "   ", 0, "empty input", "an expression"),
    (odatakit.parse_filter, "A eq 1 and", 10, "missing operand: 'and'", "an expression"),
    (odatakit.parse_filter, "A eq", 4, "missing operand: 'eq'", "an expression"),
    (odatakit.parse_filter, "Name eq 'abc", 8, "unterminated string literal", "a closing '"),
    (odatakit.parse_filter, "Name eq 'O'Neil'", 11, "a quote inside a string is written twice", None),
    (odatakit.parse_filter, "foo(Name) eq 2", 0, "unknown function 'foo'", None),
    (odatakit.parse_filter, "A/Ns.f(1)", 2, "unknown function 'Ns.f'", None),
    (odatakit.parse_filter, "contains(A)", 0, "contains() takes 2 arguments, not 1", None),
    (odatakit.parse_filter, "substring(A,1,2,3)", 0, "substring() takes 2 to 3 arguments", None),
    (odatakit.parse_filter, "Name in ('a',)", 13, "trailing comma", "an expression"),
    (odatakit.parse_filter, "Name in ('a', B)", 8, "an 'in' list holds literals", None),
    (odatakit.parse_filter, "A = 1", 2, "'=' is not an OData operator", None),
    (odatakit.parse_filter, 'Name eq "x"', 8, "single quotes", None),
    (odatakit.parse_filter, "(A eq 1", 7, "unexpected end of input", "')'"),
    (odatakit.parse_filter, "A eq 1)", 6, "unexpected ')'", "the end of the text"),
    (odatakit.parse_filter, "X eq 1 and and Y", 15, "unexpected 'Y'", None),
    (odatakit.parse_filter, "Date eq 2012-13-01", 8, "invalid Date", None),
    (odatakit.parse_filter, "T eq 24:00", 5, "invalid TimeOfDay", None),
    (odatakit.parse_filter, "D eq 2011-12-31T24:00Z", 5, "invalid DateTimeOffset", None),
    (odatakit.parse_filter, "B eq binary'!!'", 5, "invalid Binary", None),
    (odatakit.parse_filter, "D eq duration'P1X'", 5, "invalid Duration", None),
    (odatakit.parse_filter, "G eq geography'Point(1 2)'", 15, "SRID", None),
    (odatakit.parse_filter, "A/all()", 2, "all() needs a lambda variable", None),
    (odatakit.parse_filter, "A eq 12abc", 5, "unexpected '12abc'", "an expression"),
    (odatakit.parse_filter, "Model.Type", 10, "unexpected end of input", "'/'"),
    (odatakit.parse_expand, "Customer/$ref($levels=4)", 14, "unexpected", None),
    (odatakit.parse_expand, "Items/$count($count=true)", 13, "unexpected", None),
    (odatakit.parse_expand, "Category($levels=04)", 17, "$levels is a positive integer", None),
    (odatakit.parse_expand, "Items($top=1;$top=2)", 13, "$top is given more than once", None),
    (odatakit.parse_select, "A,", 2, "unexpected end of input", None),
    (odatakit.parse_search, '"blue', 0, "unexpected", None),
    (odatakit.parse_query, "$top=-1", 5, "must not be negative", None),
    (odatakit.parse_query, "$count", 6, "$count needs a value", None),
    (odatakit.parse_query, "$count=yes", 7, "unexpected", None),
    (odatakit.parse_query, "$filter=A eq 1&$filter=B eq 2", 15, "given more than once", None),
    (odatakit.parse_query, "$FILTER=A eq 1&filter=B eq 2", 15, "given more than once", None),
    (odatakit.parse_query, "$bogus=1", 0, "unknown system query option", "$filter"),
    (odatakit.parse_query, "$search=#1", 8, "raw '#'", None),
    (odatakit.parse_query, "$top=5&$filter=A eq", 19, "missing operand", "an expression"),
    (odatakit.parse_query, "@p=1&@p=2", 5, "alias @p is given more than once", None),
    (odatakit.parse_query, "$top=" + "9" * 5000, 5, "5000 digits is too long", None),
    (odatakit.parse_filter, "X eq " + "9" * 5000, 5, "5000 digits is too long", None),
    (odatakit.parse_filter, 'A in ["\\ud800"]', 6, "half a surrogate pair", None),
    (odatakit.parse_filter, "A eq '\ud800'", 6, "lone surrogate", None),
    (odatakit.parse_search, "%27f", 0, "unterminated", None),
]


@pytest.mark.parametrize(("parse", "text", "offset", "reason", "expected"), ERRORS, ids=[(e[1] or "<empty>")[:40] for e in ERRORS])
def test_bad_text_raises_syntax_error_at_offset(parse, text: str, offset: int, reason: str, expected: str | None) -> None:
    with pytest.raises(ODataSyntaxError) as caught:
        parse(text)
    error = caught.value
    assert error.offset == offset
    assert reason in str(error)
    if expected is not None:
        assert expected in error.expected
    # the message shows the text with a caret under the offset
    lines = str(error).splitlines()
    assert lines[-1].index("^") - 2 == offset or text == ""  # two spaces of indent, no clipping here
    assert isinstance(error, ValueError)


def test_expected_words_are_odata_words_not_lark_terminal_names() -> None:
    for text in ("A eq", "A eq 1 and (", "A/", "Items/any(d:", "A in (", "Name eq 'x' B"):
        with pytest.raises(ODataSyntaxError) as caught:
            odatakit.parse_filter(text)
        for word in caught.value.expected:
            assert not word.isupper() and "_" not in word.strip("'$"), (text, word)


def test_caret_is_shown_in_a_clipped_excerpt_of_long_text() -> None:
    text = "A eq 1 and " * 200 + "B eq 'x"
    with pytest.raises(ODataSyntaxError) as caught:
        odatakit.parse_filter(text)
    excerpt, caret = str(caught.value).splitlines()[1:]
    assert len(excerpt) < 100 and excerpt.startswith("  …")
    assert excerpt[caret.index("^")] == "'"


def test_offsets_inside_query_strings_point_into_the_whole_text() -> None:
    text = "$top=1&$filter=Name eq 'abc"
    with pytest.raises(ODataSyntaxError) as caught:
        odatakit.parse_query(text)
    assert caught.value.offset == text.index("'")
    assert caught.value.text == text


def test_non_text_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        odatakit.parse_filter(b"A eq 1")  # type: ignore[arg-type]


FAULT_PATHS = [
    ("$", ()),
    ("$.value[2].Id", ("value", 2, "Id")),
    ("$['Name@odata.type']", ("Name@odata.type",)),
    ("$['it\\'s'].a", ("it's", "a")),
    ("$['back\\\\slash']", ("back\\slash",)),
    ("$[(1, 2)]", ((1, 2),)),  # a Python key that is no JSON key, by its repr
]


@pytest.mark.parametrize(("text", "steps"), FAULT_PATHS, ids=[text for text, _ in FAULT_PATHS])
def test_a_fault_path_is_its_steps_and_json_path_their_text(text: str, steps: tuple) -> None:
    from_text, from_steps = odatakit.Fault(text, "m"), odatakit.Fault(steps, "m")
    assert from_text == from_steps and from_text.path == steps
    assert from_text.json_path == text and str(from_steps) == f"{text}: m"


def test_a_fault_path_that_is_no_json_path_is_refused() -> None:
    for text in ("value[0]", "$.a..b", "$[0"):
        with pytest.raises(ValueError):
            odatakit.Fault(text, "m")
