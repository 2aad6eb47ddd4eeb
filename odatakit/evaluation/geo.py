"""Geography and geometry values and the geo functions (URL Conventions 4.01 §5.1.1.11).

A ``GeoValue`` comes from a literal (``geography'SRID=4326;Point(10.7 59.9)'``, read by the
parser's own reader) or from GeoJSON in the data (OData JSON §7.1) typed by an annotation, the
model, or the geo value it meets in a function. Positions are ``(x, y[, z[, m]])`` = (longitude,
latitude) for geography, held as exact ``Fraction``s.

- **Geometry** is planar: Euclidean distance and length in the coordinate units, point-in-polygon
  and segment tests in exact integer arithmetic, for any SRID (both operands share it).
- **Geography** is the WGS 84 ellipsoid (SRID 4326; SRID 0, "unknown", is read as 4326, as
  PostGIS does): distances and lengths are geodesics in metres, solved by GeographicLib (Karney's
  algorithms, accurate to nanometres), imported only when a geography value is measured.

Where a case has no defined answer — geography and geometry mixed, two SRIDs, a geography SRID
whose ellipsoid odatakit does not know, a geography polygon edge crossing the antimeridian —
the function raises an ``EvaluationError`` naming itself and the reason; it never guesses.
"""

from __future__ import annotations

import decimal
import functools
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from ..query._geo import MAX_NESTING, GeoError, read_well_known_text
from .values import DECIMAL_CONTEXT, EvaluationError, edm_type

__all__ = ["DEFAULT_SRID", "FUNCTIONS", "GeoValue", "from_geojson", "from_literal", "is_geo_type"]

Position = tuple[Fraction, ...]

#: CSDL §7.2.5: the SRID a value has when nothing says otherwise.
DEFAULT_SRID = {"Geography": 4326, "Geometry": 0}
#: The one geography SRID whose ellipsoid odatakit knows: WGS 84 (SRID 0, "unknown", is read as it).
_WGS84 = 4326
#: GeoJSON's ``type`` → the shape's name in the Edm type.
_GEOJSON_KINDS = {
    "Point": "Point", "LineString": "LineString", "Polygon": "Polygon", "MultiPoint": "MultiPoint",
    "MultiLineString": "MultiLineString", "MultiPolygon": "MultiPolygon", "GeometryCollection": "Collection",
}
_GEOJSON_NAMES = {kind: name for name, kind in _GEOJSON_KINDS.items()}
#: A point this close in latitude to a geography polygon's edge where it crosses the point's
#: meridian (about 0.1 mm) is on it: the edges are geodesics computed in floating point, so
#: "exactly on" has no exact test.
BOUNDARY_DEGREES = 1e-9


def is_geo_type(type_name: str | None) -> bool:
    """Whether ``type_name`` (``Edm.GeographyPoint``, ``#Geometry``, ``Collection(Edm.GeometryPoint)``…)
    names a geo type or a collection of one."""
    if type_name is None:
        return False
    name = type_name.lstrip("#").rpartition("/")[2]
    if name.startswith("Collection(") and name.endswith(")"):
        name = name[len("Collection("):-1]
    return name.removeprefix("Edm.").startswith(("Geography", "Geometry"))


@attrs.frozen
class GeoValue:
    """A geography or geometry value: its family, SRID, shape kind and parts (as the literal
    reader gives them, with positions as Fraction tuples; a collection's parts are
    ``(kind, parts)`` pairs)."""

    family: str
    srid: int
    kind: str
    parts: Any

    @property
    def type(self) -> str:
        """The Edm type name (``GeographyPoint``, ``GeometryCollection``…)."""
        return self.family + self.kind

    def to_geojson(self) -> dict[str, Any]:
        """The value as OData JSON writes it (GeoJSON, with ``crs`` when the SRID is not the default)."""
        out = _geojson(self.kind, self.parts)
        if self.srid != DEFAULT_SRID[self.family]:
            out["crs"] = {"type": "name", "properties": {"name": f"EPSG:{self.srid}"}}
        return out


def _family_of(type_name: str) -> tuple[str, str]:
    """``GeographyPoint`` → (``Geography``, ``Point``); an abstract ``Geography`` → kind ``""``."""
    name = type_name.lstrip("#").rpartition("/")[2].removeprefix("Edm.")
    family = "Geography" if name.startswith("Geography") else "Geometry"
    return family, name[len(family):]


