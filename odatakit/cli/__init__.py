"""The ``odatakit`` command: each area of the library registers its subcommands here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

__all__ = ["main"]


def _registrars() -> list[Callable[[argparse._SubParsersAction], None]]:  # type: ignore[type-arg]
    # Imported here so `odatakit --help` costs only what it shows; each area registers its own.
    from . import payload as _cli_payload
    from . import query as _cli_query
    from . import url as _cli_url
    from . import model as _cli_model

    return [_cli_query.register, _cli_url.register, _cli_payload.register, _cli_model.register]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="odatakit",
        description="OData v4 query strings, open-type payloads and entity URLs.",
    )
    parser.add_argument("--version", action="version", version=f"odatakit {_version()}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in _registrars():
        register(subparsers)
    args = parser.parse_args(argv)
    try:
        result: int = args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader closed the pipe (odatakit … | head): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    return result


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("odatakit")
    except PackageNotFoundError:  # a source checkout that was never installed
        return "(not installed)"


if __name__ == "__main__":
    sys.exit(main())
