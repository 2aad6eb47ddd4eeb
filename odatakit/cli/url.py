"""``odatakit url URL``: a resource URL → its parts and its canonical form (text or JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import ODataSyntaxError
from .arguments import read_argument
from ..url import (
    CastSegment, ContextFragment, CrossJoinSegment, DollarSegment, FilterPathSegment, KeyAsSegment,
    KeyPredicate, NameSegment, Url, parse_url, render,
)

__all__ = ["register", "url_to_json"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = subparsers.add_parser(
        "url", help="show the parts of an entity/resource URL and its canonical form",
        description="Parse an OData resource URL (Outlook REST, Microsoft Graph or any service) "
                    "and print its parts and its canonical URL.",
    )
    command.add_argument("url", help="the URL ('-' reads standard input)")
    command.add_argument("--json", action="store_true", help="print the parts as JSON")
    command.add_argument("--root", help="the service root, when it is deeper than odatakit's guess")
    command.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    text = read_argument(args.url)
    try:
        url = parse_url(text, root=args.root)
    except ODataSyntaxError as error:
        print(f"odatakit url: {error}", file=sys.stderr)
        return 1
    except ValueError as error:  # a bad --root
        print(f"odatakit url: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(url_to_json(url), indent=2, ensure_ascii=False))
    else:
        print(_describe(url))
    return 0


def _key_json(key: Any) -> Any:
    from .query import tree_to_json
    from ..query.printer import serialize

    return None if key is None else {"text": serialize(key), "tree": tree_to_json(key)}


def _segment_json(segment: Any) -> dict[str, Any]:
    view: dict[str, Any] = {"segment": type(segment).__name__}
    if isinstance(segment, (NameSegment, CastSegment)):
        view["name"] = segment.name
        if segment.key is not None:
            view["key"] = _key_json(segment.key)
    elif isinstance(segment, KeyAsSegment):
        view["value"] = segment.value
    elif isinstance(segment, KeyPredicate):
        view["key"] = _key_json(segment.key)
    elif isinstance(segment, DollarSegment):
        view["name"] = segment.name
    elif isinstance(segment, FilterPathSegment):
        from .query import tree_to_json

        view["predicate"] = tree_to_json(segment.predicate)
    elif isinstance(segment, CrossJoinSegment):
        view["names"] = list(segment.names)
    return view


def _fragment_json(fragment: ContextFragment) -> dict[str, Any]:
    return {
        "path": [_segment_json(s) for s in fragment.path], "type_name": fragment.type_name,
        "select": fragment.select, "suffix": fragment.suffix,
    }


def url_to_json(url: Url) -> dict[str, Any]:
    """A JSON-ready view of a URL's parts, with its canonical form under ``"url"``."""
    from .query import tree_to_json

    return {
        "url": render(url),
        "root": None if url.root is None else {"url": url.root.url, "dialect": url.root.dialect,
                                                 "version": url.root.version},
        "user": None if url.user is None else {"name": url.user.name, "user": url.user.user,
                                                 "parenthesized": url.user.parenthesized},
        "path": [_segment_json(s) for s in url.path],
        "trailing_slash": url.trailing_slash,
        "query": None if url.query is None else tree_to_json(url.query),
        "fragment": None if url.fragment is None else _fragment_json(url.fragment),
    }


def _describe(url: Url) -> str:
    view = url_to_json(url)
    lines = []
    if url.root is not None:
        dialect = f" ({url.root.dialect} {url.root.version})" if url.root.dialect else ""
        lines.append(f"root:     {url.root.url}{dialect}")
    if url.user is not None:
        lines.append(f"user:     {'me' if url.user.is_me else url.user.user}")
    for segment in view["path"]:
        detail = {k: v for k, v in segment.items() if k != "segment"}
        if "key" in detail:
            detail["key"] = detail["key"]["text"]
        shown = ", ".join(f"{k}={v!r}" if not isinstance(v, dict) else f"{k}=…" for k, v in detail.items())
        lines.append(f"segment:  {segment['segment']}({shown})")
    if url.query is not None:
        from ..query.printer import serialize

        lines.append(f"query:    {serialize(url.query)}")
    if url.fragment is not None:
        lines.append(f"context:  #{render(url.fragment)[1:]}")
    lines.append(f"url:      {render(url)}")
    return "\n".join(lines)
