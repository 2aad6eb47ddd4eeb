"""The ``odatakit`` command: each area of the library registers its subcommands here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

__all__ = ["main"]


def _registrars() -> list[Callable[[argparse._SubParsersAction], None]]:  # type: ignore[type-arg]
    # Imported here so `odatakit --help` costs only what it shows; each area registers its own.
    from . import _cli_payload, _cli_query, _cli_url
    from .model import cli as _cli_model

    return [_cli_query.register, _cli_url.register, _cli_payload.register, _cli_model.register]


def read_argument(value: str) -> str:
    """A command's text argument; ``-`` means standard input."""
    if value == "-":
        return sys.stdin.read().rstrip("\r\n")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="odatakit",
        description="OData v4 query strings, open-type payloads and entity URLs.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in _registrars():
        register(subparsers)
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