def _srid(family: str, srid: int) -> int:
    return _WGS84 if family == "Geography" and srid == 0 else srid


# -- reading ----------------------------------------------------------------------------------
def _number(raw: Any) -> Fraction:
    """An exact coordinate: an int, a Decimal read from JSON text, a float, or a literal's number."""
    if raw.__class__ is bool or not isinstance(raw, (int, float, Decimal, Fraction)):
        raise EvaluationError(f"a coordinate is a number, not {raw!r}")
    try:
        value = Fraction(raw)
        float(value)
    except (ValueError, OverflowError):
        raise EvaluationError(f"the coordinate {raw!r} is not a finite Edm.Double") from None
    return value


def _position(raw: Sequence[Any]) -> Position:
    if not isinstance(raw, (list, tuple)) or not 2 <= len(raw) <= 4:
        raise EvaluationError(f"a position is 2 to 4 numbers (x y [z [m]]), not {raw!r}")
    return tuple(_number(n) for n in raw)


def _positions(raw: Any, fewest: int, what: str) -> tuple[Position, ...]:
    if not isinstance(raw, (list, tuple)) or len(raw) < fewest:
        raise EvaluationError(f"{what} needs a list of at least {fewest} positions, not {raw!r}")
    return tuple(_position(p) for p in raw)


def _ring(raw: Any) -> tuple[Position, ...]:
    ring = _positions(raw, 1, "a polygon ring")
    if ring[0] != ring[-1]:
        raise EvaluationError("a polygon ring is closed: its last position repeats its first")
    return ring


def _rings(raw: Any) -> tuple[tuple[Position, ...], ...]:
    if not isinstance(raw, (list, tuple)) or not raw:
        raise EvaluationError(f"a polygon needs one or more rings, not {raw!r}")
    return tuple(_ring(r) for r in raw)


def _many(raw: Any, read: Callable[[Any], Any], what: str) -> tuple[Any, ...]:
    if not isinstance(raw, (list, tuple)):
        raise EvaluationError(f"a {what} holds a list, not {raw!r}")
    return tuple(read(item) for item in raw)


#: Shape kind → reader of its parts (WKT texts and GeoJSON arrays have the same nesting).
_READERS: dict[str, Callable[[Any], Any]] = {
    "Point": _position,
    "LineString": lambda raw: _positions(raw, 2, "a LineString"),
    "Polygon": _rings,
    "MultiPoint": lambda raw: _many(raw, _position, "MultiPoint"),
    "MultiLineString": lambda raw: _many(raw, lambda r: _positions(r, 2, "a LineString"), "MultiLineString"),
    "MultiPolygon": lambda raw: _many(raw, _rings, "MultiPolygon"),
}


def _checked_kind(family: str, expected: str, kind: str, what: str) -> None:
    if expected and expected != kind:
        raise EvaluationError(f"{what} is a {family}{kind}, not the {family}{expected} its type says")


def from_literal(type_name: str, text: str) -> GeoValue:
    """The value of a geo literal (``Literal("GeographyPoint", "SRID=4326;Point(1 2)")``)."""
    family, expected = _family_of(type_name)
    try:
        srid, kind, parts = read_well_known_text(text)
    except GeoError as error:
        raise EvaluationError(f"{family.lower()}'{text}' is not a geo literal: {error}") from None
    _checked_kind(family, expected, kind, f"{family.lower()}'{text}'")
    return GeoValue(family, _srid(family, srid), kind, _from_text(kind, parts))


def _from_text(kind: str, parts: Any) -> Any:
    if kind == "Collection":
        return tuple((k, _from_text(k, p)) for k, p in parts)
    return _READERS[kind](_exact(parts))


def _exact(parts: Any) -> Any:
    """The literal's number texts (``'1.5e3'``) as exact Fractions, in the same nesting."""
    if isinstance(parts, tuple):
        return tuple(Fraction(text) for text in parts)
    return [_exact(p) for p in parts]


def from_geojson(raw: Any, type_name: str, srid: int | None = None) -> GeoValue:
    """The value of a GeoJSON object (OData JSON §7.1) whose Edm type is ``type_name``; its
    ``crs`` (``{"type": "name", "properties": {"name": "EPSG:4326"}}``) gives the SRID, else
    ``srid`` (the model's SRID facet), else the family's default."""
    family, expected = _family_of(type_name)
    kind, parts = _geojson_shape(raw, 0)
    _checked_kind(family, expected, kind, "the GeoJSON value")
    return GeoValue(family, _srid(family, _crs(raw, DEFAULT_SRID[family] if srid is None else srid)), kind, parts)


