"""Microsoft Graph (and Outlook REST v2.0) behaviour as data, each fact with the page that says it.

Resource kinds, which extension id a service returns for each, how PATCH treats an open extension
on each, and the request rules the planner checks. Code reads these tables; it holds no such facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import attrs

__all__ = [
    "KNOWN_ROOTS", "KEYED_COLLECTIONS", "OUTLOOK_ITEM_COLLECTIONS", "TYPE_NAMESPACES", "OUTLOOK_EXTENSION_PREFIX",
    "GRAPH_EXTENSION_PREFIX", "Dialect", "OUTLOOK", "GRAPH", "DIALECTS",
    "Source", "SOURCES", "PatchRule", "PATCH_RULES", "patch_rule", "ExtensionIdForm", "EXTENSION_ID_FORMS",
    "extension_id_form", "RESOURCE_OF_SEGMENT", "DIRECTORY_OBJECTS", "OUTLOOK_ITEMS", "MESSAGE_COLLECTIONS",
    "RequestRule", "REQUEST_RULES", "resource_of_segment", "resource_of_path", "ROOT_RESOURCE_OF_SEGMENT",
]


@attrs.frozen
class Source:
    """A documentation page a rule rests on: its title and address."""

    title: str
    url: str


SOURCES: dict[str, Source] = {
    "G-UPDATE": Source("Update openTypeExtension (Microsoft Graph)",
                       "https://learn.microsoft.com/graph/api/opentypeextension-update"),
    "G-OTE": Source("openTypeExtension resource type (Microsoft Graph)",
                    "https://learn.microsoft.com/graph/api/resources/opentypeextension"),
    "G-POST": Source("Create open extension (Microsoft Graph)",
                     "https://learn.microsoft.com/graph/api/opentypeextension-post-opentypeextension"),
    "G-GET": Source("Get open extension (Microsoft Graph)", "https://learn.microsoft.com/graph/api/opentypeextension-get"),
    "G-DELETE": Source("Delete open extension (Microsoft Graph)",
                       "https://learn.microsoft.com/graph/api/opentypeextension-delete"),
    "G-EXT-USERS": Source("Add custom data to users using open extensions (tutorial)",
                          "https://learn.microsoft.com/graph/extensibility-open-users"),
    "OUT-EXT": Source("Outlook REST API v2.0: Data extensions REST API reference",
                      "https://learn.microsoft.com/previous-versions/office/office-365-api/api/version-2.0/"
                      "extensions-rest-operations"),
    "G-AQ": Source("Advanced query capabilities on Microsoft Entra ID objects",
                   "https://learn.microsoft.com/graph/aad-advanced-queries"),
    "G-MSG-LIST": Source("List messages: using filter and orderby in the same query",
                         "https://learn.microsoft.com/graph/api/user-list-messages"
                         "#using-filter-and-orderby-in-the-same-query"),
    "G-SEARCH": Source("Use the $search query parameter", "https://learn.microsoft.com/graph/search-query-parameter"),
    "G-EXT": Source("Add custom data to resources using extensions (comparison of extension types)",
                    "https://learn.microsoft.com/graph/extensibility-overview"),
    "G-PAGING": Source("Paging Microsoft Graph data in your app", "https://learn.microsoft.com/graph/paging"),
    "G-BATCH": Source("Combine multiple HTTP requests using JSON batching",
                      "https://learn.microsoft.com/graph/json-batching"),
    "JSON401-19": Source("OData JSON Format 4.01, §19 Batch Requests and Responses",
                         "https://docs.oasis-open.org/odata/odata-json-format/v4.01/os/"
                         "odata-json-format-v4.01-os.html#sec_BatchRequestsandResponses"),
    "PROT401-11.7": Source("OData 4.01 Part 1: Protocol, §11.7 Batch Requests",
                           "https://docs.oasis-open.org/odata/odata/v4.01/os/part1-protocol/"
                           "odata-v4.01-os-part1-protocol.html#sec_BatchRequests"),
}

# -- services and their dialects ----------------------------------------------------------------

#: Services whose URLs carry a user context, by dialect: host → (path prefix, versions).
KNOWN_ROOTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
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
OUTLOOK_ITEM_COLLECTIONS = frozenset({"messages", "events", "contacts"})

#: Namespaces whose qualified names are type casts even right after a keyed collection.
TYPE_NAMESPACES = ("microsoft.outlookservices.", "microsoft.graph.")

OUTLOOK_EXTENSION_PREFIX = "Microsoft.OutlookServices.OpenTypeExtension."
GRAPH_EXTENSION_PREFIX = "microsoft.graph.openTypeExtension."

@attrs.frozen
class Dialect:
    """What differs between the two services: names, casing and how PATCH treats absent properties."""

    name: str
    type: str
    name_key: str
    id_key: str
    extensions_key: str
    patch_replaces: bool  # when the resource is not known; per resource: odatakit.services.PATCH_RULES


OUTLOOK = Dialect("outlook", "Microsoft.OutlookServices.OpenTypeExtension", "ExtensionName", "Id", "Extensions", False)
GRAPH = Dialect("graph", "microsoft.graph.openTypeExtension", "extensionName", "id", "extensions", True)
DIALECTS: dict[str, Dialect] = {d.name: d for d in (OUTLOOK, GRAPH)}


ResourceKind = Literal[
    "user", "group", "device", "organization", "administrativeUnit", "application", "servicePrincipal",
    "orgContact", "directoryObject", "message", "event", "contact", "post", "todoTask", "todoTaskList",
]

#: Collection or navigation segment (lower case: Graph resource names are case-insensitive) → kind.
RESOURCE_OF_SEGMENT: Mapping[str, str] = {
    "users": "user", "me": "user", "groups": "group", "devices": "device", "organization": "organization",
    "administrativeunits": "administrativeUnit", "applications": "application",
    "serviceprincipals": "servicePrincipal", "contacts": "contact", "orgcontacts": "orgContact",
    "directoryobjects": "directoryObject", "members": "directoryObject", "transitivemembers": "directoryObject",
    "memberof": "directoryObject", "transitivememberof": "directoryObject", "owners": "directoryObject",
    "registeredowners": "directoryObject", "registeredusers": "directoryObject", "directreports": "directoryObject",
    "ownedobjects": "directoryObject", "owneddevices": "directoryObject", "registereddevices": "directoryObject",
    "messages": "message", "events": "event", "calendarview": "event", "instances": "event", "posts": "post",
    "tasks": "todoTask", "lists": "todoTaskList",
}

#: Directory objects: their open extensions PATCH as a replace, their ids are the plain name, and
#: their collections take advanced queries (G-AQ "Microsoft Graph objects that support advanced
#: query capabilities"; G-UPDATE "Request body").
DIRECTORY_OBJECTS = frozenset({
    "user", "group", "device", "organization", "administrativeUnit", "application", "servicePrincipal",
    "orgContact", "directoryObject",
})
#: Items stored in an Exchange mailbox: Graph gives their extensions Outlook ids (G-GET, G-OTE).
OUTLOOK_ITEMS = frozenset({"message", "event", "contact", "post"})
#: Collections where the $orderby-leads-$filter rule applies (G-MSG-LIST).
MESSAGE_COLLECTIONS = frozenset({"message"})


#: A first segment (no user context) that names a different kind than after a user: ``/contacts``
#: is the organization's contacts (orgContact, a directory object), ``/me/contacts`` a mailbox's.
ROOT_RESOURCE_OF_SEGMENT: Mapping[str, str] = {"contacts": "orgContact"}


def resource_of_segment(name: str, *, first: bool = False) -> str | None:
    """The resource kind a collection or navigation name holds (``messages`` → ``message``), or None.

    ``first``: the name is the path's first segment, with no user context before it.
    """
    lowered = name.lower()
    if first and lowered in ROOT_RESOURCE_OF_SEGMENT:
        return ROOT_RESOURCE_OF_SEGMENT[lowered]
    return RESOURCE_OF_SEGMENT.get(lowered)


def resource_of_path(names: Sequence[str | None], *, user_context: bool) -> str | None:
    """The kind of resource a path addresses, from its segments' names (None for a segment that
    is not a name: a key, a cast, ``$count``): the last name that names a kind (``extensions``
    skipped: it is where an extension lives, not what it extends); ``user`` for a bare user
    context (``/me``); None when no segment names one."""
    for index in range(len(names) - 1, -1, -1):
        name = names[index]
        if name is None or name.lower() == "extensions":
            continue
        kind = resource_of_segment(name, first=index == 0 and not user_context)
        if kind is not None:
            return kind
    return "user" if user_context else None


@attrs.frozen
class PatchRule:
    """How a PATCH of an open extension acts on one kind of resource in one dialect.

    ``merge``: omitted properties are kept; ``replace``: omitted properties are deleted.
    ``null_allowed``: whether ``null`` may be sent (to clear a value). ``status``: the success
    status, 200 with the extension in the body or 204 with none.
    """

    dialect: str
    resources: frozenset[str]
    semantics: Literal["merge", "replace"]
    null_allowed: bool
    status: int
    source: Source


PATCH_RULES: tuple[PatchRule, ...] = (
    # G-UPDATE "Request body": directory objects need every property; unspecified ones are deleted,
    # null clears a value, 204 No Content.
    PatchRule("graph", DIRECTORY_OBJECTS, "replace", True, 204, SOURCES["G-UPDATE"]),
    # G-UPDATE "Request body": Microsoft 365 resources take a subset; omitted ones are kept, null is
    # not allowed, 200 OK with the extension.
    # [inference] todoTaskList is placed with todoTask: the page lists Microsoft 365 items by example.
    PatchRule("graph", frozenset({"message", "event", "contact", "post", "todoTask", "todoTaskList"}), "merge",
              False, 200, SOURCES["G-UPDATE"]),
    # OUT-EXT "Add or modify data in an extension": matching properties are updated, others added;
    # 200 OK with the extension. Outlook v2.0 extended only messages, events and contacts. The page
    # states no rule on null; [inference] it is allowed (no refusal documented).
    PatchRule("outlook", frozenset({"message", "event", "contact"}), "merge", True, 200, SOURCES["OUT-EXT"]),
)


def patch_rule(dialect: str, resource: str) -> PatchRule:
    """The PATCH rule for ``resource`` in ``dialect``; ValueError names the kinds that have one."""
    for rule in PATCH_RULES:
        if rule.dialect == dialect and resource in rule.resources:
            return rule
    known = sorted({r for rule in PATCH_RULES if rule.dialect == dialect for r in rule.resources})
    raise ValueError(f"no {dialect} open-extension PATCH rule for resource {resource!r}; "
                     f"known: {', '.join(known)}")


@attrs.frozen
class ExtensionIdForm:
    """The ``id`` a service returns for an open extension named ``N`` on one kind of resource."""

    dialect: str
    resources: frozenset[str]
    prefix: str  # the id is prefix + name; "" for the plain name
    source: Source


EXTENSION_ID_FORMS: tuple[ExtensionIdForm, ...] = (
    # G-EXT-USERS: the 201 response for a user shows "id": "com.contoso.roamingSettings".
    ExtensionIdForm("graph", DIRECTORY_OBJECTS, "", SOURCES["G-EXT-USERS"]),
    # G-GET / G-OTE: Outlook-backed items keep the Outlook id in Graph.
    ExtensionIdForm("graph", OUTLOOK_ITEMS, "Microsoft.OutlookServices.OpenTypeExtension.", SOURCES["G-GET"]),
    # G-OTE "id": the extension type concatenated with the name; [inference] for the resources no
    # example shows (to-do tasks and lists).
    ExtensionIdForm("graph", frozenset({"todoTask", "todoTaskList"}), "microsoft.graph.openTypeExtension.",
                    SOURCES["G-OTE"]),
    # OUT-EXT: "Id": "Microsoft.OutlookServices.OpenTypeExtension.Com.Contoso.Referral".
    ExtensionIdForm("outlook", frozenset({"message", "event", "contact"}),
                    "Microsoft.OutlookServices.OpenTypeExtension.", SOURCES["OUT-EXT"]),
)


def extension_id_form(dialect: str, resource: str) -> ExtensionIdForm:
    """The id form for ``resource`` in ``dialect``; ValueError names the kinds that have one."""
    for form in EXTENSION_ID_FORMS:
        if form.dialect == dialect and resource in form.resources:
            return form
    known = sorted({r for form in EXTENSION_ID_FORMS if form.dialect == dialect for r in form.resources})
    raise ValueError(f"{dialect} has no open extensions on resource {resource!r}; known: {', '.join(known)}")


@attrs.frozen
class RequestRule:
    """A rule the Graph request planner checks: its id, what it says, and its source."""

    id: str
    summary: str
    source: Source


REQUEST_RULES: dict[str, RequestRule] = {r.id: r for r in (
    RequestRule("graph.advanced-query",
                "directory objects answer $count, $search, ne/not, endsWith, $filter on /$count and "
                "$filter with $orderby only as advanced queries: header ConsistencyLevel: eventual and "
                "$count=true (not needed for $search alone or a /$count segment)", SOURCES["G-AQ"]),
    RequestRule("graph.advanced-query.no-expand",
                "$expand is not supported with advanced queries on directory objects", SOURCES["G-AQ"]),
    RequestRule("graph.messages.orderby-in-filter",
                "on messages, properties in $orderby must also appear in $filter", SOURCES["G-MSG-LIST"]),
    RequestRule("graph.messages.orderby-order",
                "on messages, $orderby properties must lead $filter in the same order (else InefficientFilter)",
                SOURCES["G-MSG-LIST"]),
    RequestRule("graph.search.directory-token",
                "$search on directory objects takes quoted \"property:value\" tokens joined by AND/OR",
                SOURCES["G-SEARCH"]),
    RequestRule("graph.search.messages-quoting",
                "$search on messages is KQL inside double quotes: property restrictions such as "
                "from:alex@contoso.com must be quoted", SOURCES["G-SEARCH"]),
    RequestRule("graph.search.messages-no-filter-orderby",
                "$search on messages cannot be combined with $filter or $orderby", SOURCES["G-SEARCH"]),
    RequestRule("graph.extensions.filter-unsupported",
                "open extensions are not filterable on directory objects; $filter on extensions works only "
                "for Outlook items (messages, events, contacts)", SOURCES["G-EXT"]),
)}
