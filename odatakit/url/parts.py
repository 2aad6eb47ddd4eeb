"""URL parts: service root, user context, path segments, context fragments, and ``Url`` with its
builder methods. ``str(url)`` renders (``render``); a part that would not read back is refused."""

from __future__ import annotations

import re
from typing import Any, Union

import attrs

from ..errors import BuildError
from ..query import percent, tree
from .keys import _literal, _make_key, extension_id
from ..services import GRAPH_EXTENSION_PREFIX, KNOWN_ROOTS, OUTLOOK_EXTENSION_PREFIX, extension_id_form, resource_of_path
from .vocabulary import _GUID, _QUALIFIED, DOLLAR_SEGMENTS, _check_identifier, _fullmatch


def _root_url(value: str) -> str:
    if not isinstance(value, str) or not re.match(r"(?i)https?://[^/?#]+", value):
        raise BuildError(f"a service root is an http(s) URL, got {value!r}")
    if "?" in value or "#" in value:
        raise BuildError(f"a service root has no query or fragment: {value!r}")
    path = re.sub(r"(?i)^https?://[^/]*", "", value.rstrip("/"))
    if any(_is_dot_segment(segment) for segment in path.split("/")):
        raise BuildError(f"a service root has no '.' or '..' segment (a client resolves it away): {value!r}")
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
            raise BuildError(f"dialect is 'outlook', 'graph' or None, got {value!r}")

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
        raise BuildError("a user is a UPN (sadie@contoso.com) or userId@tenantId, got an empty value")
    if value in (".", ".."):
        raise BuildError(f"user {value!r} would be a dot segment ('.' or '..') in users/{{user}}")
    if "@" in value:
        local, _, domain = value.rpartition("@")
        if _fullmatch(_GUID, local) or _fullmatch(_GUID, domain):
            if not (_fullmatch(_GUID, local) and _fullmatch(_GUID, domain)):
                raise BuildError(
                    f"{value!r}: userId@tenantId needs two GUIDs (the AAD object id and the tenant id)"
                )
        elif not local or not domain:
            raise BuildError(f"{value!r} is not a user principal name (name@domain)")
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
            raise BuildError(f"user context {self.name!r} with user {self.user!r}: expected {expected!r}")
        if self.user is None and self.parenthesized:
            raise BuildError("'me' takes no key")

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
        raise BuildError(f"{value!r} is not a namespace-qualified name (Namespace.Name)")


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
            raise BuildError(
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
            raise BuildError(f"{value!r} is not a dollar segment; expected one of {', '.join(DOLLAR_SEGMENTS)}")


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
            raise BuildError("$crossjoin needs at least one entity set")
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
        from .render import render

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
        from .parse import (
            check_url,  # the parser decides what reads back (and it imports these parts)
        )

        check_url(self)

    def __str__(self) -> str:
        from .render import render

        return render(self)

    # ---- building: each returns a new Url ---------------------------------------------------

    def _append(self, segment: PathSegment) -> Url:
        """This URL with one more segment, checking only what the new segment can change: building
        a path of n segments costs n checks, not n²."""
        from .parse import check_url

        _check_path(None, None, (segment,))
        url = _unchecked(self, path=(*self.path, segment), query=None, trailing_slash=False)
        check_url(url, start=len(self.path))
        return url

    @property
    def me(self) -> Url:
        """The signed-in user's mailbox: ``…/me``."""
        return self._with_user(UserContext())

    def user_context(self, user: str, *, parenthesized: bool = False) -> Url:
        """Another user's mailbox: ``…/users/{upn}`` or ``…/users/{userId@tenantId}``."""
        return self._with_user(UserContext(user, parenthesized=parenthesized))

    def _with_user(self, user: UserContext) -> Url:
        if self.path or self.user is not None:
            raise BuildError("the user context comes right after the service root")
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
                raise BuildError("a key as a segment is one text value")
            return self._append(KeyAsSegment(value[0]))  # refused there if it would read back as a name
        key = _make_key(value, named)
        last = self.path[-1] if self.path else None
        if isinstance(last, (NameSegment, CastSegment)) and last.key is None:
            return attrs.evolve(self, path=(*self.path[:-1], attrs.evolve(last, key=key)), query=None)
        if isinstance(last, (NameSegment, CastSegment)):
            return self._append(KeyPredicate(key))
        raise BuildError("a key follows a collection name, a cast or an operation call")

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
        ``qualified``, by the id the service gives it on this kind of resource
        (``odatakit.services.EXTENSION_ID_FORMS``: ``Microsoft.OutlookServices.OpenTypeExtension.…``
        on mailbox items, the plain name on Graph's directory objects)."""
        key = name_or_id
        if qualified:
            names = [s.name if isinstance(s, NameSegment) else None for s in self.path]
            resource = resource_of_path(names, user_context=self.user is not None)
            dialect = self.root.dialect if self.root is not None and self.root.dialect else "outlook"
            try:
                prefix = extension_id_form(dialect, resource or "").prefix
            except ValueError:  # a resource the rules do not name: the dialect's own extension type
                prefix = GRAPH_EXTENSION_PREFIX if dialect == "graph" else OUTLOOK_EXTENSION_PREFIX
            key = extension_id(name_or_id, prefix)
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
    @property
    def messages(self) -> Url:
        """``…/messages``"""
        return self.nav("messages")

    @property
    def events(self) -> Url:
        """``…/events``"""
        return self.nav("events")

    @property
    def contacts(self) -> Url:
        """``…/contacts``"""
        return self.nav("contacts")

    @property
    def extensions(self) -> Url:
        """``…/extensions``"""
        return self.nav("extensions")

    @property
    def attachments(self) -> Url:
        """``…/attachments``"""
        return self.nav("attachments")

    @property
    def calendars(self) -> Url:
        """``…/calendars``"""
        return self.nav("calendars")

    @property
    def mail_folders(self) -> Url:
        """``…/mailFolders``"""
        return self.nav("mailFolders")

    @property
    def child_folders(self) -> Url:
        """``…/childFolders``"""
        return self.nav("childFolders")

    @property
    def contact_folders(self) -> Url:
        """``…/contactFolders``"""
        return self.nav("contactFolders")

    # ---- reading --------------------------------------------------------------------------

    def equivalent(self, other: Url) -> bool:
        """Same resource for the service: names compared case-insensitively (Outlook/Graph),
        key values and ids exactly, key form (``('x')`` or ``/x``) ignored."""
        return bool(_normal(self) == _normal(other))


def _unchecked(url: Url, **changes: Any) -> Url:
    """``attrs.evolve`` without ``__attrs_post_init__``: for callers that check what changed themselves."""
    new = object.__new__(Url)
    for field in attrs.fields(Url):
        object.__setattr__(new, field.name, changes.get(field.name, getattr(url, field.name)))
    return new


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






def outlook(version: str = "v2.0", *, host: str = "outlook.office.com") -> Url:
    """The Outlook REST root ``https://outlook.office.com/api/{version}`` (``v1.0``, ``v2.0``, ``beta``).

    ``host="outlook.office365.com"`` gives the older Office 365 root.
    """
    versions = KNOWN_ROOTS["outlook.office.com"][2]
    if version not in versions:
        raise BuildError(f"Outlook REST versions are {', '.join(versions)}; got {version!r}")
    if KNOWN_ROOTS.get(host.lower(), ("",))[0] != "outlook":
        raise BuildError(f"Outlook REST hosts are outlook.office.com and outlook.office365.com; got {host!r}")
    return Url(ServiceRoot(f"https://{host}/api/{version}", "outlook"))


def graph(version: str = "v1.0") -> Url:
    """The Microsoft Graph root ``https://graph.microsoft.com/{version}`` (``v1.0``, ``beta``)."""
    versions = KNOWN_ROOTS["graph.microsoft.com"][2]
    if version not in versions:
        raise BuildError(f"Microsoft Graph versions are {', '.join(versions)}; got {version!r}")
    return Url(ServiceRoot(f"https://graph.microsoft.com/{version}", "graph"))


def service(root: str, *, dialect: str | None = None) -> Url:
    """Any service root: ``service("https://host/odata").nav("Products")[1]``."""
    return Url(ServiceRoot(root, dialect))


