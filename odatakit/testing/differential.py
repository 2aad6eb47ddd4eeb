"""Differential testing made easy: draw queries over a data set, send each to a server, and
report the smallest one whose answer differs from ``odatakit.evaluate`` — the spec's answer.

    found = find_disagreement(send, data)          # send(query_text) -> the server's JSON
    if found: print(found)                         # the query, both answers, what differs

Queries come from ``data_queries(data)`` (filters over the properties and values the data
holds, with literals from ``odatakit.strategies``) or any strategy of ``Query`` trees or query
texts. Hypothesis shrinks a disagreement to a small query before it is reported.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from ..query import tree
from ..evaluation.query import _as_query, _entities, evaluate
from ..evaluation.values import EvaluationError

__all__ = ["Disagreement", "answers_differ", "data_queries", "find_disagreement"]


@attrs.frozen
class Disagreement:
    """A query on which the server's answer is not the spec's: the query text, what ``evaluate``
    gives, and what the server sent (or the error it raised)."""

    query: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return (f"the server disagrees on ?{self.query}\n  spec (odatakit.evaluate): {_shown(self.expected)}\n"
                f"  server: {_shown(self.actual)}")


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 400 else text[:397] + "..."


def _normal(value: Any) -> Any:
    """A value comparable across JSON writers: numbers as exact Decimals (1, 1.0 and 1e0 alike),
    objects without their annotations (``@odata.*`` is a serializer's choice, not an answer)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, Mapping):
        return {k: _normal(v) for k, v in value.items() if "@" not in k}
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    return str(value)


def _sort_key(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


def answers_differ(query: tree.Query, expected: Mapping[str, Any], actual: Any) -> bool:
    """Whether two collection payloads give different answers to ``query``: the same entities
    (in order when ``$orderby`` fixes one, as a multiset otherwise) and the same count."""
    if isinstance(actual, (str, bytes)):
        actual = json.loads(actual, parse_float=Decimal)
    if not isinstance(actual, Mapping) or not isinstance(actual.get("value"), list):
        return True
    mine, theirs = _normal(expected["value"]), _normal(actual["value"])
    if query.orderby is None:
        mine, theirs = sorted(mine, key=_sort_key), sorted(theirs, key=_sort_key)
    if query.count and expected.get("@odata.count") != actual.get("@odata.count"):
        return True
    return bool(mine != theirs)


def find_disagreement(
    send: Callable[[str], Any],
    data: Any,
    *,
    queries: Any = None,
    model: Any = None,
    entity_type: str | None = None,
    max_examples: int = 200,
    refused: tuple[type[BaseException], ...] = (),
    resource: str | None = None,
) -> Disagreement | None:
    """The smallest drawn query on which ``send(query_text)`` (the server's JSON answer, parsed
    or as text) differs from ``evaluate(query, data)``; None when every query agreed.

    ``data`` is what the server holds. A query ``evaluate`` rejects (ill-typed over this data)
    is skipped; a server exception counts as a disagreement unless its type is in ``refused``
    (e.g. the "unsupported function" error of a server that says so). With a ``model`` and the
    ``resource`` the data sits at (``"People"``), queries come from the model-aware
    ``odatakit.strategies.queries(model, resource)`` unless ``queries`` says otherwise.
    """
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample

    items, _ = _entities(data)
    strategy = queries if queries is not None else _model_queries(model, resource)
    if strategy is None:
        strategy = data_queries(items)
    outcome: dict[str, Disagreement] = {}

    def differs(drawn: Any) -> bool:
        from ..query.printer import serialize

        query = _as_query(drawn)
        text = drawn if isinstance(drawn, str) else serialize(query)
        try:
            expected = evaluate(query, items, model=model, entity_type=entity_type)
        except EvaluationError:
            return False
        try:
            actual = send(text)
        except refused:
            return False
        except Exception as error:  # noqa: BLE001 - any failure of the server is an answer to report
            outcome["found"] = Disagreement(text, expected, f"{type(error).__name__}: {error}")
            return True
        if answers_differ(query, expected, actual):
            outcome["found"] = Disagreement(text, expected, actual)
            return True
        return False

    config = settings(max_examples=max_examples, database=None, deadline=None,
                      phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck))
    try:
        with warnings.catch_warnings():
            # find() describes the strategy once; a data set's values make that text long, not wrong
            warnings.filterwarnings("ignore", message="Generating overly large repr")
            found = find(strategy, differs, settings=config)
    except NoSuchExample:
        return None
    differs(found)  # the shrunk example last: its answers are the ones reported
    return outcome["found"]


def _model_queries(model: Any, resource: str | None) -> Any:
    """The model-aware query strategy, when a model and resource are given and odatakit has one."""
    if model is None or resource is None:
        return None
    from .. import strategies as ost

    try:
        return ost.queries(model, resource)  # type: ignore[call-arg]
    except TypeError:
        raise EvaluationError("odatakit.strategies.queries does not draw from a model in this version; "
                              "pass queries= instead") from None


# -- queries drawn from the data --------------------------------------------------------------
def _kinds(items: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, list[Any]]]:
    """Property name → (kind, values seen) for primitive properties: ``string``, ``integer``,
    ``number`` or ``boolean`` (other properties are left out of drawn queries)."""
    seen: dict[str, dict[str, list[Any]]] = {}
    for item in items:
        for name, value in item.items():
            if "@" in name or value is None or any(k.startswith(f"{name}@") for k in item):
                continue
            kind = ("boolean" if isinstance(value, bool) else "integer" if isinstance(value, int)
                    else "number" if isinstance(value, (float, Decimal)) else "string" if isinstance(value, str)
                    else None)
            if kind is not None:
                seen.setdefault(name, {}).setdefault(kind, []).append(value)
    return {name: (next(iter(kinds)), values) for name, kinds in seen.items() if len(kinds) == 1
            for values in kinds.values()}