def _geojson_shape(raw: Any, depth: int) -> tuple[str, Any]:
    if depth > MAX_NESTING:
        raise EvaluationError(f"GeoJSON collections nested more than {MAX_NESTING} deep")
    if not isinstance(raw, dict) or raw.get("type") not in _GEOJSON_KINDS:
        raise EvaluationError(f"a geo value is a GeoJSON object with a type ({', '.join(_GEOJSON_KINDS)}), "
                              f"not {_shown(raw)}")
    kind = _GEOJSON_KINDS[raw["type"]]
    if kind == "Collection":
        members = raw.get("geometries")
        if not isinstance(members, list):
            raise EvaluationError("a GeoJSON GeometryCollection holds its shapes in \"geometries\"")
        return kind, tuple(_geojson_shape(m, depth + 1) for m in members)
    if "coordinates" not in raw:
        raise EvaluationError(f"a GeoJSON {raw['type']} holds \"coordinates\"")
    return kind, _READERS[kind](raw["coordinates"])


def _crs(raw: dict[str, Any], default: int) -> int:
    crs = raw.get("crs")
    if crs is None:
        return default
    name = crs.get("properties", {}).get("name") if isinstance(crs, dict) and crs.get("type") == "name" else None
    if isinstance(name, str):
        head, _, number = name.upper().rpartition(":")
        if head in ("EPSG", "URN:OGC:DEF:CRS:EPSG:") and number.isdigit() and number.isascii():
            return int(number)
    raise EvaluationError(f"the GeoJSON crs {_shown(crs)} is not a named EPSG SRID "
                          "({\"type\": \"name\", \"properties\": {\"name\": \"EPSG:4326\"}}, OData JSON §7.1)")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _geojson(kind: str, parts: Any) -> dict[str, Any]:
    if kind == "Collection":
        return {"type": "GeometryCollection", "geometries": [_geojson(k, p) for k, p in parts]}
    return {"type": _GEOJSON_NAMES[kind], "coordinates": _json_numbers(parts)}


def _json_numbers(parts: Any) -> Any:
    """Coordinates as JSON numbers, each exact: integers, a float where it is one (a binary
    fraction: JSON writes it shortest, ``0.1`` and not its 55 exact digits), else a Decimal."""
    if isinstance(parts, Fraction):
        if parts.denominator == 1:
            return parts.numerator
        if parts.denominator & (parts.denominator - 1) == 0 and float(parts) == parts:
            return float(parts)
        return DECIMAL_CONTEXT.divide(Decimal(parts.numerator), Decimal(parts.denominator))
    return [_json_numbers(p) for p in parts]


# -- the arguments ----------------------------------------------------------------------------
def _geo(name: str, value: Any, hint: GeoValue | None) -> GeoValue:
    """An argument as a GeoValue: an untyped GeoJSON object takes the family and SRID default of
    the geo value it meets (OData JSON §7.1: the type "is inferred from its usage")."""
    if isinstance(value, GeoValue):
        return value
    if value.__class__ is dict:
        if hint is None:
            raise EvaluationError(f"{name}(): a GeoJSON value without a type cannot say whether it is a "
                                  "Geography or a Geometry; annotate it (\"Loc@odata.type\": \"#GeographyPoint\") "
                                  "or give a model")
        return from_geojson(value, hint.family)
    raise EvaluationError(f"{name}() takes geography or geometry values, not Edm.{edm_type(value)}")


def _pair(name: str, a: Any, b: Any) -> tuple[GeoValue, GeoValue]:
    first = a if isinstance(a, GeoValue) else None
    second = b if isinstance(b, GeoValue) else None
    x, y = _geo(name, a, second), _geo(name, b, first)
    if x.family != y.family:
        raise EvaluationError(f"{name}() of Edm.{x.type} and Edm.{y.type}: geography and geometry do not mix "
                              "(one is on the ellipsoid, the other planar)")
    if x.srid != y.srid:
        raise EvaluationError(f"{name}() of values in SRID {x.srid} and SRID {y.srid}: odatakit does not "
                              "transform between coordinate systems")
    return x, y


