"""Entity and resource URLs: parts → URL → parts.

A ``Url`` is a service root (Outlook REST, Microsoft Graph, or any root), an optional user context
(``me``, ``users/{upn}``, ``users/{userId@tenantId}``), resource path segments, an optional query
(a ``tree.Query``) and, after ``$metadata``, a context fragment. ``parse_url`` reads any such URL
into the same parts and ``render`` writes them back: ``parse_url(render(u)) == u``, and a URL
already in canonical form renders back character for character.

Resource paths are read by a small splitter, not a grammar: the path is a flat list of ``/``
segments, each either a ``$``-segment, a name with optional parenthesized parts, or a key value;
which one a bare word is depends on the segment before it (``messages/AAMk…`` is a key,
``Categories(1)/Products`` a navigation), something a context-free grammar cannot know without
the service's model. Key predicates, operation parameters and ``$filter(…)`` segments are handed
to the query parser (``parse_key``, ``parse_expression``); the serializer writes them back.

Key encoding (spec-facts B1): a key in parentheses is the serializer's literal (quotes doubled)
with ``/ ? # % + space``, controls and non-ASCII percent-encoded and base64 ``= - _`` kept; a key
as a segment is the value itself, unquoted, with the same characters and ``( ) $`` encoded.
Inside a ``$filter(…)`` segment every ``/`` of a literal is ``%2F`` too: only a member path's
``/`` stays raw. No segment is ever ``.`` or ``..``, and a ``Url`` is refused (ValueError) when a
segment would read back as another part (``_segment_problem``, ``_user_problem``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..errors import BuildError, ODataSyntaxError
from ..query import percent, tree
from .parts import (
    CastSegment,
    CrossJoinSegment,
    DollarSegment,
    FilterPathSegment,
    KeyAsSegment,
    KeyPredicate,
    NameSegment,
    PathSegment,
    ServiceRoot,
    Url,
    UserContext,
    _is_dot_segment,
)
from .render import _render_path, _render_segment, _render_user
from ..services import KEYED_COLLECTIONS, KNOWN_ROOTS, TYPE_NAMESPACES
from .vocabulary import _IDENT, _IDENTIFIER, _QUALIFIED, DOLLAR_SEGMENTS, _fullmatch

_OPEN = ("(", "%28")
_CLOSE = (")", "%29")
_QUOTE = ("'", "%27")
_DQUOTE = ('"', "%22")
_BACKSLASH = ("\\", "%5c")


def _token_at(text: str, i: int, choices: tuple[str, ...]) -> str | None:
    for choice in choices:
        if text.startswith(choice, i) if len(choice) == 1 else text[i:i + 3].lower() == choice:
            return choice
    return None


def _split_segments(text: str, base: int, whole: str, track_quotes: bool = True) -> list[tuple[str, int]]:
    """Split a path at raw ``/`` outside parentheses (quotes inside them respected); ``%2F`` is
    never a separator. Returns (segment text, offset into ``whole``).

    Only a raw ``(`` opens a group here: a key written as a segment encodes its parentheses
    (``messages/abc%28``), which must not swallow the following ``/``. Inside a group both
    spellings count, as the ABNF's OPEN and CLOSE (``People(%27O%27%27Neil%27%29``).
    ``Customers%28%27O%27%27Neil%27%29`` holds no raw ``/`` and splits the same either way.
    """
    segments: list[tuple[str, int]] = []
    depth, quoted, start, i = 0, False, 0, 0
    while i < len(text):
        if depth and track_quotes and (q := _token_at(text, i, _QUOTE)):
            quoted = not quoted
            i += len(q)
            continue
        if not quoted:
            if (token := _token_at(text, i, _OPEN)) and (depth or token == "("):
                depth += 1
                i += len(token)
                continue
            if depth and (token := _token_at(text, i, _CLOSE)):
                depth -= 1
                i += len(token)
                continue
            if text[i] == "/" and depth == 0:
                segments.append((text[start:i], base + start))
                start = i + 1
        i += 1
    if quoted and track_quotes:
        # an unbalanced quote (Customers('O%27Neil')): split by parentheses alone and let the key
        # parser point at the exact place
        return _split_segments(text, base, whole, track_quotes=False)
    if depth:
        raise ODataSyntaxError("unclosed parenthesis", whole, base + len(text), [")"])
    segments.append((text[start:], base + start))
    return segments


def _literal_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the content of each quoted literal in expression text, raw or encoded:
    ``'…'`` (SQUOTE is ``'`` or ``%27``, doubled inside) and JSON strings ``"…"`` (``"`` or
    ``%22``, with ``\\`` or ``%5C`` escapes). An unterminated literal runs to the end.

    The renderer encodes the ``/`` inside these spans and the parser refuses a raw one there:
    in a path segment only a member path's ``/`` may stay raw.
    """
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        quote = _QUOTE if _token_at(text, i, _QUOTE) else _DQUOTE if _token_at(text, i, _DQUOTE) else None
        if quote is None:
            i += 1
            continue
        j = start = i + len(_token_at(text, i, quote) or "")
        while j < len(text):
            close = _token_at(text, j, quote)
            if close and quote is _QUOTE and (again := _token_at(text, j + len(close), _QUOTE)):
                j += len(close) + len(again)  # '' is a quote inside the string
            elif close:
                break
            elif quote is _DQUOTE and (escape := _token_at(text, j, _BACKSLASH)):
                j += len(escape)  # and the escaped character, one escape unit
                j += 3 if _token_at(text, j, ("%",)) else 1
            else:
                j += 1
        spans.append((start, min(j, len(text))))
        i = j + len(_token_at(text, j, quote) or "")
    return spans


def _paren_groups(text: str, start: int, whole: str, base: int) -> list[tuple[int, int]]:
    """(open, close-end) spans of consecutive top-level parenthesized groups from ``start``;
    a group never closed is an error at the end of ``text`` (``base`` is its offset in ``whole``)."""
    groups: list[tuple[int, int]] = []
    i = start
    while i < len(text):
        opening = _token_at(text, i, _OPEN)
        if opening is None:
            break
        depth, quoted, j = 1, False, i + len(opening)
        while j < len(text) and depth:
            if q := _token_at(text, j, _QUOTE):
                quoted = not quoted
                j += len(q)
            elif not quoted and (o := _token_at(text, j, _OPEN)):
                depth += 1
                j += len(o)
            elif not quoted and (c := _token_at(text, j, _CLOSE)):
                depth -= 1
                j += len(c)
            else:
                j += 1
        if depth and not quoted:  # (an open quote: the key parser points at it)
            raise ODataSyntaxError("unclosed parenthesis", whole, base + len(text), [")"])
        groups.append((i, j))
        i = j
    return groups


def _reoffset(error: ODataSyntaxError, whole: str, base: int) -> ODataSyntaxError:
    return ODataSyntaxError(error.reason, whole, base + error.offset, error.expected)


def _parse_parens(text: str, offset: int, whole: str) -> tree.Key:
    """A parenthesized key predicate or parameter list, via the query parser's ``parse_key``."""
    from ..query.parser import parse_key

    opening = len(_token_at(text, 0, _OPEN) or "")
    closing = 3 if text.lower().endswith("%29") else 1 if text.endswith(")") else 0
    if "/" in text:
        raise ODataSyntaxError("'/' inside a key must be percent-encoded as %2F", whole,
                               offset + text.index("/"), ["%2F"])
    closed = bool(opening and closing and len(text) >= opening + closing)
    if closed and not text[opening:len(text) - closing].replace("%20", "").strip(" \t"):
        return tree.Key(())  # "()": an operation without parameters
    try:
        key = parse_key(text)
    except ODataSyntaxError as error:
        raise _reoffset(error, whole, offset) from None
    if not closed:
        raise ODataSyntaxError("unclosed parenthesis", whole, offset + len(text), [")"])
    return key


def _name_prefix(text: str) -> int:
    """Length of the longest qualified-name-shaped prefix (for the error offset)."""
    match = re.match(rf"{_IDENT}(?:\.{_IDENT})*", text)
    return match.end() if match else 0


def _parse_named(text: str, offset: int, whole: str) -> list[PathSegment]:
    """``name``, ``Ns.Name``, ``name(…)``, ``name(…)(…)``."""
    head_end = _name_prefix(text)
    head = text[:head_end]
    if _fullmatch(_IDENTIFIER, head):
        make: Any = NameSegment
    elif _fullmatch(_QUALIFIED, head):
        make = CastSegment
    else:
        raise ODataSyntaxError("expected a name (an OData identifier or Namespace.Name)", whole, offset,
                               ["odataIdentifier", "qualifiedName"])
    groups = _paren_groups(text, head_end, whole, offset)
    end = groups[-1][1] if groups else head_end
    if end != len(text):
        raise ODataSyntaxError("unexpected character after the name" if not groups else
                               "unexpected text after the parenthesized part", whole, offset + end, ["(", "/", "?"])
    if len(groups) > 2:
        raise ODataSyntaxError("at most a parameter list and a key may follow a name", whole,
                               offset + groups[2][0], ["/"])
    keys = [_parse_parens(text[a:b], offset + a, whole) for a, b in groups]
    segments: list[PathSegment] = [make(head, keys[0] if keys else None)]
    if len(keys) == 2:
        segments.append(KeyPredicate(keys[1]))
    return segments


def _parse_dollar(text: str, offset: int, whole: str) -> PathSegment:
    from ..query.parser import parse_expression

    if text.startswith("$filter") and _token_at(text, 7, _OPEN):
        groups = _paren_groups(text, 7, whole, offset)
        if len(groups) != 1 or groups[0][1] != len(text):
            raise ODataSyntaxError("expected $filter(expression)", whole, offset + 7, [")"])
        a, b = groups[0]
        inner_start = a + (3 if text[a] == "%" else 1)
        inner_end = b - (3 if text[b - 1] != ")" else 1)
        for start, end in _literal_spans(text[inner_start:inner_end]):
            if "/" in text[inner_start + start:inner_start + end]:
                at = text.index("/", inner_start + start)
                raise ODataSyntaxError("'/' inside a literal in a path segment must be percent-encoded as %2F",
                                       whole, offset + at, ["%2F"])
        try:
            predicate = parse_expression(text[inner_start:inner_end])
        except ODataSyntaxError as error:
            raise _reoffset(error, whole, offset + inner_start) from None
        return FilterPathSegment(predicate)
    if text.startswith("$crossjoin") and _token_at(text, 10, _OPEN):
        inner = percent.decode(text[10:])
        if not (inner.startswith("(") and inner.endswith(")")):
            raise ODataSyntaxError("expected $crossjoin(EntitySet,…)", whole, offset + 10, ["("])
        names = [name.strip() for name in inner[1:-1].split(",")]
        for name in names:
            if not _fullmatch(_IDENTIFIER, name):
                raise ODataSyntaxError(f"{name!r} is not an entity set name", whole, offset + 11, ["entitySetName"])
        return CrossJoinSegment(names)
    if text in DOLLAR_SEGMENTS:
        return DollarSegment(text)
    raise ODataSyntaxError(
        "unknown dollar segment (dollar segments are case-sensitive)", whole, offset,
        [*DOLLAR_SEGMENTS, "$filter(", "$crossjoin("],
    )


def _is_keyed(previous: PathSegment | None, dialect: str | None) -> bool:
    return (
        dialect is not None
        and isinstance(previous, NameSegment)
        and previous.key is None
        and previous.kind in KEYED_COLLECTIONS
    )


def _parse_segment(text: str, offset: int, whole: str, previous: PathSegment | None,
                   dialect: str | None) -> list[PathSegment]:
    if text.startswith("$"):
        return [_parse_dollar(text, offset, whole)]
    if _is_keyed(previous, dialect):
        # URL Conventions §4.3.6: after a collection, an operation or a cast wins over a key value;
        # only raw parentheses open a parameter list here (a key segment encodes its parentheses).
        cast = text.lower().startswith(TYPE_NAMESPACES) and previous.kind != "extensions"  # type: ignore[union-attr]
        if re.fullmatch(rf"{_IDENT}(?:\.{_IDENT})*\(.*\)", text, re.S) or cast:
            return _parse_named(text, offset, whole)
        return [_key_segment(text, offset, whole)]
    head = _name_prefix(text)
    if previous is None or (head and (head == len(text) or _token_at(text, head, _OPEN))):
        return _parse_named(text, offset, whole)
    # a key as a segment: 1, O'Neil, -1, Smartphone%2FTablet (an identifier-shaped key reads as a name)
    return [_key_segment(text, offset, whole)]


def _read_segment(path: list[PathSegment], text: str, offset: int, whole: str, dialect: str | None) -> int:
    """Append the parts of one path segment to ``path``; how many. A part that would render as
    another part is an error, so what is read renders back as itself."""
    parts = _parse_segment(text, offset, whole, path[-1] if path else None, dialect)
    for parsed in parts:
        # e.g. messages/Microsoft%2EGraph.x: a key here, a type cast once "%2E" is decoded
        if (problem := _segment_problem(parsed, path[-1] if path else None, dialect)) is not None:
            raise ODataSyntaxError(problem, whole, offset)
        path.append(parsed)
    return len(parts)


def _key_segment(text: str, offset: int, whole: str) -> KeyAsSegment:
    try:
        return KeyAsSegment(percent.decode(text))
    except ValueError as error:  # "", ".", "..", raw or as %2E
        raise ODataSyntaxError(str(error), whole, offset, ["key"]) from None


def _segment_problem(segment: PathSegment, previous: PathSegment | None, dialect: str | None) -> str | None:
    """Why ``segment``, written after ``previous``, would read back as another part; None if not.

    Whether a bare word is a name, a cast or a key depends on its shape and on the segment before
    it (``_parse_segment``): the builder asks the parser instead of repeating its rules, so every
    URL it makes reads back as itself (``messages/abc`` is a key in Graph, ``People/abc`` a name).
    """
    if previous is None or not (isinstance(segment, KeyAsSegment) or
                                (isinstance(segment, (NameSegment, CastSegment)) and segment.key is None)):
        return None
    text = _render_segment(segment)
    try:
        parsed = _parse_segment(text, 0, text, previous, dialect)
    except ODataSyntaxError as error:
        parsed = [error]  # type: ignore[list-item]
    if parsed == [segment]:
        return None
    after = _render_segment(previous)
    if isinstance(segment, KeyAsSegment):
        got = parsed[0]
        what = (f"a call of {got.name}(…)" if isinstance(got, (NameSegment, CastSegment)) and got.key is not None
                else f"the type cast (or bound operation) {got.name}" if isinstance(got, CastSegment)
                else f"the name {got.name}" if isinstance(got, NameSegment)
                else f"something else ({got})")
        return (f"key {segment.value!r} written as a segment after {after} would read back as {what}; "
                f"use the parenthesized form: .key({segment.value!r})")
    return (f"{segment.name} after {after} would read back as a key (Outlook and Graph write keys as segments "
            f"after their collections); use .key({segment.name!r}) for a key, or .call({segment.name!r}) for a function")


def _user_problem(dialect: str | None, user: UserContext | None, path: tuple[PathSegment, ...]) -> str | None:
    """Why the user context (or the path right after an Outlook/Graph root) would not read back as
    ``user``: ``users('abc')`` and ``users/abc`` read as user contexts, ``users/microsoft.graph.x`` not."""
    if dialect is None:
        return None
    text = "/".join(part for part in (user and _render_user(user), _render_path(path[:3])) if part)
    if not text:
        return None
    try:
        found, _ = _parse_user(_split_segments(text, 0, text), dialect, text)
    except ODataSyntaxError as error:
        return f"{text} reads as a user context but is not one ({error.reason}); build it with .me or .user_context(…)"
    if found == user:
        return None
    if user is None:
        assert found is not None
        return (f"{text} right after the service root would read back as the user context {_render_user(found)}: "
                "build it with .me or .user_context(…)")
    return f"user {user.user!r} would not read back from {text}; use .user_context(…, parenthesized=True)"


def check_url(url: Url, start: int = 0) -> None:
    """Refuse (ValueError) a ``Url`` whose parts would not read back as themselves; segments before
    ``start`` are known good (``Url._append`` checks only the new one)."""
    if url.user is not None and (url.root is None or url.root.dialect is None):
        raise BuildError("a user context needs an Outlook or Graph root (ServiceRoot(..., dialect=...))")
    if url.fragment is not None and not (url.path and url.path[-1] == DollarSegment("$metadata")):
        raise BuildError("only a $metadata URL carries a context fragment")
    _check_structure(url.path, None, None, start)
    dialect = url.root.dialect if url.root is not None else None
    problem = _user_problem(dialect, url.user, url.path) if start < 3 else None  # it reads path[:3]
    for index in range(start, len(url.path)):
        if problem is not None:
            break
        problem = _segment_problem(url.path[index], url.path[index - 1] if index else None, dialect)
    if problem is not None:
        raise BuildError(problem)


def _check_structure(path: tuple[PathSegment, ...], whole: str | None, offsets: list[int] | None,
                     start: int = 0) -> None:
    """Where segments may stand: first-only and last-only dollar segments, casts, keys."""

    def fail(reason: str, index: int, expected: Iterable[str] = ()) -> None:
        if whole is None or offsets is None:
            raise BuildError(reason)
        raise ODataSyntaxError(reason, whole, offsets[index], expected)

    for index in range(start, len(path)):
        segment, previous = path[index], path[index - 1] if index else None
        if isinstance(segment, (KeyAsSegment, KeyPredicate, CastSegment)) and previous is None:
            fail("a resource path starts with a name or a dollar segment", index, ["odataIdentifier"])
        if isinstance(segment, (DollarSegment, CrossJoinSegment)):
            places = DOLLAR_SEGMENTS.get(getattr(segment, "name", ""), frozenset({"first"}))
            if "first" in places and index:
                fail(f"{_render_segment(segment)} stands only at the start of a path", index)
        if isinstance(previous, DollarSegment):
            places = DOLLAR_SEGMENTS[previous.name]
            if "last" in places:
                fail(f"nothing may follow {previous.name}", index, ["?"])
            if previous.name in ("$entity", "$all") and not (isinstance(segment, CastSegment) and segment.key is None):
                fail(f"only a type cast may follow {previous.name}", index, ["qualifiedEntityTypeName"])
        if isinstance(segment, CastSegment) and segment.key is None and isinstance(previous, CastSegment) \
                and previous.key is None:
            # singleNavigation allows one cast per step; a bound action after a cast needs the model
            fail("a type cast cannot directly follow another type cast", index, ["odataIdentifier", "$count"])
        if isinstance(segment, KeyPredicate) and not (isinstance(previous, (NameSegment, CastSegment))
                                                      and previous.key is not None):
            fail("a second key predicate follows only an operation's parameters", index)


_SESSION_SEGMENT = re.compile(r"\((?:S|%53)\([A-Za-z0-9_.~-]*\)\)")
_QUALIFIED_CALL = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)+(?:\(|%28)")


def _split_root(text: str) -> tuple[ServiceRoot | None, int]:
    """The service root of an absolute URL and where the rest starts; (None, 0) for a relative one."""
    scheme = re.match(r"(?i)(https?):", text)
    if scheme is None:
        return None, 0
    if not text.startswith("//", scheme.end()):
        raise ODataSyntaxError("expected '//' after the scheme", text, scheme.end(), ["//"])
    authority = re.compile(r"(?:\[[0-9A-Za-z:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]+)(?::[0-9]*)?")
    match = authority.match(text, scheme.end() + 2)
    if match is None or not match.group():
        raise ODataSyntaxError("expected a host", text, scheme.end() + 2, ["host"])
    end = match.end()
    if end < len(text) and text[end] not in "/?#":
        raise ODataSyntaxError("unexpected character in the host", text, end, ["/", ":"])
    host = match.group().lower().split(":")[0] if not match.group().startswith("[") else ""
    known = KNOWN_ROOTS.get(host)
    if known is not None:
        dialect, prefix, versions = known
        if not text.startswith(prefix, end):
            raise ODataSyntaxError(f"{host} URLs start with {prefix}{{version}}", text, end, [prefix])
        version_start = end + len(prefix)
        version_end = version_start
        while version_end < len(text) and text[version_end] not in "/?#":
            version_end += 1
        if text[version_start:version_end] not in versions:
            raise ODataSyntaxError(f"unknown {host} version", text, version_start, versions)
        return ServiceRoot(text[:version_end], dialect), version_end
    # Any other service: the root ends before the first segment that is OData syntax ("$…" or a
    # name with parentheses); without one, the last segment is the resource path (the ABNF's
    # serviceRoot = … "/" *( segment-nz "/" )). Pass root= to parse_url when that guess is wrong.
    path_end = len(text)
    for stop in "?#":
        if stop in text[end:]:
            path_end = min(path_end, text.index(stop, end))
    if end == path_end:
        return ServiceRoot(text[:end]), end
    segments = _split_segments(text[end + 1:path_end], end + 1, text)
    cut = len(segments) - 1
    for index, (segment, _) in enumerate(segments):
        if _SESSION_SEGMENT.fullmatch(segment):
            continue  # TripPin-style "(S(id))" session segment: part of the service root
        if segment.startswith("$") or "(" in segment or "%28" in segment.lower():
            cut = index
            # a bound function (a qualified name called) needs the segment it is bound to
            if index > 0 and _QUALIFIED_CALL.match(segment) and not _SESSION_SEGMENT.fullmatch(segments[index - 1][0]):
                cut = index - 1
            break
    for segment, offset in segments[:cut]:
        if _is_dot_segment(segment):
            raise ODataSyntaxError("a '.' or '..' segment (a client resolves it away)", text, offset, ["segment"])
    if cut == 0:
        return ServiceRoot(text[:end]), end
    return ServiceRoot(text[:segments[cut][1] - 1]), segments[cut][1] - 1


def parse_url(text: str, *, root: ServiceRoot | str | None = None) -> Url:
    """Read a resource URL (absolute, or relative to a service root) into its parts.

    Outlook REST and Microsoft Graph roots are recognised with their user context; for another
    service give ``root=`` when the root is deeper than the guess (see ``_split_root``). The query
    goes through the query parser; errors are ``ODataSyntaxError`` with an offset into ``text``.

    >>> parse_url("https://outlook.office.com/api/v2.0/me/messages('AAMk=')/extensions").path[0].key
    Key(values=(KeyValue(value=Literal(type='String', value='AAMk=')),))
    """
    if not isinstance(text, str):
        raise TypeError(f"expected URL text as str, got {type(text).__name__}")
    from ..query.parser import _check_text

    _check_text(text, text, 0)  # a lone surrogate cannot be percent-encoded (nor be in a URL)
    if root is not None:
        service_root = root if isinstance(root, ServiceRoot) else ServiceRoot(root)
        if not text.lower().startswith(service_root.url.lower()) or \
                text[len(service_root.url):len(service_root.url) + 1] not in ("", "/", "?", "#"):
            raise ODataSyntaxError(f"the URL does not start with the service root {service_root.url}", text, 0)
        start = len(service_root.url)
        parsed_root: ServiceRoot | None = service_root
    else:
        parsed_root, start = _split_root(text)
    # components: path ? query # fragment (split before any decoding, URL Conventions §2.1)
    hash_at = text.find("#", start)
    query_at = text.find("?", start)
    if hash_at >= 0 and 0 <= hash_at < query_at:
        query_at = -1
    path_end = min(i for i in (hash_at, query_at, len(text)) if i >= 0)
    path_text = text[start:path_end]
    base = start
    trailing = False
    if parsed_root is not None:
        if path_text.startswith("/"):
            path_text, base = path_text[1:], base + 1
            trailing = not path_text
        elif path_text:
            raise ODataSyntaxError("expected '/' after the service root", text, start, ["/"])
    elif path_text.startswith("/"):
        raise ODataSyntaxError("a relative URL starts with a resource name; drop the leading '/' or give the root",
                               text, 0, ["odataIdentifier"])
    raw = _split_segments(path_text, base, text) if path_text else []
    if len(raw) > 1 and raw[-1][0] == "":
        trailing = True
        raw.pop()
    for segment, offset in raw:
        if segment == "":
            raise ODataSyntaxError("empty path segment", text, offset, ["odataIdentifier"])
    dialect = parsed_root.dialect if parsed_root is not None else None
    user, raw = _parse_user(raw, dialect, text)
    path: list[PathSegment] = []
    offsets: list[int] = []
    for segment, offset in raw:
        offsets.extend([offset] * _read_segment(path, segment, offset, text, dialect))
    if (problem := _user_problem(dialect, user, tuple(path))) is not None:
        raise ODataSyntaxError(problem, text, base)
    _check_structure(tuple(path), text, offsets)
    query = _parse_query_part(text, query_at, hash_at, tuple(path))
    fragment = None
    if hash_at >= 0:
        if not (path and path[-1] == DollarSegment("$metadata")):
            raise ODataSyntaxError("a fragment ('#') follows only $metadata (a context URL)", text, hash_at, ["?"])
        from .context import _parse_fragment  # context URLs build on this parser

        fragment = _parse_fragment(text, hash_at + 1)
    if parsed_root is None and not path:
        raise ODataSyntaxError("expected a resource path", text, 0, ["odataIdentifier", "$metadata"])
    return Url(parsed_root, user, tuple(path), query, fragment, trailing)


def _parse_user(raw: list[tuple[str, int]], dialect: str | None,
                whole: str) -> tuple[UserContext | None, list[tuple[str, int]]]:
    if dialect is None or not raw:
        return None, raw
    first, offset = raw[0]
    if first.lower() == "me":
        return UserContext(None, first), raw[1:]
    lowered = first.lower()
    try:
        if lowered == "users" and len(raw) > 1 and not raw[1][0].startswith("$") and "(" not in raw[1][0] \
                and not percent.decode(raw[1][0]).lower().startswith(TYPE_NAMESPACES):
            offset = raw[1][1]  # an error points at the user, not at "users"
            return UserContext(percent.decode(raw[1][0]), first), raw[2:]
        if lowered.startswith(("users(", "users%28")):
            key = _parse_parens(first[5:], offset + 5, whole)
            values = key.values
            if len(values) == 1 and values[0].name is None and isinstance(values[0].value, tree.Literal) \
                    and values[0].value.type == "String":
                return UserContext(values[0].value.value, first[:5], parenthesized=True), raw[1:]
    except ValueError as error:
        if isinstance(error, ODataSyntaxError):
            raise
        raise ODataSyntaxError(str(error), whole, offset, ["userId@tenantId", "upn"]) from None
    return None, raw


def _parse_query_part(text: str, query_at: int, hash_at: int, path: tuple[PathSegment, ...]) -> tree.Query | None:
    if query_at < 0:
        return None
    from ..query.parser import parse_query

    end = hash_at if hash_at > query_at else len(text)
    query_text = text[query_at:end]  # with its "?": parse_query strips exactly one
    try:
        query = parse_query(query_text) if query_text != "?" else tree.Query()
    except ODataSyntaxError as error:
        raise _reoffset(error, text, query_at) from None
    first = path[0] if path else None
    if isinstance(first, DollarSegment) and first.name == "$entity":
        _check_entity_query(text, query_at, query, cast=len(path) > 1)
    return query


def _check_entity_query(text: str, query_at: int, query: tree.Query, cast: bool) -> None:
    """``$entity?$id=…`` (URL Conventions §4.3.4): ``$select``/``$expand`` need the cast form."""
    custom = {option.name.lower().lstrip("$") for option in query.custom}
    has_id = getattr(query, "id", None) is not None or "id" in custom
    if not has_id:
        raise ODataSyntaxError("$entity needs the $id query option", text, len(text), ["$id"])
    if not cast and (query.select is not None or query.expand is not None):
        at = text.find("&$select", query_at)
        at = at if at >= 0 else text.find("&", query_at)
        raise ODataSyntaxError("$select and $expand on $entity need a type cast: $entity/Ns.Type?…",
                               text, at if at >= 0 else query_at, ["&"])


