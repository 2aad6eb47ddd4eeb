"""Parts → URL text: literals through the printer, encoding through ``odatakit.query.percent``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..query import percent, tree
from .parts import (
    CastSegment,
    ContextFragment,
    ContextUrl,
    CrossJoinSegment,
    DollarSegment,
    FilterPathSegment,
    KeyAsSegment,
    KeyPredicate,
    NameSegment,
    PathSegment,
    Url,
    UserContext,
)
from .vocabulary import _SEGMENT_KEY_SAFE


def _serialize(node: Any, url: bool | str = False) -> str:
    from ..query.printer import (
        serialize,  # imported late: parsing a URL needs only the parser
    )

    return serialize(node, url=url)


def _render_key(key: tree.Key) -> str:
    if not key.values:
        return "()"
    return _serialize(key, url="path")


def _render_segment(segment: PathSegment) -> str:
    if isinstance(segment, (NameSegment, CastSegment)):
        return segment.name + ("" if segment.key is None else _render_key(segment.key))
    if isinstance(segment, KeyAsSegment):
        return percent.encode(segment.value, _SEGMENT_KEY_SAFE)
    if isinstance(segment, KeyPredicate):
        return _render_key(segment.key)
    if isinstance(segment, DollarSegment):
        return segment.name
    if isinstance(segment, FilterPathSegment):
        return "$filter(" + _serialize(segment.predicate, url="path") + ")"
    if isinstance(segment, CrossJoinSegment):
        return "$crossjoin(" + ",".join(segment.names) + ")"
    raise TypeError(f"not a path segment: {segment!r}")


def _render_path(path: Iterable[PathSegment]) -> str:
    out = ""
    for segment in path:
        text = _render_segment(segment)
        out += text if isinstance(segment, KeyPredicate) or not out else "/" + text
    return out


def _render_user(user: UserContext) -> str:
    if user.user is None:
        return user.name
    if user.parenthesized:
        return user.name + _render_key(tree.Key((tree.KeyValue(tree.Literal("String", user.user)),)))
    return user.name + "/" + percent.encode(user.user, _SEGMENT_KEY_SAFE)


def _render_fragment(fragment: ContextFragment) -> str:
    text = fragment.type_name or _render_path(fragment.path)
    if fragment.select is not None:
        text += "(" + fragment.select + ")"
    if fragment.suffix is not None:
        text += "/" + fragment.suffix
    return text


def render(value: Url | ContextUrl | ContextFragment) -> str:
    """The URL text of parts: canonical key encoding, names spelled as given."""
    if isinstance(value, ContextFragment):
        return "#" + _render_fragment(value)
    if isinstance(value, ContextUrl):
        head = "" if value.metadata is None else render(value.metadata)
        return head + "#" + _render_fragment(value.fragment)
    pieces = []
    if value.user is not None:
        pieces.append(_render_user(value.user))
    if value.path:
        pieces.append(_render_path(value.path))
    text = "/".join(pieces)
    if value.root is not None:
        text = value.root.url + ("/" + text if text else "")
    if value.trailing_slash:
        text += "/"
    if value.query is not None:
        text += "?" + _serialize(value.query, url=True)
    if value.fragment is not None:
        text += "#" + _render_fragment(value.fragment)
    return text


