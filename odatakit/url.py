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
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Union

import attrs

from . import percent, tree
from .errors import ODataSyntaxError
from .syntax import MAX_DEPTH

__all__ = [
    "ServiceRoot", "UserContext", "Url", "ContextFragment", "ContextUrl",
    "NameSegment", "CastSegment", "KeyAsSegment", "KeyPredicate", "DollarSegment",
    "FilterPathSegment", "CrossJoinSegment", "PathSegment",
    "outlook", "graph", "service", "parse_url", "parse_context_url", "render",
    "extension_id", "extension_name",
    "OUTLOOK_EXTENSION_PREFIX", "GRAPH_EXTENSION_PREFIX",
]

# ---------------------------------------------------------------------------------------------
# Tables: names, dollar segments, the Outlook/Graph vocabulary
# ---------------------------------------------------------------------------------------------

_IDENT = r"[^\W\d]\w*"  # odataIdentifier (ASCII letters, "_", and Unicode letters as the grammar)
_IDENTIFIER = re.compile(_IDENT)
_QUALIFIED = re.compile(rf"{_IDENT}(?:\.{_IDENT})+")
_GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")

#: Dollar path segments (ABNF: case-sensitive) → where they may stand.
#: "first": only as the first segment; "last": nothing may follow.
DOLLAR_SEGMENTS: dict[str, frozenset[str]] = {
    "$metadata": frozenset({"first", "last"}),
    "$batch": frozenset({"first", "last"}),
    "$entity": frozenset({"first"}),       # may be followed by one type cast
    "$all": frozenset({"first"}),          # may be followed by one type cast
    "$count": frozenset({"last"}),
    "$value": frozenset({"last"}),
    "$ref": frozenset({"last"}),
    "$query": frozenset({"last"}),
    "$each": frozenset(),                  # may be followed by a bound operation
}

#: Services whose URLs carry a user context, by dialect: host → (path prefix, versions).
_KNOWN_ROOTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "outlook.office.com": ("outlook", "/api/", ("v1.0", "v2.0", "beta")),
    "outlook.office365.com": ("outlook", "/api/", ("v1.0", "v2.0", "beta")),
    "graph.microsoft.com": ("graph", "/", ("v1.0", "beta")),
}

#: Outlook/Graph collections (lower case: resource names are case-insensitive there) after which
#: a bare segment is the key of an item (``messages/AAMk…``, ``extensions/Com.Contoso.Referral``).
KEYED_COLLECTIONS = frozenset({
    "messages", "events", "contacts", "mailfolders", "childfolders", "contactfolders",
    "calendars", "calendargroups", "attachments", "extensions", "instances", "users", "groups",
    "calendarview", "messagerules", "mastercategories", "overrides", "tasks", "taskfolders",
    "taskgroups", "singlevalueextendedproperties", "multivalueextendedproperties", "people",
})

#: Items stored in a mailbox: their open extensions have Outlook ids, in Graph too (G-GET).
_OUTLOOK_ITEMS = frozenset({"messages", "events", "contacts"})

#: Namespaces whose qualified names are type casts even right after a keyed collection.
_TYPE_NAMESPACES = ("microsoft.outlookservices.", "microsoft.graph.")

OUTLOOK_EXTENSION_PREFIX = "Microsoft.OutlookServices.OpenTypeExtension."
GRAPH_EXTENSION_PREFIX = "microsoft.graph.openTypeExtension."

# Characters a key written as a path segment may keep raw: pchar (RFC 3986 / ABNF) without "+"
# (some stacks decode it as a space) and without "(", ")", "$", which would read back as syntax.
# Everything else (/ ? # % space, controls, non-ASCII) is percent-encoded.
_SEGMENT_KEY_SAFE = "',=:@!*;&"


