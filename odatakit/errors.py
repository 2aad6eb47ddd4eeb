"""The exceptions odatakit raises: one family under ``Error``, one type per domain, each carrying
where the fault is.

Syntax errors point at an offset into the text as given; payload errors carry a JSON path per
fault; build errors name the part of a tree, URL or value made from Python that cannot be valid
OData. All three are ``ValueError`` too, so callers that only care about "bad input" can catch
that. A service's own error response is ``odatakit.ServiceError`` (``odatakit.http``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from typing import Any, Union

import attrs

__all__ = ["Error", "ODataSyntaxError", "PayloadError", "BuildError", "Fault", "PathPart", "json_path", "path_parts"]


def _caret_excerpt(text: str, offset: int, width: int = 72) -> str:
    """Show the stretch of ``text`` around ``offset`` with a caret under it (one line, clipped)."""
    offset = max(0, min(offset, len(text)))
    start = max(0, offset - width // 2)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    # Tabs and newlines would break the caret's alignment: show them as visible escapes of one column.
    shown = text[start:end].translate({9: "→", 10: "↵", 13: "↵"})
    return f"  {prefix}{shown}{suffix}\n  {' ' * (len(prefix) + offset - start)}^"


class Error(Exception):
    """Base of every exception odatakit raises about its input or a service's answer."""


class BuildError(Error, ValueError):
    """A query tree, URL or Edm value built from Python that cannot be valid OData (an unknown
    operator, a literal out of its type's range, a key that would not read back...)."""


class ODataSyntaxError(Error, ValueError):
    """Text that is not valid OData syntax: ``offset`` (0-based, into the text as given),
    ``expected`` (what could have come there, in OData words) and the text with a caret."""

    def __init__(self, reason: str, text: str, offset: int, expected: Iterable[str] = ()) -> None:
        self.reason = reason
        self.text = text
        self.offset = offset
        self.expected: tuple[str, ...] = tuple(sorted(set(expected)))
        super().__init__(self._render())

    def _render(self) -> str:
        lines = [f"{self.reason} at offset {self.offset}"]
        if self.expected:
            shown = list(self.expected[:12])
            more = len(self.expected) - len(shown)
            lines[0] += "; expected " + _one_of(shown) + (f" (or {more} more)" if more > 0 else "")
        lines.append(_caret_excerpt(self.text, self.offset))
        return "\n".join(lines)


def _one_of(words: Sequence[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


#: A JSON path step: an object member's name or an array index.
PathPart = Union[str, int]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(-?[0-9]+)\]|\['((?:[^'\\]|\\.)*)'\]|\[([^\]]*)\]", re.DOTALL)


def json_path(parts: Iterable[PathPart]) -> str:
    """The JSON path text of a sequence of steps: ``("value", 2, "a.b")`` → ``$.value[2]['a.b']``."""
    text = ["$"]
    for part in parts:
        if not isinstance(part, str):
            text.append(f"[{part!r}]")
        elif _NAME.fullmatch(part):
            text.append(f".{part}")
        else:
            text.append("['" + part.replace("\\", "\\\\").replace("'", "\\'") + "']")
    return "".join(text)


def path_parts(path: str | Iterable[PathPart]) -> tuple[PathPart, ...]:
    """The steps of a JSON path given as its text (``$.a[0]``, as ``json_path`` writes it) or as
    steps already; the inverse of ``json_path``."""
    if not isinstance(path, str):
        return tuple(path)
    if not path.startswith("$"):
        raise ValueError(f"a JSON path starts with '$': {path!r}")
    parts: list[PathPart] = []
    position = 1
    while position < len(path):
        step = _STEP.match(path, position)
        if step is None:
            raise ValueError(f"not a JSON path at offset {position}: {path!r}")
        name, index, quoted, other = step.groups()
        if name is not None:
            parts.append(name)
        elif index is not None:
            parts.append(int(index))
        elif quoted is not None:
            parts.append(re.sub(r"\\(.)", r"\1", quoted, flags=re.DOTALL))
        else:  # a key that is no JSON key (a Python tuple or None in a dict), shown by its repr
            parts.append(_python_key(other))
        position = step.end()
    return tuple(parts)


def _python_key(text: str) -> Any:
    try:
        return ast.literal_eval(text) if len(text) <= 200 else text
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


@attrs.frozen
class Fault:
    """One fault in a payload: where it is and why. ``path`` holds the steps (member names and
    array indices, as ``jsonschema``'s ``absolute_path``); ``json_path`` is its text,
    ``$.Extensions[0].DealValue``. A path may be given as either."""

    path: tuple[PathPart, ...] = attrs.field(converter=path_parts)
    message: str
    code: str = "invalid"

    @property
    def json_path(self) -> str:
        """The path as JSON path text: ``$.Extensions[0].DealValue``."""
        return json_path(self.path)

    def __str__(self) -> str:
        return f"{self.json_path}: {self.message}"


class PayloadError(Error, ValueError):
    """A payload that is not valid: carries every ``Fault`` found, each with its JSON path."""

    def __init__(self, faults: Sequence[Fault]) -> None:
        if not faults:
            raise ValueError("PayloadError needs at least one fault")
        self.faults: tuple[Fault, ...] = tuple(faults)
        head = f"{len(self.faults)} fault{'s' if len(self.faults) > 1 else ''} in payload"
        super().__init__(head + ":\n" + "\n".join(f"  {f}" for f in self.faults))
