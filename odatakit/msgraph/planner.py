"""The Graph request planner: from a URL (or a query and a resource kind), the request a Graph user
should send — headers, the query, and warnings that each name a rule and its source.

Rules live in ``odatakit.services.REQUEST_RULES``; each check below reads one query and says
what to add or change. A fix is offered only when it keeps the meaning (``ConsistencyLevel`` and
``$count=true`` add a count; reordering the conjuncts of a top-level ``and`` changes nothing).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ..query import tree
from ..query.visit import walk
from ..query.printer import serialize
from ..url import DollarSegment, NameSegment, ServiceRoot, Url, graph, parse_url
from ..services import DIRECTORY_OBJECTS, MESSAGE_COLLECTIONS, OUTLOOK_ITEMS, REQUEST_RULES, resource_of_path

__all__ = ["PlanWarning", "GraphPlan", "plan", "plan_graph_request", "ORDERBY_NEEDS_ADVANCED"]

_GRAPH_ROOT = str(graph("v1.0"))  # relative request paths are read against v1.0

#: G-AQ "Support for sorting by properties of directory objects": properties whose $orderby needs
#: the advanced query parameters (the table's "Advanced" rows), by resource kind.
ORDERBY_NEEDS_ADVANCED: Mapping[str, frozenset[str]] = {
    "administrativeUnit": frozenset({"createddatetime", "deleteddatetime", "displayname"}),
    "application": frozenset({"createddatetime", "deleteddatetime", "displayname"}),
    "orgContact": frozenset({"createddatetime", "displayname"}),
    "device": frozenset({"approximatelastsignindatetime", "createddatetime", "deleteddatetime", "displayname"}),
    "group": frozenset({"deleteddatetime"}),
    "servicePrincipal": frozenset({"createddatetime", "deleteddatetime", "displayname"}),
    "user": frozenset({"createddatetime", "deleteddatetime"}),
}


@attrs.frozen
class PlanWarning:
    """One rule the request breaks (or broke, when ``fixed``): rule id, what is wrong, the source page."""

    rule: str
    message: str
    source: str
    fixed: bool = False


@attrs.frozen
class GraphPlan:
    """The request to send: URL (with the planned query), headers, warnings.

    ``query`` is the tree sent (None for none); ``resource`` the kind of resource the collection
    holds (``user``, ``message``…) when the path names one.
    """

    url: Url
    headers: tuple[tuple[str, str], ...]
    warnings: tuple[PlanWarning, ...]
    resource: str | None

    @property
    def query(self) -> tree.Query | None:
        return self.url.query

    @property
    def rules(self) -> tuple[str, ...]:
        """The ids of the rules warned about, in order."""
        return tuple(w.rule for w in self.warnings)

    def header(self, name: str) -> str | None:
        """A planned header's value by case-insensitive name, or None."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def __str__(self) -> str:
        return str(self.url)


def _warning(rule: str, message: str, fixed: bool = False) -> PlanWarning:
    return PlanWarning(rule, message, REQUEST_RULES[rule].source.url, fixed)


def _as_url(target: Url | str | tree.Query, resource: str | None, plus_is_space: bool) -> Url:
    if isinstance(target, Url):
        return target
    if isinstance(target, tree.Query):
        if resource is None:
            raise ValueError("planning a bare query needs resource= (for example 'user' or 'message')")
        return Url(ServiceRoot(_GRAPH_ROOT, "graph"), query=target)
    if not isinstance(target, str):
        raise TypeError(f"plan() takes a Url, URL text or a tree.Query, not {type(target).__name__}")
    text = target.strip()
    if text.upper().startswith("GET "):
        text = text[4:].lstrip()
    if text.startswith("/"):
        text = _GRAPH_ROOT + text
    path, mark, query = text.partition("?")
    if plus_is_space and mark:
        # Graph's servers (and its documentation: ``startswith(givenName%2C+'J')``) read a raw "+" in
        # the query as a space, as HTML forms do; a plus sign is sent as %2B.
        text = path + mark + query.replace("+", "%20")
    return parse_url(text)


def _resource(url: Url) -> str | None:
    names = [segment.name if isinstance(segment, NameSegment) else None for segment in url.path]
    return resource_of_path(names, user_context=url.user is not None)


def _property_path(path: tree.Path) -> str | None:
    """``from/emailAddress/address`` (lower case: Graph names are case-insensitive) for a path of
    properties, else None (lambda variables, $it, counts…)."""
    if not path.segments or not all(isinstance(s, tree.Property) for s in path.segments):
        return None
    return "/".join(s.name.lower() for s in path.segments)  # type: ignore[union-attr]


def _properties(expr: Any) -> list[str]:
    """Property paths in ``expr`` in text order, each once."""
    seen: dict[str, None] = {}
    for node in walk(expr):
        if isinstance(node, tree.Path) and (name := _property_path(node)) is not None:
            seen.setdefault(name, None)
    return list(seen)


