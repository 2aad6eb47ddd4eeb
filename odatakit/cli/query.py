"""``odatakit fmt`` and ``odatakit parse``: query text → tree → canonical text / JSON."""

from __future__ import annotations

import argparse
import base64
import json
import math
import sys
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from .. import edm
from ..query import tree
from ..errors import ODataSyntaxError
from .arguments import read_argument
from ..query.parser import (
    parse_compute, parse_expand, parse_filter, parse_orderby, parse_query, parse_search, parse_select,
)
from ..query.printer import serialize
from ..query.visit import fold
from ..query.syntax import SYSTEM_QUERY_OPTIONS

__all__ = ["register", "tree_to_json"]

_PARSERS: dict[str, Callable[[str], Any]] = {
    "query": parse_query, "filter": parse_filter, "expand": parse_expand, "select": parse_select,
    "orderby": parse_orderby, "search": parse_search, "compute": parse_compute,
}


def _looks_like_query(text: str) -> bool:
    """``$filter=…&…``, ``?…`` or ``filter=…`` is a query string; anything else a filter."""
    head = text.lstrip("?").split("&", 1)[0].split("=", 1)[0].lower()
    return text.startswith(("?", "$", "@")) or ("=" in text and head.lstrip("$") in SYSTEM_QUERY_OPTIONS)


def _parse(args: argparse.Namespace) -> Any:
    text = read_argument(args.query)
    kind = args.kind or ("query" if _looks_like_query(text) else "filter")
    return _PARSERS[kind](text)


def tree_to_json(node: Any) -> Any:
    """A JSON-ready view of a tree: ``{"node": "BinaryOp", "op": "eq", …}``; exact numbers as strings."""
    if isinstance(node, tree.Node):
        return fold(node, _node_json)
    return _value_json(node)


def _node_json(node: tree.Node, kids: list[Any]) -> dict[str, Any]:
    """One node's view, its child nodes' views given in ``children`` order."""
    views = iter(kids)
    view: dict[str, Any] = {"node": type(node).__name__}
    for field in attrs.fields(type(node)):  # type: ignore[misc, arg-type]  # every Node is an attrs class
        value = getattr(node, field.name)
        if value is None or value == () or (field.default is False and value is False):
            continue  # unset options and default flags say nothing
        if isinstance(value, tree.Node):
            view[field.name] = next(views)
        elif isinstance(value, tuple):
            view[field.name] = [next(views) if isinstance(item, tree.Node) else _value_json(item) for item in value]
        else:
            view[field.name] = _value_json(value)
    return view


def _value_json(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else {math.inf: "INF", -math.inf: "-INF"}.get(value, "NaN")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.urlsafe_b64encode(value).decode("ascii")
    if isinstance(value, (uuid.UUID, edm.Date, edm.TimeOfDay, edm.DateTimeOffset, edm.Duration)):
        return str(value)
    if isinstance(value, tuple):
        return [_value_json(item) for item in value]
    raise TypeError(f"no JSON view for {type(value).__name__}")


def _run(action: Callable[[argparse.Namespace, Any], str]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            parsed = _parse(args)
        except ODataSyntaxError as error:
            print(f"odatakit: syntax error: {error}", file=sys.stderr)
            return 1
        print(action(args, parsed))
        return 0

    return run


def _fmt(args: argparse.Namespace, parsed: Any) -> str:
    return serialize(parsed, url=args.url)


def _show(args: argparse.Namespace, parsed: Any) -> str:
    if args.json:
        return json.dumps(tree_to_json(parsed), indent=2, ensure_ascii=False)
    if args.tree:
        return "\n".join(_outline(tree_to_json(parsed), ""))
    return repr(parsed)


def _outline(view: Any, indent: str) -> list[str]:
    """The JSON view as an indented outline: a node and its plain fields on one line, each child
    node below it under its field's name (``--tree``, for reading a tree at a glance)."""
    if not isinstance(view, dict):
        return [indent + json.dumps(view, ensure_ascii=False)]
    plain = [f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in view.items()
             if name != "node" and not isinstance(value, (dict, list))]
    lines = [indent + " ".join([view["node"], *plain])]
    for name, value in view.items():
        if isinstance(value, dict):
            lines.append(f"{indent}  {name}:")
            lines.extend(_outline(value, indent + "    "))
        elif isinstance(value, list):
            lines.append(f"{indent}  {name}:")
            for item in value:
                lines.extend(_outline(item, indent + "    "))
    return lines


def register(subparsers: Any) -> None:
    kinds = sorted(_PARSERS)
    for name, action, description in (
        ("fmt", _fmt, "print the canonical text of a query (or of one option's value)"),
        ("parse", _show, "print the tree of a query (or of one option's value)"),
    ):
        command = subparsers.add_parser(name, help=description, description=description)
        command.add_argument("query", metavar="QUERY", help="query text, or - to read standard input")
        command.add_argument(
            "--as", dest="kind", choices=kinds,
            help="what the text is (default: a whole query string if it starts with $, ? or @, else a $filter)",
        )
        if name == "fmt":
            command.add_argument("--url", action="store_true", help="print the percent-encoded URL form")
        else:
            shape = command.add_mutually_exclusive_group()
            shape.add_argument("--json", action="store_true", help="print the tree as JSON")
            shape.add_argument("--tree", action="store_true", help="print the tree as an indented outline")
        command.set_defaults(run=_run(action))
