"""The body of a geography/geometry literal (ABNF fullPointLiteral … fullCollectionLiteral):
``SRID=n;`` then a well-known-text shape. Checked with a small iterative scanner, since the
shapes nest (collections of collections) and Lark would need a grammar of its own for them."""

from __future__ import annotations

import re

__all__ = ["check_well_known_text"]

_SRID = re.compile(r"SRID=[0-9]{1,5};", re.IGNORECASE)
_KIND = re.compile(r"(Point|LineString|Polygon|MultiPoint|MultiLineString|MultiPolygon|GeometryCollection|Collection)\(", re.IGNORECASE)
_POSITION = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?: -?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?){1,3}")


def check_well_known_text(body: str) -> str:
    """Return the outer shape kind of ``body`` (``Point``, ``Polygon``…); ValueError if malformed."""
    srid = _SRID.match(body)
    if srid is None:
        raise ValueError("a geo literal starts with SRID=<number>; e.g. geography'SRID=0;Point(1 2)'")
    position = srid.end()
    kind = _KIND.match(body, position)
    if kind is None:
        raise ValueError(f"expected Point(, LineString(, Polygon(… at {body[position:position + 20]!r}")
    depth = 0
    index = position
    while index < len(body):
        shape = _KIND.match(body, index)
        if shape:
            depth += 1
            index = shape.end()
            continue
        char = body[index]
        if char == "(":
            depth += 1
            index += 1
        elif char == ")":
            depth -= 1
            index += 1
            if depth == 0 and index != len(body):
                raise ValueError(f"unexpected text after the shape: {body[index:index + 20]!r}")
        elif char == ",":
            index += 1
        else:
            coordinates = _POSITION.match(body, index)
            if coordinates is None:
                raise ValueError(f"expected coordinates 'x y' at {body[index:index + 20]!r}")
            index = coordinates.end()
        if depth < 0:
            raise ValueError("unbalanced ')'")
    if depth != 0:
        raise ValueError("unbalanced '('")
    return kind.group(1)