def _any_node(expr: Any, test: Callable[[Any], bool]) -> bool:
    return expr is not None and any(test(node) for node in walk(expr))


# ---- the checks: each reads the plan so far and returns (query, extra headers, warnings) ------

Check = Callable[["_State"], None]


@attrs.define
class _State:
    url: Url
    resource: str | None
    query: tree.Query
    headers: dict[str, tuple[str, str]]  # lower-case name -> (name, value)
    warnings: list[PlanWarning]
    fix: bool

    @property
    def directory(self) -> bool:
        return self.resource in DIRECTORY_OBJECTS


def _advanced_reasons(state: _State) -> tuple[list[str], bool]:
    """Why the request is an advanced query, and whether it also needs ``$count=true``."""
    q, reasons, needs_count = state.query, [], False
    counts_segment = bool(state.url.path) and state.url.path[-1] == DollarSegment("$count")
    if counts_segment:
        reasons.append("a /$count segment")
    if q.count:
        reasons.append("$count=true")
    if q.search is not None:
        reasons.append("$search")
    filter_reasons = [
        ("the ne operator", lambda n: isinstance(n, tree.BinaryOp) and n.op == "ne"),
        ("the not operator", lambda n: isinstance(n, tree.UnaryOp) and n.op == "not"),
        ("endsWith", lambda n: isinstance(n, tree.Call) and n.function.lower() == "endswith"),
        ("$count in $filter", lambda n: isinstance(n, tree.Count)),
    ]
    for what, test in filter_reasons:
        if _any_node(q.filter, test):
            reasons.append(what)
            needs_count = True
    if q.filter is not None and q.orderby is not None:
        reasons.append("$filter with $orderby")
        needs_count = True
    advanced = ORDERBY_NEEDS_ADVANCED.get(state.resource or "", frozenset())
    if q.orderby is not None:
        for item in q.orderby.items:
            name = _property_path(item.expr) if isinstance(item.expr, tree.Path) else None
            if name in advanced:
                reasons.append(f"$orderby={name}")
                needs_count = True
    return reasons, needs_count and not counts_segment


def _check_advanced_query(state: _State) -> None:
    if not state.directory:
        return
    reasons, needs_count = _advanced_reasons(state)
    if not reasons:
        return
    missing = []
    if state.headers.get("consistencylevel", ("", ""))[1].lower() != "eventual":
        missing.append("the header ConsistencyLevel: eventual")
        if state.fix:
            state.headers["consistencylevel"] = ("ConsistencyLevel", "eventual")
    if needs_count and not state.query.count:
        missing.append("$count=true")
        if state.fix:
            state.query = attrs.evolve(state.query, count=True)
    if missing:
        state.warnings.append(_warning("graph.advanced-query", f"{', '.join(reasons)} on {state.resource} is an "
                                       f"advanced query: it needs {' and '.join(missing)}", state.fix))
    if state.query.expand is not None:
        state.warnings.append(_warning("graph.advanced-query.no-expand",
                                       f"$expand is not supported in an advanced query on {state.resource}"))


def _reordered(conjuncts: tuple[Any, ...], order: list[str]) -> tuple[Any, ...]:
    """Conjuncts led by each $orderby property, in $orderby order, then the rest as they were."""
    leads: list[str | None] = [next(iter(_properties(c)), None) for c in conjuncts]
    first = [c for name in order for c, lead in zip(conjuncts, leads) if lead == name]
    rest = [c for c, lead in zip(conjuncts, leads) if lead not in order]
    return (*first, *rest)


def _leads_in_order(expr: Any, order: list[str]) -> bool:
    return _properties(expr)[:len(order)] == order


def _check_messages_orderby(state: _State) -> None:
    q = state.query
    if state.resource not in MESSAGE_COLLECTIONS or q.filter is None or q.orderby is None:
        return
    ordered = [name for item in q.orderby.items
               if isinstance(item.expr, tree.Path) and (name := _property_path(item.expr)) is not None]
    in_filter = _properties(q.filter)
    absent = [name for name in ordered if name not in in_filter]
    if absent:
        state.warnings.append(_warning("graph.messages.orderby-in-filter",
                                       f"$orderby properties {', '.join(absent)} do not appear in $filter"))
    present = [name for name in ordered if name in in_filter]
    if _leads_in_order(q.filter, present):
        return
    conjuncts = q.filter.operands if isinstance(q.filter, tree.And) else (q.filter,)
    candidate = _reordered(conjuncts, present)
    fixed = (state.fix and Counter(candidate) == Counter(conjuncts) and len(candidate) > 1
             and _leads_in_order(tree.And(candidate), present))
    text = serialize(tree.And(candidate)) if fixed else None
    state.warnings.append(_warning(
        "graph.messages.orderby-order",
        f"$filter must start with the $orderby properties in order ({', '.join(present)})"
        + (f"; reordered to: {text}" if fixed else "; no reordering of top-level 'and' terms achieves it"),
        fixed))
    if fixed:
        state.query = attrs.evolve(q, filter=tree.And(candidate))


