"""What every subcommand reads its arguments with (its own module, so the commands and the entry
point do not import each other)."""

from __future__ import annotations

import sys

__all__ = ["read_argument"]


def read_argument(value: str) -> str:
    """A command's text argument; ``-`` means standard input."""
    if value == "-":
        return sys.stdin.read().rstrip("\r\n")
    return value
