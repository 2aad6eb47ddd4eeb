"""``$search`` (URL Conventions §5.1.7) as a documented, simple match — the spec leaves matching
to the service. An entity matches a word when one of its string values (properties, nested complex
values and collections; not annotations) holds that word as a whole token, ignoring case
(Unicode case folding); a phrase matches consecutive tokens. ``AND``, ``OR`` and ``NOT`` combine
the matches as Boolean operators (two-valued: an entity either holds a word or it does not).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..query import tree
from .values import EvaluationError

__all__ = ["compile_search", "tokens"]

_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """The case-folded word tokens of a text: runs of letters, digits and underscores."""
    return [t.casefold() for t in _TOKEN.findall(text)]


def _strings(value: Any) -> list[str]:
    found: list[str] = []
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            found.append(current)
        elif isinstance(current, dict):
            stack.extend(v for k, v in current.items() if "@" not in k)
        elif isinstance(current, list):
            stack.extend(current)
    return found


def _texts(entity: Any) -> list[tuple[str, ...]]:
    return [tuple(tokens(text)) for text in _strings(entity)]


def _contains_run(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    if not needle:
        return True
    size = len(needle)
    return any(haystack[i:i + size] == needle for i in range(len(haystack) - size + 1))


Matcher = Callable[[list[tuple[str, ...]]], bool]


def _term(words: tuple[str, ...]) -> Matcher:
    return lambda texts: any(_contains_run(text, words) for text in texts)


def _compile(node: Any) -> Matcher:
    # Recursion is bounded: search trees are depth-checked (syntax.MAX_DEPTH) before compiling.
    build = _SEARCH.get(type(node))
    if build is None:
        raise EvaluationError(f"{type(node).__name__} is not a search expression")
    return build(node)


def _not(node: tree.SearchNot) -> Matcher:
    inner = _compile(node.operand)
    return lambda texts: not inner(texts)


def _and(node: tree.SearchAnd) -> Matcher:
    left, right = _compile(node.left), _compile(node.right)
    return lambda texts: left(texts) and right(texts)


def _or(node: tree.SearchOr) -> Matcher:
    left, right = _compile(node.left), _compile(node.right)
    return lambda texts: left(texts) or right(texts)


#: Search tree class → its matcher.
_SEARCH: dict[type, Callable[[Any], Matcher]] = {
    tree.SearchWord: lambda node: _term(tuple(tokens(node.text))),
    tree.SearchPhrase: lambda node: _term(tuple(tokens(node.text))),
    tree.SearchNot: _not,
    tree.SearchAnd: _and,
    tree.SearchOr: _or,
}


def compile_search(search: tree.Search | Any) -> Callable[[Any], bool]:
    """A test of one entity against a ``$search`` tree (or the text of one)."""
    if isinstance(search, str):
        from ..query.parser import parse_search

        search = parse_search(search)
    from .filter import _depth_check

    _depth_check(search)
    matcher = _compile(search.expr if isinstance(search, tree.Search) else search)
    return lambda entity: matcher(_texts(entity))