def _quote_words(expr: Any, test: Callable[[str], bool]) -> Any:
    """The search expression with each word that passes ``test`` turned into a quoted phrase."""
    if isinstance(expr, tree.SearchWord):
        return tree.SearchPhrase(expr.text) if test(expr.text) else expr
    if isinstance(expr, tree.SearchNot):
        return tree.SearchNot(_quote_words(expr.operand, test))
    if isinstance(expr, (tree.SearchAnd, tree.SearchOr)):
        return type(expr)(_quote_words(expr.left, test), _quote_words(expr.right, test))
    return expr


def _search_terms(expr: Any) -> Iterable[Any]:
    return [n for n in walk(expr) if isinstance(n, (tree.SearchWord, tree.SearchPhrase))]


def _check_search(state: _State) -> None:
    q = state.query
    if q.search is None:
        return
    terms = _search_terms(q.search.expr)
    if state.directory:
        bare = [t.text for t in terms if isinstance(t, tree.SearchWord)]
        no_property = [t.text for t in terms if ":" not in t.text]
        if bare:
            quoted = _quote_words(q.search.expr, lambda text: ":" in text)
            fixable = state.fix and not no_property
            state.warnings.append(_warning("graph.search.directory-token",
                                           f"$search terms {', '.join(map(repr, bare))} must be quoted "
                                           "\"property:value\" tokens", fixable))
            if fixable:
                state.query = attrs.evolve(q, search=tree.Search(quoted))
        if no_property:
            state.warnings.append(_warning("graph.search.directory-token",
                                           f"$search terms {', '.join(map(repr, no_property))} name no property "
                                           "(write \"displayName:value\")"))
    elif state.resource == "message":
        restricted = [t.text for t in terms if isinstance(t, tree.SearchWord) and ":" in t.text]
        if restricted:
            state.warnings.append(_warning("graph.search.messages-quoting",
                                           f"KQL property restrictions {', '.join(map(repr, restricted))} must be "
                                           "inside double quotes", state.fix))
            if state.fix:
                state.query = attrs.evolve(q, search=tree.Search(_quote_words(q.search.expr, lambda t: ":" in t)))
        if q.filter is not None or q.orderby is not None:
            state.warnings.append(_warning("graph.search.messages-no-filter-orderby",
                                           "$search on messages cannot be combined with $filter or $orderby"))


def _check_extension_filter(state: _State) -> None:
    q = state.query
    if q.filter is None or state.resource in OUTLOOK_ITEMS or state.resource is None:
        return
    on_extensions = _any_node(q.filter, lambda n: isinstance(n, tree.Path) and bool(n.segments)
                              and isinstance(n.segments[0], tree.Property)
                              and n.segments[0].name.lower() == "extensions")
    if on_extensions:
        state.warnings.append(_warning("graph.extensions.filter-unsupported",
                                       f"open extensions cannot be filtered on {state.resource}"))


CHECKS: tuple[Check, ...] = (_check_search, _check_advanced_query, _check_messages_orderby, _check_extension_filter)


def plan(target: Url | str | tree.Query, *, resource: str | None = None,
         headers: Mapping[str, str] | Iterable[tuple[str, str]] = (), fix: bool = True,
         plus_is_space: bool = True) -> GraphPlan:
    """The request a Graph user should send for ``target`` (a URL, URL text — absolute, or a path
    such as ``/users?$search=…`` — or a ``tree.Query`` with ``resource=``).

    ``headers`` are those already planned (``ConsistencyLevel``…). With ``fix`` (the default) the
    plan adds what the rules ask when the meaning stays the same; warnings say what and why.
    ``plus_is_space`` reads a raw ``+`` in URL text's query as a space, as Graph does.

    >>> p = plan("/users?$filter=endswith(mail,'@contoso.com')")
    >>> p.header("ConsistencyLevel"), p.query.count, p.rules
    ('eventual', True, ('graph.advanced-query',))
    """
    url = _as_url(target, resource, plus_is_space)
    if url.root is not None and url.root.dialect == "outlook":
        raise ValueError(f"the planner checks Microsoft Graph's rules; {url.root} is Outlook REST "
                         "(its queries follow other rules)")
    kind = resource or _resource(url)
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    state = _State(url, kind, url.query or tree.Query(), {k.lower(): (k, v) for k, v in pairs}, [], fix)
    for check in CHECKS:
        check(state)
    query = None if state.query == tree.Query() else state.query
    return GraphPlan(attrs.evolve(url, query=query), tuple(state.headers.values()), tuple(state.warnings), kind)
plan_graph_request = plan
