"""``odatakit check`` (requests against a model, faults with carets) and ``odatakit model``
(summarise a CSDL document, convert it between XML and JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["register"]


def _load(path: str) -> Any:
    from .errors import ModelError
    from .model import load

    try:
        return load(path)
    except ModelError as error:
        print(f"odatakit: model error: {error}", file=sys.stderr)
        return None


def _check(args: argparse.Namespace) -> int:
    from ..cli import read_argument

    model = _load(args.metadata)
    if model is None:
        return 2
    errors = 0
    for url in args.urls:
        text = read_argument(url)
        faults = model.check(text)
        for fault in faults:
            label = "warning" if fault.severity == "warning" else "error"
            print(f"{text}\n{label}: {fault}\n")
            errors += fault.severity != "warning"
        if not faults and args.verbose:
            print(f"{text}: ok")
    return 1 if errors else 0


def _model(args: argparse.Namespace) -> int:
    model = _load(args.file)
    if model is None:
        return 2
    if args.to == "xml":
        sys.stdout.write(model.to_xml())
    elif args.to == "json":
        from .errors import ModelError

        try:
            sys.stdout.write(model.to_json() + "\n")
        except ModelError as error:
            print(f"odatakit: cannot write CSDL JSON: {error}", file=sys.stderr)
            return 1
    else:
        summary = model.summary()
        if args.json:
            print(json.dumps(summary, indent=2))
        else:
            counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in summary["counts"].items())
            print(f"CSDL {summary['version']}: schemas {', '.join(summary['schemas'])}")
            print(f"  {counts}")
            print(f"  entity sets ({len(summary['entity_sets'])}): {', '.join(summary['entity_sets'])}")
            print(f"  singletons ({len(summary['singletons'])}): {', '.join(summary['singletons'])}")
            shown = summary["open_types"][:20]
            more = len(summary["open_types"]) - len(shown)
            print(f"  open types ({len(summary['open_types'])}): {', '.join(shown)}" + (f", … ({more} more)" if more else ""))
    return 0


def register(subparsers: Any) -> None:
    check = subparsers.add_parser(
        "check", help="check requests against a service model ($metadata)",
        description="Print every fault of each request against the model, with a caret; exit 1 when any is an error.")
    check.add_argument("--metadata", required=True, metavar="FILE", help="CSDL XML or JSON (gzip too)")
    check.add_argument("urls", nargs="+", metavar="URL", help="resource path with query, e.g. \"me/messages?$top=1\"; - reads stdin")
    check.add_argument("-v", "--verbose", action="store_true", help="also say ok for requests without faults")
    check.set_defaults(run=_check)
    model = subparsers.add_parser(
        "model", help="summarise a service model, or convert it between CSDL XML and JSON",
        description="Without --to: counts, entity sets, singletons and open types. With --to: the model in that format.")
    model.add_argument("file", metavar="FILE", help="CSDL XML or JSON (gzip too)")
    model.add_argument("--to", choices=("xml", "json"), help="write the model in this format")
    model.add_argument("--json", action="store_true", help="the summary as JSON")
    model.set_defaults(run=_model)