def _refuse(name: str, values: Sequence[GeoValue], why: str) -> EvaluationError:
    shown = ", ".join(f"Edm.{v.type}" for v in values)
    return EvaluationError(f"{name}({shown}) is not evaluated: {why}")


# -- planar geometry (exact) ------------------------------------------------------------------
#: Positions on an integer grid: both shapes' coordinates times the least common denominator of
#: them all, so every test below is exact integer arithmetic (fast, unlike Fractions with the
#: 2**52 denominators that floats bring).
Point = tuple[int, int]
Segment = tuple[Point, Point]
#: Most segment pairs two geometry shapes are compared over (each pair is a few integer products);
#: larger inputs are refused with an error rather than left to run for minutes.
MAX_SEGMENT_PAIRS = 250_000


@attrs.frozen
class _Parts:
    """A shape taken apart on the grid: its points, the segments of its lines and polygon rings,
    its polygons (as rings), and one position per line or polygon to test containment with."""

    points: tuple[Point, ...]
    segments: tuple[Segment, ...]
    polygons: tuple[tuple[tuple[Point, ...], ...], ...]
    anchors: tuple[Point, ...]

    @property
    def empty(self) -> bool:
        return not (self.points or self.segments or self.polygons)


def _pieces(kind: str, parts: Any) -> tuple[list[Position], list[Sequence[Position]], list[Any]]:
    """The points, lines and polygons of a shape (a collection's members flattened)."""
    points: list[Position] = []
    lines: list[Sequence[Position]] = []
    polygons: list[Any] = []

    def add(kind: str, parts: Any) -> None:
        if kind == "Point":
            points.append(parts)
        elif kind == "MultiPoint":
            points.extend(parts)
        elif kind == "LineString":
            lines.append(parts)
        elif kind == "MultiLineString":
            lines.extend(parts)
        elif kind == "Polygon":
            polygons.append(parts)
        elif kind == "MultiPolygon":
            polygons.extend(parts)
        else:
            for member_kind, member_parts in parts:
                add(member_kind, member_parts)

    add(kind, parts)
    return points, lines, polygons


def _on_grid(x: GeoValue, y: GeoValue) -> tuple[_Parts, _Parts, int]:
    """Both shapes taken apart on one integer grid, and the grid's scale (units per coordinate unit)."""
    pieces = (_pieces(x.kind, x.parts), _pieces(y.kind, y.parts))
    scale = 1
    for points, lines, polygons in pieces:
        every = [*points, *(p for line in lines for p in line), *(p for g in polygons for r in g for p in r)]
        for position in every:
            scale = math.lcm(scale, position[0].denominator, position[1].denominator)

    def grid(p: Position) -> Point:
        return int(p[0] * scale), int(p[1] * scale)

    def apart(points: list[Position], lines: list[Sequence[Position]], polygons: list[Any]) -> _Parts:
        grid_lines = [tuple(map(grid, line)) for line in lines]
        grid_polygons = tuple(tuple(tuple(map(grid, ring)) for ring in g) for g in polygons)
        segments = [s for line in grid_lines for s in _edges(line)]
        segments += [s for g in grid_polygons for ring in g for s in _edges(ring)]
        anchors = [line[0] for line in grid_lines] + [g[0][0] for g in grid_polygons]
        return _Parts(tuple(map(grid, points)), tuple(segments), grid_polygons, tuple(anchors))

    first, second = apart(*pieces[0]), apart(*pieces[1])
    work = (len(first.segments) + len(first.points)) * (len(second.segments) + len(second.points))
    if work > MAX_SEGMENT_PAIRS:
        raise EvaluationError(f"the two geometry shapes have {work:,} pairs of parts to compare, more than the "
                              f"{MAX_SEGMENT_PAIRS:,} odatakit compares exactly")
    return first, second, scale


def _edges(ring: Sequence[Point]) -> Iterator[Segment]:
    if len(ring) == 1:
        yield ring[0], ring[0]
    yield from itertools.pairwise(ring)


def _cross(o: Point, a: Point, b: Point) -> int:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _on_segment(p: Point, segment: Segment) -> bool:
    a, b = segment
    return (_cross(a, b, p) == 0 and min(a[0], b[0]) <= p[0] <= max(a[0], b[0])
            and min(a[1], b[1]) <= p[1] <= max(a[1], b[1]))