def data_queries(data: Any, *, max_leaves: int = 4, paging: bool = False) -> Any:
    """Hypothesis strategy of ``Query`` trees over ``data``: ``$filter`` comparisons, string
    functions and null tests on its primitive properties, combined with ``and``/``or``/``not``,
    literals drawn from the values it holds and from ``odatakit.strategies`` (quotes, ``%``,
    ``_``, Unicode, null). ``paging=True`` adds ``$orderby`` (one or two properties, either
    direction), ``$skip``, ``$top`` and ``$count`` now and then."""
    from hypothesis import strategies as st

    from . import strategies as ost

    items = data if isinstance(data, list) else _entities(data)[0]
    kinds = _kinds(items)
    if not kinds:
        raise EvaluationError("the data has no primitive properties to draw queries over")
    names = sorted(kinds)

    def path(name: str) -> tree.Path:
        return tree.Path((tree.Property(name),))

    def literal_for(name: str) -> Any:
        kind, values = kinds[name]
        typed = {"string": "String", "integer": "Int32", "number": "Decimal", "boolean": "Boolean"}[kind]
        seen = st.sampled_from(values).map(lambda v: tree.Literal(
            "Decimal" if isinstance(v, (Decimal, float)) else typed,
            Decimal(repr(v)) if isinstance(v, float) else v))
        if kind == "string":
            pieces = sorted({piece for v in values[:50] for piece in
                             (*(v[:i] for i in range(len(v) + 1)), *(v[i:] for i in range(len(v))), v.lower(), v.upper())})
            hostile = ("%", "_", "'", "''", "%%", "a%", "_n", "\\", "[a]")
            pieces = pieces[:200]  # a short list keeps the strategy cheap to draw from and to show
            return st.one_of(seen, st.sampled_from(pieces).map(lambda s: tree.Literal("String", s)),
                             st.sampled_from(hostile).map(lambda s: tree.Literal("String", s)), ost.literals("String"))
        if kind == "integer":
            return st.one_of(seen, ost.literals("Int32"))
        return seen

    def comparison(name: str) -> Any:
        kind = kinds[name][0]
        ops = ("eq", "ne") if kind == "boolean" else ("eq", "ne", "gt", "ge", "lt", "le")
        right = st.one_of(literal_for(name), st.just(tree.Literal("Null", None)))
        compared = st.builds(tree.BinaryOp, st.sampled_from(ops), st.just(path(name)), right)
        if kind != "string":
            return compared
        functions = st.builds(lambda fn, lit: tree.Call(fn, (path(name), lit)),
                              st.sampled_from(("contains", "startswith", "endswith")), literal_for(name))
        lowered = st.builds(lambda lit: tree.BinaryOp("eq", tree.Call("tolower", (path(name),)), lit),
                            literal_for(name))
        length = st.builds(lambda op, n: tree.BinaryOp(op, tree.Call("length", (path(name),)), tree.Literal("Int32", n)),
                           st.sampled_from(("eq", "gt", "lt")), st.integers(0, 6))
        return st.one_of(compared, functions, lowered, length)

    leaves = st.one_of([comparison(name) for name in names])
    filters = st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=2).map(tree.And),
        st.lists(inner, min_size=2, max_size=2).map(tree.Or),
        inner.map(lambda p: tree.UnaryOp("not", p)),
    ), max_leaves=max_leaves)
    if not paging:
        # deferred: its repr is one line, where the built strategy's lists every value sampled from
        return st.deferred(lambda: st.builds(tree.Query, filter=filters))
    orderable = [n for n in names if kinds[n][0] != "boolean"] or names
    item = st.builds(tree.OrderByItem, st.sampled_from(orderable).map(path), st.booleans())
    orderby = st.one_of(st.none(), st.lists(item, min_size=1, max_size=2, unique_by=lambda i: i.expr).map(tree.OrderBy))
    small = st.one_of(st.none(), st.integers(0, len(items) + 1))
    return st.deferred(lambda: st.builds(tree.Query, filter=st.one_of(st.none(), filters), orderby=orderby,
                                         skip=small, top=small, count=st.one_of(st.none(), st.just(True))))

