"""``odatakit validate FILE…`` and ``odatakit decode FILE``: payload commands for the CLI."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..payload.decode import decode
from ..errors import PayloadError
from ..payload.validate import KINDS, validate
from ..payload.values import describe

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = subparsers.add_parser("validate", help="validate JSON payloads; print every fault with its JSON path")
    check.add_argument("files", nargs="+", metavar="FILE", help="JSON file, or - for standard input")
    check.add_argument("--kind", choices=sorted(KINDS), help="payload kind (default: detected)")
    _options(check)
    check.add_argument("--strict-names", action="store_true", help="require reverse-DNS extension names")
    check.set_defaults(run=_validate)
    show = subparsers.add_parser("decode", help="show a JSON payload's typed values, one per line")
    show.add_argument("file", metavar="FILE", help="JSON file, or - for standard input")
    _options(show)
    show.set_defaults(run=_decode)


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--infer", choices=("spec", "odatalib"), default="spec",
                        help="type of unannotated numbers: Edm.Double (spec) or Int32/Decimal (odatalib)")
    parser.add_argument("--ieee754-compatible", choices=("true", "false"),
                        help="Int64/Decimal as strings (true) or numbers (false); default: either")


def _read(name: str) -> bytes:
    return sys.stdin.buffer.read() if name == "-" else open(name, "rb").read()


def _decode_options(args: argparse.Namespace) -> dict[str, Any]:
    ieee = None if args.ieee754_compatible is None else args.ieee754_compatible == "true"
    return {"infer": args.infer, "ieee754_compatible": ieee}


def _validate(args: argparse.Namespace) -> int:
    failed = False
    for name in args.files:
        shown = "<stdin>" if name == "-" else name
        try:
            faults = validate(_read(name), kind=args.kind, strict_names=args.strict_names, **_decode_options(args))
        except OSError as error:
            print(f"{shown}: cannot read: {error.strerror}", file=sys.stderr)
            failed = True
            continue
        for fault in faults:
            print(f"{shown}: {fault}")
        failed = failed or bool(faults)
        if not faults:
            print(f"{shown}: valid")
    return 1 if failed else 0


def _decode(args: argparse.Namespace) -> int:
    try:
        value = decode(_read(args.file), check=True, **_decode_options(args))  # it prints every value
    except OSError as error:
        print(f"{args.file}: cannot read: {error.strerror}", file=sys.stderr)
        return 1
    except PayloadError as error:
        for fault in error.faults:
            print(f"{args.file}: {fault}", file=sys.stderr)
        return 1
    for line in describe(value):
        print(line)
    return 0