def _segments_meet(s: Segment, t: Segment) -> bool:
    """Whether two closed segments share a point (crossing, touching or overlapping)."""
    (a, b), (c, d) = s, t
    if max(a[0], b[0]) < min(c[0], d[0]) or max(c[0], d[0]) < min(a[0], b[0]) \
            or max(a[1], b[1]) < min(c[1], d[1]) or max(c[1], d[1]) < min(a[1], b[1]):
        return False
    d1, d2, d3, d4 = _cross(c, d, a), _cross(c, d, b), _cross(a, b, c), _cross(a, b, d)
    if ((d1 > 0 and d2 < 0) or (d1 < 0 and d2 > 0)) and ((d3 > 0 and d4 < 0) or (d3 < 0 and d4 > 0)):
        return True
    return any(_on_segment(p, seg) for p, seg in ((a, t), (b, t), (c, s), (d, s)))


def _in_polygon(p: Point, rings: Sequence[Sequence[Point]]) -> bool:
    """Inside or on the boundary (§5.1.1.11.2), holes by the even–odd rule over all rings."""
    if any(_on_segment(p, edge) for ring in rings for edge in _edges(ring)):
        return True
    inside = False
    for ring in rings:
        for a, b in itertools.pairwise(ring):
            if (a[1] > p[1]) != (b[1] > p[1]):
                # p lies left of the edge's crossing of its row: (p.x - a.x)·dy < (p.y - a.y)·dx, sign-aware
                dy = b[1] - a[1]
                left = (p[0] - a[0]) * dy - (p[1] - a[1]) * (b[0] - a[0])
                if (left < 0) == (dy > 0):
                    inside = not inside
    return inside


def _planar_intersects(x: _Parts, y: _Parts) -> bool:
    def one_way(a: _Parts, b: _Parts) -> bool:
        return (any(_on_segment(p, s) for p in a.points for s in b.segments)
                or any(_in_polygon(p, g) for p in a.points + a.anchors for g in b.polygons))

    return (any(p == q for p in x.points for q in y.points)
            or any(_segments_meet(s, t) for s in x.segments for t in y.segments)
            or one_way(x, y) or one_way(y, x))