def _fullmatch(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.fullmatch(text) is not None


def _check_identifier(name: str, what: str = "name") -> str:
    if not isinstance(name, str) or not _fullmatch(_IDENTIFIER, name):
        raise ValueError(f"{what} {name!r} is not an OData identifier (a letter or '_', then letters, digits, '_')")
    return name


# ---------------------------------------------------------------------------------------------
# Parts
# ---------------------------------------------------------------------------------------------


def _root_url(value: str) -> str:
    if not isinstance(value, str) or not re.match(r"(?i)https?://[^/?#]+", value):
        raise ValueError(f"a service root is an http(s) URL, got {value!r}")
    if "?" in value or "#" in value:
        raise ValueError(f"a service root has no query or fragment: {value!r}")
    path = re.sub(r"(?i)^https?://[^/]*", "", value.rstrip("/"))
    if any(_is_dot_segment(segment) for segment in path.split("/")):
        raise ValueError(f"a service root has no '.' or '..' segment (a client resolves it away): {value!r}")
    return value.rstrip("/")


def _is_dot_segment(text: str) -> bool:
    """Whether path segment text is ``.`` or ``..``, raw or percent-encoded (``%2E``): RFC 3986
    removes such segments, and normalizing stacks decode ``%2E`` first (§6.2.2.2). Decoded
    values (a user, a key) are compared with ``(".", "..")`` directly: they render with ``%`` encoded."""
    return percent.decode(text) in (".", "..")


@attrs.frozen
class ServiceRoot:
    """A service root URL (no trailing slash) and its dialect: ``"outlook"``, ``"graph"`` or None.

    The dialect turns on what those services document: a user context after the root, and keys as
    segments after their collections. Give ``dialect=`` for a proxy or a sovereign-cloud host.
    """

    url: str = attrs.field(converter=_root_url)
    dialect: str | None = attrs.field(default=None)

    @dialect.validator
    def _check_dialect(self, attribute: Any, value: str | None) -> None:
        if value not in (None, "outlook", "graph"):
            raise ValueError(f"dialect is 'outlook', 'graph' or None, got {value!r}")

    @property
    def version(self) -> str | None:
        """The API version of an Outlook or Graph root (``v2.0``, ``v1.0``, ``beta``)."""
        return self.url.rsplit("/", 1)[-1] if self.dialect else None

    def __str__(self) -> str:
        return self.url


def _check_user(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError("a user is a UPN (sadie@contoso.com) or userId@tenantId, got an empty value")
    if value in (".", ".."):
        raise ValueError(f"user {value!r} would be a dot segment ('.' or '..') in users/{{user}}")
    if "@" in value:
        local, _, domain = value.rpartition("@")
        if _fullmatch(_GUID, local) or _fullmatch(_GUID, domain):
            if not (_fullmatch(_GUID, local) and _fullmatch(_GUID, domain)):
                raise ValueError(
                    f"{value!r}: userId@tenantId needs two GUIDs (the AAD object id and the tenant id)"
                )
        elif not local or not domain:
            raise ValueError(f"{value!r} is not a user principal name (name@domain)")
    return value


@attrs.frozen
class UserContext:
    """Whose mailbox: ``me`` (``user`` None), or ``users/{upn}``, ``users/{userId@tenantId}``.

    ``name`` keeps the spelling (``me``/``Me``, ``users``/``Users``: case-insensitive for the
    service, kept for rendering back); ``parenthesized`` writes ``Users('…')`` as responses do.
    """

    user: str | None = attrs.field(default=None, converter=_check_user)
    name: str = attrs.field(default="")
    parenthesized: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", "me" if self.user is None else "users")
        expected = "me" if self.user is None else "users"
        if self.name.lower() != expected:
            raise ValueError(f"user context {self.name!r} with user {self.user!r}: expected {expected!r}")
        if self.user is None and self.parenthesized:
            raise ValueError("'me' takes no key")

    @property
    def is_me(self) -> bool:
        return self.user is None

    @property
    def object_id(self) -> str | None:
        """The AAD object id of a ``userId@tenantId`` (or bare GUID) user, else None."""
        if self.user is None:
            return None
        local = self.user.partition("@")[0]
        return local if _fullmatch(_GUID, local) else None

    @property
    def tenant_id(self) -> str | None:
        """The tenant id of a ``userId@tenantId`` user, else None."""
        if self.user is None or "@" not in self.user or self.object_id is None:
            return None
        return self.user.rpartition("@")[2]

    @property
    def upn(self) -> str | None:
        """The user principal name (usually the SMTP address) of a ``users/{upn}`` context."""
        if self.user is None or self.object_id is not None:
            return None
        return self.user


# ---- resource path segments -----------------------------------------------------------------


def _check_key(value: tree.Key | None) -> tree.Key | None:
    if value is not None and not isinstance(value, tree.Key):
        raise TypeError(f"a parenthesized part is a tree.Key, got {type(value).__name__}")
    return value


@attrs.frozen
class NameSegment:
    """A name: entity set, singleton, navigation or structural property, or an unqualified
    operation; with an optional parenthesized part ``key``.

    The parenthesized part is a key predicate (``messages('AAMk…')``, ``OrderItems(OrderID=1,ItemID=2)``)
    or an operation's parameters (``delta()`` is ``Key(())``, ``EmployeesByManager(ManagerID=3)``):
    the two are the same syntax and only the service's model tells them apart.
    """

    name: str = attrs.field(validator=lambda _s, _a, v: _check_identifier(v))
    key: tree.Key | None = attrs.field(default=None, converter=_check_key)

    @property
    def kind(self) -> str:
        """The name in lower case: the segment's kind (``Extensions`` and ``extensions`` are one)."""
        return self.name.lower()


def _check_qualified(_self: Any, _attribute: Any, value: str) -> None:
    if not isinstance(value, str) or not _fullmatch(_QUALIFIED, value):
        raise ValueError(f"{value!r} is not a namespace-qualified name (Namespace.Name)")


@attrs.frozen
class CastSegment:
    """A namespace-qualified name: a type cast (``Microsoft.OutlookServices.EventMessage``), or a
    bound operation, whose parameters (``Model.ProductsByColor(color='red')``) are ``key``."""

    name: str = attrs.field(validator=_check_qualified)
    key: tree.Key | None = attrs.field(default=None, converter=_check_key)

    @property
    def kind(self) -> str:
        return self.name.lower()


@attrs.frozen
class KeyAsSegment:
    """A key written as a path segment (``messages/AAMk…``): the value itself, unquoted."""

    value: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.value, str):
            raise TypeError(f"a key segment holds text, got {type(self.value).__name__}")
        if self.value in ("", ".", ".."):
            raise ValueError(
                f"key {self.value!r} cannot be a path segment (empty or a dot segment); use the parenthesized form"
            )


@attrs.frozen
class KeyPredicate:
    """A key predicate after an operation's parameters: the ``(2)`` of ``ProductsByCategoryId(categoryId=2)(2)``."""

    key: tree.Key = attrs.field(converter=_check_key)


@attrs.frozen
class DollarSegment:
    """``$count``, ``$value``, ``$ref``, ``$metadata``, ``$batch``, ``$entity``, ``$all``, ``$each``, ``$query``."""

    name: str = attrs.field()

    @name.validator
    def _check(self, attribute: Any, value: str) -> None:
        if value not in DOLLAR_SEGMENTS:
            raise ValueError(f"{value!r} is not a dollar segment; expected one of {', '.join(DOLLAR_SEGMENTS)}")


@attrs.frozen
class FilterPathSegment:
    """``$filter(expr)`` inside a path (4.01): filters the collection before the next segment."""

    predicate: tree.Expr


@attrs.frozen
class CrossJoinSegment:
    """``$crossjoin(A,B,…)``: the cross join of entity sets."""

    names: tuple[str, ...] = attrs.field(converter=tree.as_tuple)

    @names.validator
    def _check(self, attribute: Any, value: tuple[str, ...]) -> None:
        if not value:
            raise ValueError("$crossjoin needs at least one entity set")
        for name in value:
            _check_identifier(name, "entity set")


PathSegment = Union[
    NameSegment, CastSegment, KeyAsSegment, KeyPredicate, DollarSegment, FilterPathSegment, CrossJoinSegment,
]


@attrs.frozen
class ContextFragment:
    """The part of a context URL after ``#`` (JSON format §10).

    ``path`` holds the entity set and its navigation (``Me/Messages('AAMk…')/Extensions``), or is
    empty when ``type_name`` names the payload's type (``Model.MonetaryAmount``,
    ``Collection(Edm.String)``, ``$ref``). ``select`` is the select list without its outer
    parentheses (``Address,Orders(ID)``); ``suffix`` is ``$entity``, ``$delta``,
    ``$deletedEntity``, ``$link`` or ``$deletedLink``.
    """

    path: tuple[PathSegment, ...] = attrs.field(default=(), converter=tree.as_tuple)
    type_name: str | None = None
    select: str | None = None
    suffix: str | None = None

    @property
    def entity_set(self) -> str | None:
        """The first name of the path (``Messages`` in ``Me/Messages(…)/Extensions``), if any."""
        for segment in self.path:
            if isinstance(segment, NameSegment):
                return segment.name
        return None

    @property
    def is_entity(self) -> bool:
        """Whether the payload is a single entity (``/$entity``)."""
        return self.suffix == "$entity"


@attrs.frozen
class ContextUrl:
    """A context URL (``@odata.context``): the metadata document URL and the fragment.

    ``metadata`` is None for a bare ``#fragment``; otherwise a ``Url`` ending in ``$metadata``.
    """

    metadata: Url | None
    fragment: ContextFragment

    def __str__(self) -> str:
        return render(self)


def _check_path(_self: Any, _attribute: Any, value: tuple[Any, ...]) -> None:
    for segment in value:
        if not isinstance(segment, PathSegment.__args__):  # type: ignore[attr-defined]
            raise TypeError(f"a path segment is one of the url segment classes, got {type(segment).__name__}")


@attrs.frozen
class Url:
    """A resource URL as parts; ``str(url)`` renders it. The builder methods return new URLs.

    >>> str(outlook("v2.0").me.messages["AAMkAGE1M2IyNGNmLTI5MTktNDUyZi1iOTVl==="].extensions)
    "https://outlook.office.com/api/v2.0/me/messages('AAMkAGE1M2IyNGNmLTI5MTktNDUyZi1iOTVl===')/extensions"
    """

    root: ServiceRoot | None = None
    user: UserContext | None = None
    path: tuple[PathSegment, ...] = attrs.field(default=(), converter=tree.as_tuple, validator=_check_path)
    query: tree.Query | None = None
    fragment: ContextFragment | None = None
    trailing_slash: bool = False

    def __attrs_post_init__(self) -> None:
        if self.user is not None and (self.root is None or self.root.dialect is None):
            raise ValueError("a user context needs an Outlook or Graph root (ServiceRoot(..., dialect=...))")
        if self.fragment is not None and not (self.path and self.path[-1] == DollarSegment("$metadata")):
            raise ValueError("only a $metadata URL carries a context fragment")
        _check_structure(self.path, None, None)
        dialect = self.root.dialect if self.root is not None else None
        problem = _user_problem(dialect, self.user, self.path)
        for index, segment in enumerate(self.path):
            if problem is not None:
                break
            problem = _segment_problem(segment, self.path[index - 1] if index else None, dialect)
        if problem is not None:
            raise ValueError(problem)

    def __str__(self) -> str:
        return render(self)

    # ---- building: each returns a new Url ---------------------------------------------------

    def _append(self, segment: PathSegment) -> Url:
        return attrs.evolve(self, path=(*self.path, segment), query=None, trailing_slash=False)

    @property
    def me(self) -> Url:
        """The signed-in user's mailbox: ``…/me``."""
        return self._with_user(UserContext())

    def user_context(self, user: str, *, parenthesized: bool = False) -> Url:
        """Another user's mailbox: ``…/users/{upn}`` or ``…/users/{userId@tenantId}``."""
        return self._with_user(UserContext(user, parenthesized=parenthesized))

    def _with_user(self, user: UserContext) -> Url:
        if self.path or self.user is not None:
            raise ValueError("the user context comes right after the service root")
        return attrs.evolve(self, user=user)

    def nav(self, name: str) -> Url:
        """Append a collection, navigation property, property or unqualified action: ``…/name``."""
        return self._append(NameSegment(name))

    def key(self, *value: Any, as_segment: bool = False, **named: Any) -> Url:
        """Address one item: ``…/messages('AAMk…')``, or ``…/messages/AAMk…`` with ``as_segment``.

        One positional value (``str``, ``int``, ``uuid.UUID``, a ``tree.Literal``) or named parts
        for a compound key (``key(OrderID=1, ItemID=2)``). A key as a segment that would read back
        as something else (``People/null`` is a name, ``People/x%281%29`` the call ``x(1)``) is
        refused with ValueError: the parenthesized form carries any text.
        """
        if as_segment:
            if named or len(value) != 1 or not isinstance(value[0], str):
                raise ValueError("a key as a segment is one text value")
            return self._append(KeyAsSegment(value[0]))  # refused there if it would read back as a name
        key = _make_key(value, named)
        last = self.path[-1] if self.path else None
        if isinstance(last, (NameSegment, CastSegment)) and last.key is None:
            return attrs.evolve(self, path=(*self.path[:-1], attrs.evolve(last, key=key)), query=None)
        if isinstance(last, (NameSegment, CastSegment)):
            return self._append(KeyPredicate(key))
        raise ValueError("a key follows a collection name, a cast or an operation call")

    def __getitem__(self, value: Any) -> Url:
        """``url["AAMk…"]`` is ``url.key("AAMk…")``."""
        return self.key(value)

    def cast(self, type_name: str) -> Url:
        """Append a type cast: ``…/Microsoft.OutlookServices.EventMessage``."""
        return self._append(CastSegment(type_name))

    def call(self, name: str, /, **parameters: Any) -> Url:
        """Append a function call with parameters: ``…/delta()``, ``…/Ns.Fn(p=1,q=@a)``."""
        key = tree.Key(tuple(tree.KeyValue(_literal(v), name=_check_identifier(k, "parameter")) for k, v in parameters.items()))
        segment: PathSegment = CastSegment(name, key) if "." in name else NameSegment(name, key)
        return self._append(segment)

    def action(self, name: str) -> Url:
        """Append an action (POSTed to; parameters go in the body): ``…/send``, ``…/Ns.Reject``."""
        return self._append(CastSegment(name) if "." in name else NameSegment(name))

    def extension(self, name_or_id: str, *, qualified: bool = False) -> Url:
        """An open extension of this item by name (``Com.Contoso.Referral``) or, with
        ``qualified``, by its fully qualified id (``Microsoft.OutlookServices.OpenTypeExtension.…``)."""
        outlook_item = any(isinstance(s, NameSegment) and s.kind in _OUTLOOK_ITEMS for s in self.path)
        graph = self.root is not None and self.root.dialect == "graph" and not outlook_item
        key = extension_id(name_or_id, GRAPH_EXTENSION_PREFIX if graph else OUTLOOK_EXTENSION_PREFIX) \
            if qualified else name_or_id
        return self.nav("extensions").key(key)

    @property
    def count(self) -> Url:
        """``…/$count``."""
        return self._append(DollarSegment("$count"))

    @property
    def value(self) -> Url:
        """``…/$value`` (a media stream or raw property value)."""
        return self._append(DollarSegment("$value"))

    @property
    def ref(self) -> Url:
        """``…/$ref`` (the reference, not the entity)."""
        return self._append(DollarSegment("$ref"))

    def filter_segment(self, predicate: tree.Expr) -> Url:
        """``…/$filter(expr)`` (4.01)."""
        return self._append(FilterPathSegment(predicate))

    def with_query(self, query: tree.Query | Any | None) -> Url:
        """The same resource with a query: a ``tree.Query``, or anything with a ``.tree()``/``.to_tree()``
        giving one (the query builder's object), or None for no query."""
        if query is not None and not isinstance(query, tree.Query):
            for method in ("to_tree", "tree", "build"):
                if callable(getattr(query, method, None)):
                    query = getattr(query, method)()
                    break
        if query is not None and not isinstance(query, tree.Query):
            raise TypeError(f"a query is a tree.Query, got {type(query).__name__}")
        return attrs.evolve(self, query=query)

    # well-known Outlook / Graph collections (case-insensitive for the service)
    messages = property(lambda self: self.nav("messages"), doc="``…/messages``")
    events = property(lambda self: self.nav("events"), doc="``…/events``")
    contacts = property(lambda self: self.nav("contacts"), doc="``…/contacts``")
    extensions = property(lambda self: self.nav("extensions"), doc="``…/extensions``")
    attachments = property(lambda self: self.nav("attachments"), doc="``…/attachments``")
    calendars = property(lambda self: self.nav("calendars"), doc="``…/calendars``")
    mail_folders = property(lambda self: self.nav("mailFolders"), doc="``…/mailFolders``")
    child_folders = property(lambda self: self.nav("childFolders"), doc="``…/childFolders``")
    contact_folders = property(lambda self: self.nav("contactFolders"), doc="``…/contactFolders``")

    # ---- reading --------------------------------------------------------------------------

    def equivalent(self, other: Url) -> bool:
        """Same resource for the service: names compared case-insensitively (Outlook/Graph),
        key values and ids exactly, key form (``('x')`` or ``/x``) ignored."""
        return _normal(self) == _normal(other)


def _normal(url: Url) -> Any:
    def norm(segment: Any) -> Any:
        if isinstance(segment, (NameSegment, CastSegment)):
            return (type(segment).__name__, segment.name.lower(), segment.key)
        if isinstance(segment, KeyAsSegment):
            return ("key", tree.Key((tree.KeyValue(tree.Literal("String", segment.value)),)))
        return segment
    path: list[Any] = []
    for segment in url.path:
        normal = norm(segment)
        if isinstance(segment, KeyAsSegment) and path and path[-1][0] in ("NameSegment", "CastSegment") \
                and path[-1][2] is None:
            path[-1] = (path[-1][0], path[-1][1], normal[1])
            continue
        path.append(normal)
    user = None if url.user is None else (url.user.name.lower(), url.user.user)
    root = None if url.root is None else (url.root.url.lower(), url.root.dialect)
    return (root, user, tuple(path), url.query, url.fragment, url.trailing_slash)


# ---------------------------------------------------------------------------------------------
# Values → key literals
# ---------------------------------------------------------------------------------------------

_INT32 = range(-2**31, 2**31)
_INT64 = range(-2**63, 2**63)


def _literal(value: Any) -> tree.Expr:
    """A key or parameter value as a literal node (str, int, bool, UUID, Decimal, or a node)."""
    if isinstance(value, (tree.Literal, tree.EnumLiteral, tree.Alias)):
        return value
    if isinstance(value, bool):
        return tree.Literal("Boolean", value)
    if isinstance(value, str):
        return tree.Literal("String", value)
    if isinstance(value, int):
        if value not in _INT64:
            raise ValueError(f"integer key {value} is outside Int64; give it as a Decimal")
        return tree.Literal("Int32" if value in _INT32 else "Int64", value)
    if isinstance(value, uuid.UUID):
        return tree.Literal("Guid", value)
    if isinstance(value, Decimal):
        return tree.Literal("Decimal", value)
    raise TypeError(
        f"a key value is str, int, bool, UUID, Decimal or a tree.Literal; got {type(value).__name__}"
        " (build other literals with the query builder)"
    )


def _make_key(values: tuple[Any, ...], named: Mapping[str, Any]) -> tree.Key:
    if len(values) == 1 and isinstance(values[0], tree.Key) and not named:
        return values[0]
    if values and named:
        raise ValueError("a key is one value or named parts, not both")
    if len(values) > 1:
        raise ValueError("a compound key names its parts: key(OrderID=1, ItemID=2)")
    if values:
        return tree.Key((tree.KeyValue(_literal(values[0])),))
    if not named:
        raise ValueError("a key needs a value")
    return tree.Key(tuple(tree.KeyValue(_literal(v), name=_check_identifier(k, "key part")) for k, v in named.items()))


def extension_id(name: str, prefix: str = OUTLOOK_EXTENSION_PREFIX) -> str:
    """The fully qualified id of an open extension: ``Microsoft.OutlookServices.OpenTypeExtension.{name}``."""
    if extension_name(name) != name:
        return name
    return prefix + name


def extension_name(extension: str) -> str:
    """The ``ExtensionName`` of an extension id (the known prefixes removed, case-insensitively)."""
    lowered = extension.lower()
    for prefix in (OUTLOOK_EXTENSION_PREFIX, GRAPH_EXTENSION_PREFIX):
        if lowered.startswith(prefix.lower()):
            return extension[len(prefix):]
    return extension


# ---------------------------------------------------------------------------------------------
# Constructors
# ---------------------------------------------------------------------------------------------


def outlook(version: str = "v2.0", *, host: str = "outlook.office.com") -> Url:
    """The Outlook REST root ``https://outlook.office.com/api/{version}`` (``v1.0``, ``v2.0``, ``beta``).

    ``host="outlook.office365.com"`` gives the older Office 365 root.
    """
    versions = _KNOWN_ROOTS["outlook.office.com"][2]
    if version not in versions:
        raise ValueError(f"Outlook REST versions are {', '.join(versions)}; got {version!r}")
    if _KNOWN_ROOTS.get(host.lower(), ("",))[0] != "outlook":
        raise ValueError(f"Outlook REST hosts are outlook.office.com and outlook.office365.com; got {host!r}")
    return Url(ServiceRoot(f"https://{host}/api/{version}", "outlook"))


def graph(version: str = "v1.0") -> Url:
    """The Microsoft Graph root ``https://graph.microsoft.com/{version}`` (``v1.0``, ``beta``)."""
    versions = _KNOWN_ROOTS["graph.microsoft.com"][2]
    if version not in versions:
        raise ValueError(f"Microsoft Graph versions are {', '.join(versions)}; got {version!r}")
    return Url(ServiceRoot(f"https://graph.microsoft.com/{version}", "graph"))


def service(root: str, *, dialect: str | None = None) -> Url:
    """Any service root: ``service("https://host/odata").nav("Products")[1]``."""
    return Url(ServiceRoot(root, dialect))


# ---------------------------------------------------------------------------------------------
# Rendering: parts → text (literals through the serializer, encoding through odatakit.percent)
# ---------------------------------------------------------------------------------------------


def _serialize(node: Any, url: bool | str = False) -> str:
    from .serializer import serialize  # imported late: parsing a URL needs only the parser

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


# ---------------------------------------------------------------------------------------------
# Parsing: text → parts
# ---------------------------------------------------------------------------------------------

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
    from .parser import parse_key

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
    from .parser import parse_expression

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
        cast = text.lower().startswith(_TYPE_NAMESPACES) and previous.kind != "extensions"  # type: ignore[union-attr]
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


def _check_structure(path: tuple[PathSegment, ...], whole: str | None, offsets: list[int] | None) -> None:
    """Where segments may stand: first-only and last-only dollar segments, casts, keys."""

    def fail(reason: str, index: int, expected: Iterable[str] = ()) -> None:
        if whole is None or offsets is None:
            raise ValueError(reason)
        raise ODataSyntaxError(reason, whole, offsets[index], expected)

    for index, segment in enumerate(path):
        previous = path[index - 1] if index else None
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


def _split_root(text: str) -> tuple[ServiceRoot | None, int]:
    """The service root of an absolute URL and where the rest starts; (None, 0) for a relative one."""
    scheme = re.match(r"(?i)(https?):", text)
    if scheme is None:
        return None, 0
    if not text.startswith("//", scheme.end()):
        raise ODataSyntaxError("expected '//' after the scheme", text, scheme.end(), ["//"])
    authority = re.compile(r"(?:\[[0-9A-Za-z:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]+)(?::\d*)?")
    match = authority.match(text, scheme.end() + 2)
    if match is None or not match.group():
        raise ODataSyntaxError("expected a host", text, scheme.end() + 2, ["host"])
    end = match.end()
    if end < len(text) and text[end] not in "/?#":
        raise ODataSyntaxError("unexpected character in the host", text, end, ["/", ":"])
    host = match.group().lower().split(":")[0] if not match.group().startswith("[") else ""
    known = _KNOWN_ROOTS.get(host)
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
        if segment.startswith("$") or "(" in segment or "%28" in segment.lower():
            cut = index
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
    from .parser import _check_text

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
                and not percent.decode(raw[1][0]).lower().startswith(_TYPE_NAMESPACES):
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
    from .parser import parse_query

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
    from .parser import _check_text

    _check_text(text, text, 0)
    hash_at = text.find("#")
    if hash_at < 0:
        raise ODataSyntaxError("a context URL has a fragment ('#…')", text, len(text), ["#"])
    if hash_at == 0:
        return ContextUrl(None, _parse_fragment(text, 1))
    url = parse_url(text)
    assert url.fragment is not None
    return ContextUrl(attrs.evolve(url, fragment=None), url.fragment)
