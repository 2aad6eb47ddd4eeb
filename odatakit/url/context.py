"""Context URLs (``$metadata#…``): text → parts."""

from __future__ import annotations

import re

import attrs

from ..errors import ODataSyntaxError
from ..query.syntax import MAX_DEPTH
from .parse import (
    _name_prefix,
    _paren_groups,
    _parse_named,
    _read_segment,
    _split_segments,
    parse_url,
)
from .parts import ContextFragment, ContextUrl, PathSegment
from .vocabulary import _IDENT, _QUALIFIED

# ---- context URLs -------------------------------------------------------------------------------

_COLLECTION_TYPE = re.compile(rf"Collection\((?:\$ref|{_IDENT}(?:\.{_IDENT})+)\)")
_FRAGMENT_SUFFIXES = ("$entity", "$delta", "$deletedEntity", "$link", "$deletedLink")

# selectList (ABNF contextFragment): items of names, qualified names, "*", "Ns.*", "@Ns.Term#q",
# joined by "/", an optional "+" and a nested list. The fragment is not percent-encoded (4.01).
_SELECT_ITEM = re.compile(rf"(?:\*|{_IDENT}(?:\.{_IDENT})*(?:\.\*)?|@{_IDENT}(?:\.{_IDENT})+(?:#{_IDENT})?)"
                          rf"(?:/(?:{_IDENT}(?:\.{_IDENT})*|@{_IDENT}(?:\.{_IDENT})+(?:#{_IDENT})?))*\+?")


def _select_end(text: str, i: int, whole: str, base: int) -> int:
    """Check the select list that opens at ``text[i] == "("``; return the index after its ")".

    Nested lists are followed with a depth count, not recursion, and refused past ``MAX_DEPTH``.
    """
    assert text[i] == "("
    depth = 0
    may_open = True  # at the start and right after an item, "(" opens a (nested) list
    while True:
        if may_open and text.startswith("(", i):
            depth += 1
            if depth > MAX_DEPTH:
                raise ODataSyntaxError(f"select list nested more than {MAX_DEPTH} levels deep", whole, base + i)
            i += 1
            if not text.startswith(")", i):
                i = _select_item_end(text, i, whole, base)
                continue
        elif text.startswith(",", i):
            i = _select_item_end(text, i + 1, whole, base)
            may_open = True
            continue
        if text.startswith(")", i):
            i += 1
            depth -= 1
            if depth == 0:
                return i
            may_open = False
            continue
        raise ODataSyntaxError("expected ',' or ')' in the select list", whole, base + i, [",", ")"])


def _select_item_end(text: str, i: int, whole: str, base: int) -> int:
    match = _SELECT_ITEM.match(text, i)
    if match is None or not match.group():
        raise ODataSyntaxError("expected a select list item", whole, base + i, ["property", "*", "@Ns.Term"])
    return match.end()


def _parse_fragment(whole: str, start: int) -> ContextFragment:
    text = whole[start:]
    if text in ("$ref", "Collection($ref)", "Collection(Edm.EntityType)", "Collection(Edm.ComplexType)"):
        return ContextFragment(type_name=text)
    type_match = _COLLECTION_TYPE.match(text)
    if type_match is None and not re.match(rf"{_IDENT}[/(]", text):
        type_match = _QUALIFIED.match(text)
    if type_match is not None and (type_match.end() == len(text) or text[type_match.end()] == "("):
        select = None
        if type_match.end() < len(text):
            select = _select_list(text, type_match.end(), whole, start)
        return ContextFragment(type_name=type_match.group(), select=select)
    suffix = None
    for candidate in _FRAGMENT_SUFFIXES:
        if text.endswith("/" + candidate):
            suffix, text = candidate, text[:-len(candidate) - 1]
            break
    segments = _split_segments(text, start, whole) if text else []
    if not segments or not segments[0][0]:
        raise ODataSyntaxError("expected an entity set, a singleton or a type", whole, start, ["odataIdentifier"])
    # the last segment may end in a select list "(Address,Orders)" rather than a key "('ALFKI')"
    select = None
    last_text, last_offset = segments[-1]
    opening = _name_prefix(last_text)
    groups = _paren_groups(last_text, opening, whole, last_offset)
    if opening and groups and last_text[groups[-1][0]] == "(":
        at = groups[-1][0]
        try:
            select = _select_list(last_text, at, whole, last_offset)
            segments[-1] = (last_text[:at], last_offset)
        except ODataSyntaxError as select_error:
            if last_text.startswith(("@", "%40"), at + 1):
                raise  # an annotation, never a key
            try:
                _parse_named(last_text, last_offset, whole)
            except ODataSyntaxError:
                raise select_error from None
    path: list[PathSegment] = []
    for segment, offset in segments:
        if not segment:
            raise ODataSyntaxError("empty path segment", whole, offset, ["odataIdentifier"])
        if segment.startswith("$"):
            raise ODataSyntaxError("unexpected dollar segment in a context URL", whole, offset,
                                   list(_FRAGMENT_SUFFIXES))
        _read_segment(path, segment, offset, whole, None)
    return ContextFragment(tuple(path), None, select, suffix)


def _select_list(text: str, at: int, whole: str, base: int) -> str:
    """The select list opening at ``text[at]`` (it must end the text), without its parentheses."""
    end = _select_end(text, at, whole, base)
    if end != len(text):
        raise ODataSyntaxError("unexpected text after the select list", whole, base + end)
    return text[at + 1:end - 1]


def parse_context_url(text: str) -> ContextUrl:
    """Read a context URL (``@odata.context``) into the metadata URL and the fragment's parts.

    >>> parse_context_url("https://outlook.office.com/api/v2.0/$metadata#Me/Messages('AAMk=')/Extensions/$entity").fragment.suffix
    '$entity'
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a context URL as str, got {type(text).__name__}")
    from ..query.parser import _check_text

    _check_text(text, text, 0)
    hash_at = text.find("#")
    if hash_at < 0:
        raise ODataSyntaxError("a context URL has a fragment ('#…')", text, len(text), ["#"])
    if hash_at == 0:
        return ContextUrl(None, _parse_fragment(text, 1))
    url = parse_url(text)
    assert url.fragment is not None
    return ContextUrl(attrs.evolve(url, fragment=None), url.fragment)