#: √ of an exact ratio: 40 digits (past a Double's 17) and any exponent, then one float rounding.
_ROOT_CONTEXT = decimal.Context(prec=40, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def _root(numerator: int, denominator: int) -> float:
    """√(numerator / denominator) as a Double, neither overflowing nor underflowing on the way."""
    return float(_ROOT_CONTEXT.sqrt(_ROOT_CONTEXT.divide(Decimal(numerator), Decimal(denominator))))


def _squared_to_segment(p: Point, segment: Segment) -> tuple[int, int]:
    """The squared distance from ``p`` to the segment as a ratio of integers (exact)."""
    a, b = segment
    dx, dy = b[0] - a[0], b[1] - a[1]
    px, py = p[0] - a[0], p[1] - a[1]
    along, span = px * dx + py * dy, dx * dx + dy * dy
    if span == 0 or along <= 0:
        return px * px + py * py, 1
    if along >= span:
        qx, qy = p[0] - b[0], p[1] - b[1]
        return qx * qx + qy * qy, 1
    return (px * px + py * py) * span - along * along, span


def _planar_distance(x: _Parts, y: _Parts, scale: int) -> float:
    """The least distance between any point of one and any point of the other (0 when they meet)."""
    if _planar_intersects(x, y):
        return 0.0
    def candidates() -> Iterator[tuple[int, int]]:
        yield from (((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2, 1) for p in x.points for q in y.points)
        yield from (_squared_to_segment(p, s) for p in x.points for s in y.segments)
        yield from (_squared_to_segment(p, s) for p in y.points for s in x.segments)
        for s in x.segments:
            for t in y.segments:
                yield from (_squared_to_segment(s[0], t), _squared_to_segment(s[1], t),
                            _squared_to_segment(t[0], s), _squared_to_segment(t[1], s))

    best_numerator, best_denominator = None, 1
    for numerator, denominator in candidates():
        if best_numerator is None or numerator * best_denominator < best_numerator * denominator:
            best_numerator, best_denominator = numerator, denominator
    assert best_numerator is not None  # two non-empty shapes have a point or a segment each
    return _root(best_numerator, best_denominator * scale * scale)


def _segment_length(a: Position, b: Position) -> float:
    return math.hypot(float(a[0] - b[0]), float(a[1] - b[1]))


# -- the ellipsoid (GeographicLib) ------------------------------------------------------------
def _wgs84() -> Any:
    try:
        from geographiclib.geodesic import Geodesic
    except ImportError:  # pragma: no cover - the extra is missing
        raise EvaluationError("geography distances and lengths need the geographiclib package: "
                              "pip install 'odatakit[evaluate]'") from None
    return Geodesic.WGS84


def _lon_lat(name: str, p: Position) -> tuple[float, float]:
    lon, lat = float(p[0]), float(p[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise EvaluationError(f"{name}(): the geography position ({lon} {lat}) is not a longitude in "
                              "[-180, 180] and a latitude in [-90, 90]")
    return lon, lat


def _geodesic(name: str, a: Position, b: Position) -> float:
    """The length in metres of the shortest geodesic between two positions on WGS 84."""
    lon1, lat1 = _lon_lat(name, a)
    lon2, lat2 = _lon_lat(name, b)
    return float(_wgs84().Inverse(lat1, lon1, lat2, lon2)["s12"])


def _check_geography(name: str, values: Sequence[GeoValue]) -> None:
    if values[0].srid != _WGS84:
        raise _refuse(name, values, f"geography in SRID {values[0].srid} is on an ellipsoid odatakit does not "
                                    f"know; it measures WGS 84 (SRID {_WGS84})")


@attrs.frozen
class _Edge:
    """A geography polygon edge as drawn in longitude/latitude: its ends and its geodesic line."""

    lon1: float
    lat1: float
    lon2: float
    lat2: float
    line: Any

    def latitude_at(self, lon: float) -> float:
        """The edge's latitude where it meets the meridian ``lon`` (between its ends): longitude
        runs monotonically along a geodesic (Clairaut), so bisection on the distance finds it."""
        if lon == self.lon1:
            return self.lat1
        if lon == self.lon2:
            return self.lat2
        from geographiclib.geodesic import Geodesic

        low, high = 0.0, float(self.line.s13)
        rising = self.lon2 > self.lon1
        mask = Geodesic.LATITUDE | Geodesic.LONGITUDE | Geodesic.LONG_UNROLL
        for _ in range(64):
            middle = (low + high) / 2
            if (self.line.Position(middle, mask)["lon2"] < lon) == rising:
                low = middle
            else:
                high = middle
        return float(self.line.Position((low + high) / 2, mask)["lat2"])


@functools.lru_cache(maxsize=64)
def _geography_edges(name: str, rings: tuple[tuple[Position, ...], ...]) -> tuple[_Edge, ...]:
    """The edges of a geography polygon, refused where the drawing in longitude/latitude does not
    say which region is meant: a vertex at a pole, or an edge spanning 180° of longitude or more
    (it crosses the antimeridian) or whose shortest geodesic runs another way than drawn."""
    from geographiclib.geodesic import Geodesic

    geodesic = _wgs84()
    edges = []
    for ring in rings:
        for a, b in itertools.pairwise(ring):
            lon1, lat1 = _lon_lat(name, a)
            lon2, lat2 = _lon_lat(name, b)
            if abs(lat1) == 90 or abs(lat2) == 90:
                raise EvaluationError(f"{name}(): a geography polygon with a vertex at a pole has no defined "
                                      "edges in longitude; odatakit does not evaluate it")
            if abs(lon2 - lon1) >= 180:
                raise EvaluationError(f"{name}(): the geography polygon edge from ({lon1} {lat1}) to ({lon2} "
                                      f"{lat2}) crosses the antimeridian (it spans 180° or more of longitude); "
                                      "which region it bounds is not defined, so odatakit does not guess")
            if (lon1, lat1) == (lon2, lat2):
                continue
            line = geodesic.InverseLine(lat1, lon1, lat2, lon2,
                                        Geodesic.LATITUDE | Geodesic.LONGITUDE | Geodesic.DISTANCE_IN)
            end = line.Position(line.s13, Geodesic.LONGITUDE | Geodesic.LONG_UNROLL)["lon2"]
            if abs(end - lon2) > 1e-9:
                raise EvaluationError(f"{name}(): the shortest geodesic from ({lon1} {lat1}) to ({lon2} {lat2}) "
                                      "does not run as the polygon is drawn (the vertices are nearly antipodal)")
            edges.append(_Edge(lon1, lat1, lon2, lat2, line))
    return tuple(edges)


def _geography_in_polygon(name: str, p: Position, rings: tuple[tuple[Position, ...], ...]) -> bool:
    """Inside or on the boundary of a polygon whose edges are geodesics: the region its rings
    enclose as drawn in longitude/latitude (never a pole; ring orientation does not matter), by a
    ray north along the point's meridian and the even–odd rule over all rings."""
    edges = _geography_edges(name, rings)
    lon, lat = _lon_lat(name, p)
    # a point on the antimeridian is at either end of the drawing
    return any(_in_edges(x, lat, edges) for x in ((180.0, -180.0) if abs(lon) == 180 else (lon,)))


def _in_edges(lon: float, lat: float, edges: Sequence[_Edge]) -> bool:
    inside = False
    for edge in edges:
        low, high = min(edge.lon1, edge.lon2), max(edge.lon1, edge.lon2)
        if not low <= lon <= high:
            continue
        if low == high:  # along a meridian
            if min(edge.lat1, edge.lat2) - BOUNDARY_DEGREES <= lat <= max(edge.lat1, edge.lat2) + BOUNDARY_DEGREES:
                return True
            continue
        crossing = edge.latitude_at(lon)
        if abs(crossing - lat) <= BOUNDARY_DEGREES:
            return True
        if lon < high and crossing > lat:  # half-open in longitude: a vertex counts once
            inside = not inside
    return inside


# -- the functions ----------------------------------------------------------------------------
def _distance(a: Any, b: Any) -> float | None:
    """``geo.distance`` (§5.1.1.11.1): the shortest distance, in the CRS's units. Geometry: any
    two shapes, planar; geography: two points, the WGS 84 geodesic in metres. An empty shape has
    no distance: null."""
    x, y = _pair("geo.distance", a, b)
    if x.family == "Geometry":
        first, second, scale = _on_grid(x, y)
        if first.empty or second.empty:
            return None
        return _planar_distance(first, second, scale)
    _check_geography("geo.distance", (x, y))
    if x.kind != "Point" or y.kind != "Point":
        raise _refuse("geo.distance", (x, y), "on the ellipsoid odatakit measures between two points "
                                              "(the spec's signature); the distance from a point to a geodesic "
                                              "line or polygon needs an intercept it does not compute")
    return _geodesic("geo.distance", x.parts, y.parts)


def _length_of(a: Any) -> float:
    """``geo.length`` (§5.1.1.11.3): the total length of a LineString (or MultiLineString) in the
    CRS's units: planar for geometry, WGS 84 geodesics in metres for geography."""
    x = _geo("geo.length", a, None)
    if x.kind == "LineString":
        lines = [x.parts]
    elif x.kind == "MultiLineString":
        lines = list(x.parts)
    else:
        raise _refuse("geo.length", (x,), "the length is of a LineString or a MultiLineString")
    pairs = [(p, q) for line in lines for p, q in itertools.pairwise(line)]
    if x.family == "Geometry":
        return math.fsum(_segment_length(p, q) for p, q in pairs)
    _check_geography("geo.length", (x,))
    return math.fsum(_geodesic("geo.length", p, q) for p, q in pairs)


def _intersects(a: Any, b: Any) -> bool:
    """``geo.intersects`` (§5.1.1.11.2): whether the shapes share a point (a point on a polygon's
    boundary counts). Geometry: any two shapes, exactly; geography: a point and a polygon."""
    x, y = _pair("geo.intersects", a, b)
    if x.family == "Geometry":
        first, second, _ = _on_grid(x, y)
        return _planar_intersects(first, second)
    _check_geography("geo.intersects", (x, y))
    point, area = (x, y) if x.kind == "Point" else (y, x)
    if point.kind != "Point" or area.kind not in ("Polygon", "MultiPolygon"):
        raise _refuse("geo.intersects", (x, y), "on the ellipsoid odatakit tests a point against a polygon "
                                                "(the spec's signature) and nothing else")
    polygons = [area.parts] if area.kind == "Polygon" else list(area.parts)
    return any(_geography_in_polygon("geo.intersects", point.parts, rings) for rings in polygons)


#: Canonical geo function name → implementation over non-null runtime values.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "geo.distance": _distance,
    "geo.length": _length_of,
    "geo.intersects": _intersects,
}
