"""The body of a geography/geometry literal (ABNF fullPointLiteral … fullCollectionLiteral):
``SRID=n;`` then a well-known-text shape, checked per shape: a Point holds one position, a
LineString two or more, a polygon's rings are closed (last position = first), MultiPoint holds
``(x y)`` groups, a Collection one or more shapes. A small recursive-descent reader with a depth
bound; every fault carries its offset inside the body. The parser only checks a body; the
evaluator reads its positions (``read_well_known_text``) from the same reader."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["MAX_NESTING", "SHAPES", "GeoError", "check_well_known_text", "read_well_known_text"]

_SRID = re.compile(r"SRID=[0-9]{1,5};", re.IGNORECASE)
_KIND = re.compile(r"(Point|LineString|Polygon|MultiPoint|MultiLineString|MultiPolygon|GeometryCollection|Collection)\(", re.IGNORECASE)
_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
#: positionLiteral = doubleValue SP doubleValue [ SP doubleValue ] [ SP doubleValue ] (z, m)
_POSITION = re.compile(rf"{_NUMBER}(?: {_NUMBER}){{1,3}}")
#: A shape's keyword as written (any case) → its name in the Edm type (``GeographyPoint``…).
SHAPES = {
    "point": "Point", "linestring": "LineString", "polygon": "Polygon", "multipoint": "MultiPoint",
    "multilinestring": "MultiLineString", "multipolygon": "MultiPolygon", "collection": "Collection",
    "geometrycollection": "Collection",
}
#: Collections inside collections: deeper than this is refused rather than recursed into.
MAX_NESTING = 32


class GeoError(ValueError):
    """A malformed geo literal body; ``offset`` is where inside the body the fault is."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class _Reader:
    def __init__(self, body: str) -> None:
        self.body = body
        self.at = 0

    def fail(self, message: str, at: int | None = None) -> GeoError:
        where = self.at if at is None else at
        return GeoError(f"{message} (at {self.body[where:where + 20]!r}, offset {where} in the literal)", where)

    def expect(self, char: str) -> None:
        if not self.body.startswith(char, self.at):
            raise self.fail(f"expected {char!r}")
        self.at += 1

    def comma(self) -> bool:
        if self.body.startswith(",", self.at):
            self.at += 1
            return True
        return False

    def position(self) -> tuple[str, ...]:
        match = _POSITION.match(self.body, self.at)
        if match is None:
            raise self.fail("expected a position 'x y'")
        self.at = match.end()
        return tuple(match.group().split(" "))

    def positions(self, fewest: int, what: str) -> list[tuple[str, ...]]:
        """``(p, p, …)`` with at least ``fewest`` positions."""
        start = self.at
        self.expect("(")
        found = [self.position()]
        while self.comma():
            found.append(self.position())
        self.expect(")")
        if len(found) < fewest:
            raise self.fail(f"{what} needs at least {fewest} positions, not {len(found)}", start)
        return found

    def ring(self) -> list[tuple[str, ...]]:
        start = self.at
        # ringLiteral: the first and last positions MUST match; the ABNF sets no minimum count
        # (the OASIS cases accept "(1 1,1 1)"), so the 4 of Simple Features is not asked for
        ring = self.positions(1, "a polygon ring")
        if ring[0] != ring[-1]:
            raise self.fail("a polygon ring is closed: its last position repeats its first", start)
        return ring

    def polygon(self) -> list[list[tuple[str, ...]]]:
        self.expect("(")
        rings = [self.ring()]
        while self.comma():
            rings.append(self.ring())
        self.expect(")")
        return rings

    def many(self, part: str) -> list[Any]:
        """``(part, part, …)`` or ``()``: the parts of a Multi… shape."""
        self.expect("(")
        parts: list[Any] = []
        if self.body.startswith(")", self.at):
            self.at += 1
            return parts
        while True:
            if part == "point":
                start = self.at
                found = self.positions(1, "a point")
                if len(found) != 1:
                    raise self.fail("each point of a MultiPoint holds one position", start)
                parts.append(found[0])
            elif part == "linestring":
                parts.append(self.positions(2, "a line string"))
            else:
                parts.append(self.polygon())
            if not self.comma():
                break
        self.expect(")")
        return parts

    def shape(self, depth: int) -> tuple[str, Any]:
        """The shape's kind as written and its parts: a position (a tuple of number texts) for a
        Point, a list of positions for a LineString, rings for a Polygon, parts for Multi… and
        ``(kind, parts)`` pairs for a Collection."""
        if depth > MAX_NESTING:
            raise self.fail(f"collections nested more than {MAX_NESTING} deep")
        kind_match = _KIND.match(self.body, self.at)
        if kind_match is None:
            raise self.fail("expected Point(, LineString(, Polygon(, MultiPoint(, MultiLineString(, MultiPolygon( or Collection(")
        kind = kind_match.group(1).lower()
        self.at = kind_match.end() - 1  # at the "("
        start = self.at
        parts: Any
        if kind == "point":
            found = self.positions(1, "a Point")
            if len(found) != 1:
                raise self.fail(f"a Point holds one position, not {len(found)}", start)
            parts = found[0]
        elif kind == "linestring":
            parts = self.positions(2, "a LineString")
        elif kind == "polygon":
            parts = self.polygon()
        elif kind == "multipoint":
            if _POSITION.match(self.body, self.at + 1):
                raise self.fail("MultiPoint writes each point in parentheses: MultiPoint((1 2),(3 4))", self.at + 1)
            parts = self.many("point")
        elif kind == "multilinestring":
            parts = self.many("linestring")
        elif kind == "multipolygon":
            parts = self.many("polygon")
        else:
            self.expect("(")
            parts = [self.member(depth + 1)]
            while self.comma():
                parts.append(self.member(depth + 1))
            self.expect(")")
        return kind_match.group(1), parts

    def member(self, depth: int) -> tuple[str, Any]:
        kind, parts = self.shape(depth)
        return SHAPES[kind.lower()], parts


def _read(body: str) -> tuple[int, str, Any]:
    srid = _SRID.match(body)
    if srid is None:
        raise GeoError("a geo literal starts with SRID=<number>; e.g. geography'SRID=0;Point(1 2)'", 0)
    reader = _Reader(body)
    reader.at = srid.end()
    kind, parts = reader.shape(0)
    if reader.at != len(body):
        raise reader.fail("unexpected text after the shape")
    return int(srid.group()[5:-1]), kind, parts


def check_well_known_text(body: str) -> str:
    """Return the outer shape kind of ``body`` as written (``Point``, ``polygon``…); GeoError if malformed."""
    return _read(body)[1]


def read_well_known_text(body: str) -> tuple[int, str, Any]:
    """``(srid, kind, parts)`` of ``body`` (see ``_Reader.shape``; kinds are ``SHAPES`` values,
    a collection's members ``(kind, parts)`` pairs); GeoError if malformed."""
    srid, kind, parts = _read(body)
    return srid, SHAPES[kind.lower()], parts
