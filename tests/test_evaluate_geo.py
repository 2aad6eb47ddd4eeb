"""Geo functions (URL Conventions 4.01 §5.1.1.11: geo.distance, geo.length, geo.intersects).

Geometry is planar (Euclidean, exact rational tests); geography is the WGS 84 ellipsoid (SRID
4326), measured with GeographicLib. Expected values are hand-checked: 3-4-5 triangles; one degree
of longitude on the equator is a·π/180 = 6378137·π/180 = 111319.491 m (the equator is a geodesic);
the WGS 84 quarter meridian is 10001965.729 m; Wellington–Salamanca is GeographicLib's own
documented example, 19959679.267 m. Cases without a defined answer are errors naming the function.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from odatakit import encode_json, evaluate, evaluate_filter
from odatakit.evaluation import EvaluationError
from odatakit.evaluation.filter import compile_expression

pytest.importorskip("geographiclib")


def value(expr: str, entity: dict | None = None):
    return compile_expression(expr).value({} if entity is None else entity)


def geom(wkt: str, srid: int = 0) -> str:
    return f"geometry'SRID={srid};{wkt}'"


def geog(wkt: str, srid: int = 4326) -> str:
    return f"geography'SRID={srid};{wkt}'"


SQUARE = geom("Polygon((0 0,2 0,2 2,0 2,0 0))")
WITH_HOLE = geom("Polygon((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4))")


# -- geometry: planar, exact ------------------------------------------------------------------
@pytest.mark.parametrize(("expr", "expected"), [
    (f"geo.distance({geom('Point(0 0)')},{geom('Point(3 4)')})", 5.0),
    (f"geo.distance({geom('Point(-1.5 -2)')},{geom('Point(1.5 2)')})", 5.0),
    # point to a line: the nearest point of the segment x=4 is (4 1)
    (f"geo.distance({geom('Point(5 1)')},{geom('LineString(0 0,4 0,4 4)')})", 1.0),
    # point to a polygon: 0 inside or on it, else the distance to its boundary
    (f"geo.distance({geom('Point(3 1)')},{SQUARE})", 1.0),
    (f"geo.distance({geom('Point(1 1)')},{SQUARE})", 0.0),
    (f"geo.distance({geom('Point(5 5)')},{WITH_HOLE})", 1.0),          # in the hole: outside the polygon
    (f"geo.distance({SQUARE},{geom('Point(3 1)')})", 1.0),           # symmetric
    (f"geo.distance({SQUARE},{geom('Polygon((4 0,5 0,5 1,4 0))')})", 2.0),
    (f"geo.distance({geom('MultiPoint((10 10),(3 4))')},{geom('Point(0 0)')})", 5.0),
    (f"geo.distance({geom('Collection(Point(9 9),LineString(3 4,3 5))')},{geom('Point(0 0)')})", 5.0),
    (f"geo.distance({geom('LineString(0 0,2 2)')},{geom('LineString(0 2,2 0)')})", 0.0),  # they cross
    (f"geo.length({geom('LineString(0 0,3 4,3 10)')})", 11.0),
    (f"geo.length({geom('MultiLineString((0 0,3 4),(1 1,1 2))')})", 6.0),
    (f"geo.length({geom('MultiLineString()')})", 0.0),
])
def test_geometry_distance_and_length_are_euclidean_5_1_1_11(expr, expected):
    assert value(expr) == expected


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("Point(1 1)", "Polygon((0 0,2 0,2 2,0 2,0 0))", True),     # interior
    ("Point(2 1)", "Polygon((0 0,2 0,2 2,0 2,0 0))", True),     # on the boundary counts (§5.1.1.11.2)
    ("Point(0 0)", "Polygon((0 0,2 0,2 2,0 2,0 0))", True),     # a vertex
    ("Point(3 1)", "Polygon((0 0,2 0,2 2,0 2,0 0))", False),
    ("Point(5 5)", "Polygon((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4))", False),  # in the hole
    ("Point(4 5)", "Polygon((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4))", True),   # on the hole's edge
    ("Point(1 9)", "Polygon((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4))", True),
    # exactly on an edge in decimal coordinates: rational arithmetic, no floating-point miss
    ("Point(0.1 0.7)", "Polygon((0 0,0.3 2.1,1 0,0 0))", True),
    ("Point(1 1)", "MultiPolygon(((5 5,6 5,6 6,5 5)),((0 0,2 0,2 2,0 0)))", True),
    ("LineString(0 0,2 2)", "LineString(0 2,2 0)", True),       # crossing lines
    ("LineString(0 0,1 1)", "LineString(1 1,2 0)", True),       # touching ends
    ("LineString(0 0,1 1)", "LineString(2 2,3 3)", False),      # collinear, apart
    ("LineString(1 1,1.5 1.5)", "Polygon((0 0,2 0,2 2,0 2,0 0))", True),   # a line inside
    ("Polygon((3 3,4 3,4 4,3 3))", "Polygon((0 0,2 0,2 2,0 2,0 0))", False),
    ("Polygon((-1 -1,9 -1,9 9,-1 -1))", "Polygon((0 0,2 0,2 2,0 2,0 0))", True),  # overlapping
    ("Point(3 4)", "Point(3 4)", True),
    ("MultiPoint()", "Polygon((0 0,2 0,2 2,0 2,0 0))", False),  # nothing to share
])
def test_geometry_intersects_shares_a_point_exactly_5_1_1_11_2(a, b, expected):
    assert value(f"geo.intersects({geom(a)},{geom(b)})") is expected
    assert value(f"geo.intersects({geom(b)},{geom(a)})") is expected


def test_geometry_distances_are_exact_until_the_final_rounding():
    # exact on the integer grid, rounded at the end: √(0.1² + 0.2²) = √0.05, tiny and huge alike
    assert value(f"geo.distance({geom('Point(0 0)')},{geom('Point(0.1 0.2)')})") == 0.05 ** 0.5
    assert value(f"geo.distance({geom('Point(0 1e-300)')},{geom('Point(0 3e-300)')})") == 2e-300
    assert value(f"geo.distance({geom('Point(0 -1e300)')},{geom('Point(0 1e300)')})") == 2e300


def test_huge_geometry_comparisons_end_in_a_clear_error_not_minutes_of_work():
    ring = [[i, 0] for i in range(600)] + [[599, 1], [0, 0]]
    entity = {"A@odata.type": "#GeometryPolygon", "A": {"type": "Polygon", "coordinates": [ring]},
              "B@odata.type": "#GeometryPolygon",
              "B": {"type": "Polygon", "coordinates": [[[x, y + 10] for x, y in ring]]}}
    with pytest.raises(EvaluationError, match="pairs of parts to compare"):
        value("geo.distance(A,B)", entity)


def test_nested_geojson_collections_are_bounded():
    shape: dict = {"type": "Point", "coordinates": [0, 0]}
    for _ in range(40):
        shape = {"type": "GeometryCollection", "geometries": [shape]}
    with pytest.raises(EvaluationError, match="nested more than 32"):
        value(f"geo.distance(S,{geom('Point(0 0)')})", {"S@odata.type": "#GeometryCollection", "S": shape})


def test_a_geometry_distance_to_an_empty_shape_is_null():
    assert value(f"geo.distance({geom('MultiPoint()')},{geom('Point(0 0)')})") is None


# -- geography: the WGS 84 ellipsoid ----------------------------------------------------------
@pytest.mark.parametrize(("expr", "metres"), [
    # GeographicLib's documented example: Wellington, NZ (41.32S, 174.81E) to Salamanca (40.96N, 5.50W)
    (f"geo.distance({geog('Point(174.81 -41.32)')},{geog('Point(-5.50 40.96)')})", 19959679.267),
    (f"geo.distance({geog('Point(0 0)')},{geog('Point(1 0)')})", 111319.491),      # a·π/180 on the equator
    (f"geo.distance({geog('Point(0 0)')},{geog('Point(0 90)')})", 10001965.729),   # the quarter meridian
    (f"geo.distance({geog('Point(179.5 0)')},{geog('Point(-179.5 0)')})", 111319.491),  # across the antimeridian
    (f"geo.length({geog('LineString(0 0,1 0,2 0)')})", 2 * 111319.491),
    (f"geo.length({geog('LineString(0 0,0 90)')})", 10001965.729),
    # SRID 0 ("unknown") on geography is read as 4326, so the spec's own example literal measures
    (f"geo.distance({geog('Point(0 0)', 0)},{geog('Point(1 0)')})", 111319.491),
])
def test_geography_distance_and_length_are_wgs84_geodesics_in_metres_5_1_1_11(expr, metres):
    assert round(value(expr), 3) == pytest.approx(metres, abs=0.001)


NORTH_BAND = geog("Polygon((0 50,60 50,60 60,0 60,0 50))")


@pytest.mark.parametrize(("point", "expected"), [
    # the edges are geodesics, not lines of latitude: the edge along 60°N bulges to ≈63.44°N at
    # 30°E (on a sphere tan φ = tan 60°/cos 30°, φ = 63.43°), the one along 50°N to ≈54.0°N
    ("30 61", True), ("30 63.3", True), ("30 63.6", False),
    ("30 52", False), ("30 55", True),
    ("0 50", True), ("0 55", True), ("60 55", True),            # vertex and edges: on the boundary
    ("61 55", False), ("-1 55", False),
])
def test_geography_point_in_polygon_follows_geodesic_edges_5_1_1_11_2(point, expected):
    assert value(f"geo.intersects({geog(f'Point({point})')},{NORTH_BAND})") is expected
    assert value(f"geo.intersects({NORTH_BAND},{geog(f'Point({point})')})") is expected


def test_geography_holes_and_multipolygons_5_1_1_11_2():
    holed = geog("Polygon((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4))")
    assert value(f"geo.intersects({geog('Point(5 5)')},{holed})") is False      # in the hole
    assert value(f"geo.intersects({geog('Point(4 5)')},{holed})") is True       # on the hole's meridian edge
    assert value(f"geo.intersects({geog('Point(2 2)')},{holed})") is True
    two = geog("MultiPolygon(((0 0,1 0,1 1,0 0)),((20 20,21 20,21 21,20 20)))")
    assert value(f"geo.intersects({geog('Point(20.9 20.5)')},{two})") is True
    assert value(f"geo.intersects({geog('Point(10 10)')},{two})") is False


def test_a_point_on_the_antimeridian_is_at_either_end_of_the_drawing():
    east_edge = geog("Polygon((170 0,180 0,180 10,170 10,170 0))")
    assert value(f"geo.intersects({geog('Point(-180 5)')},{east_edge})") is True
    assert value(f"geo.intersects({geog('Point(-179 5)')},{east_edge})") is False


# -- cases without a defined answer are errors naming the function ---------------------------
@pytest.mark.parametrize(("expr", "message"), [
    (f"geo.distance({geog('Point(0 0)')},{geom('Point(0 0)')})", "geo.distance.*geography and geometry do not mix"),
    (f"geo.distance({geom('Point(0 0)')},{geom('Point(0 0)', 3857)})", "geo.distance.*SRID 0 and SRID 3857"),
    (f"geo.distance({geog('Point(0 0)', 4269)},{geog('Point(1 0)', 4269)})", "geo.distance.*SRID 4269.*WGS 84"),
    (f"geo.intersects({geog('Point(175 0)')},{geog('Polygon((170 -10,-170 -10,-170 10,170 10,170 -10))')})",
     "geo.intersects.*crosses the antimeridian"),
    (f"geo.intersects({geog('Point(0 80)')},{geog('Polygon((0 80,90 90,180 80,0 80))')})",
     "geo.intersects.*vertex at a pole"),
    (f"geo.distance({geog('Point(0 0)')},{geog('LineString(1 0,1 1)')})", "geo.distance.*two points"),
    (f"geo.intersects({geog('LineString(0 0,1 1)')},{geog('LineString(0 1,1 0)')})", "geo.intersects.*a point"),
    (f"geo.length({geom('Point(0 0)')})", "geo.length.*LineString"),
    (f"geo.distance({geog('Point(0 91)')},{geog('Point(0 0)')})", "latitude in \\[-90, 90\\]"),
    ("geo.length('LineString(0 0,1 1)')", "geo.length.*not Edm.String"),
])
def test_undefined_cases_are_errors_naming_the_function_never_a_guess(expr, message):
    with pytest.raises(EvaluationError, match=message):
        value(expr)


# -- values from the data: GeoJSON (OData JSON §7.1) ------------------------------------------
POINT_NEAR_OSLO = {"type": "Point", "coordinates": [10.75, 59.91]}


@pytest.mark.parametrize(("entity", "expected"), [
    ({"Loc": None}, None),                                                     # null propagates
    ({}, None),                                                                # absent: null
    ({"Loc@odata.type": "#GeographyPoint", "Loc": {"type": "Point", "coordinates": [1, 0]}}, 111319.491),
    ({"Loc@type": "#Edm.GeographyPoint", "Loc": {"type": "Point", "coordinates": [1, 0]}}, 111319.491),
    # untyped GeoJSON takes the family of the geo value it meets ("inferred from its usage")
    ({"Loc": {"type": "Point", "coordinates": [1, 0]}}, 111319.491),
    ({"Loc": {"type": "Point", "coordinates": [1, 0],
              "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}}}, 111319.491),
])
def test_geojson_in_the_data_is_read_by_annotation_or_usage_and_null_propagates(entity, expected):
    result = value(f"geo.distance(Loc,{geog('Point(0 0)')})", entity)
    assert result is None if expected is None else round(result, 3) == pytest.approx(expected, abs=0.001)


@pytest.mark.parametrize(("entity", "message"), [
    ({"Route": {"type": "LineString", "coordinates": [[0, 0], [1, 0]]}}, "cannot say whether it is a Geography"),
    ({"Route@odata.type": "#GeographyLineString", "Route": {"type": "Point", "coordinates": [0, 0]}},
     "is a GeographyPoint, not the GeographyLineString"),
    ({"Route@odata.type": "#GeographyLineString", "Route": {"type": "LineString"}}, "holds \"coordinates\""),
    ({"Route@odata.type": "#GeographyLineString", "Route": {"type": "LineString", "coordinates": [[0, 0]]}},
     "at least 2 positions"),
    ({"Route@odata.type": "#GeographyLineString",
      "Route": {"type": "LineString", "coordinates": [[0, 0], [1, 0]], "crs": {"type": "link"}}}, "not a named EPSG"),
    ({"Route@odata.type": "#GeographyLineString", "Route": "LINESTRING(0 0,1 0)"}, "GeoJSON object"),
])
def test_malformed_or_untyped_geojson_is_a_clear_error(entity, message):
    with pytest.raises(EvaluationError, match=message):
        value("geo.length(Route)", entity)


def test_a_geometry_crs_in_the_data_must_match_the_literal():
    entity = {"P@odata.type": "#GeometryPoint",
              "P": {"type": "Point", "coordinates": [3, 4], "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}}}
    assert value(f"geo.distance(P,{geom('Point(0 0)', 3857)})", entity) == 5.0
    with pytest.raises(EvaluationError, match="SRID 3857 and SRID 0"):
        value(f"geo.distance(P,{geom('Point(0 0)')})", entity)


CITIES = [
    {"Name": "Rome", "Loc": {"type": "Point", "coordinates": [12.50, 41.90]}},
    {"Name": "Stockholm", "Loc": {"type": "Point", "coordinates": [18.07, 59.33]}},
    {"Name": "Oslo", "Loc": {"type": "Point", "coordinates": [10.75, 59.91]}},
    {"Name": "Nowhere", "Loc": None},
]
COPENHAGEN = geog("Point(12.57 55.68)")


def test_nearest_first_over_json_text_a_whole_request():
    text = json.dumps({"value": CITIES})   # read exactly: coordinates become Decimals, then Fractions
    result = evaluate(f"$filter=geo.distance(Loc,{COPENHAGEN}) lt 1000000&$orderby=geo.distance(Loc,{COPENHAGEN})"
                      f"&$select=Name", text)
    # Copenhagen–Oslo ≈ 483 km, –Stockholm ≈ 522 km, –Rome ≈ 1530 km
    assert [c["Name"] for c in result["value"]] == ["Oslo", "Stockholm"]
    near = evaluate(f"$filter=geo.distance(Loc,{COPENHAGEN}) lt 500000", CITIES)
    assert [c["Name"] for c in near["value"]] == ["Oslo"]


def test_computed_geo_distances_and_values_are_json():
    result = evaluate(f"$compute=geo.distance(Loc,{geog('Point(10.75 58.91)')}) as D,{geog('Point(1 2.5)')} as P"
                      "&$select=Name,D,P&$filter=Name eq 'Oslo'", CITIES)
    (oslo,) = result["value"]
    assert 110_000 < oslo["D"] < 112_000     # one degree of latitude near 59°N ≈ 111.4 km
    assert oslo["P"] == {"type": "Point", "coordinates": [1, 2.5]} and oslo["P@odata.type"] == "#GeographyPoint"
    # a geo property computed back out: the same GeoJSON numbers, written exactly and shortest
    again = evaluate("$compute=Loc as L&$select=L&$filter=Name eq 'Oslo'", CITIES, model=None)["value"][0]
    assert again == {"L": {"type": "Point", "coordinates": [10.75, 59.91]}}   # untyped: kept as JSON
    typed = [{"Loc@odata.type": "#GeometryPoint", "Loc": {"type": "Point", "coordinates": [0.1, 7]}}]
    out = evaluate("$compute=Loc as L&$select=L", typed)
    assert encode_json(out) == '{"value":[{"L":{"type":"Point","coordinates":[0.1,7]},"L@odata.type":"#GeometryPoint"}]}'


def test_geo_values_are_not_compared_with_eq():
    with pytest.raises(EvaluationError, match="cannot be compared"):
        evaluate_filter(f"{geog('Point(1 2)')} eq {geog('Point(1 2)')}", {})


# -- with a model: the declared type (Edm.GeographyPoint) types the GeoJSON -------------------
csdl = pytest.importorskip("odatakit.csdl")
TRIPPIN = Path(__file__).parent / "data" / "models" / "trippin.xml"
AIRPORTS = [
    {"IcaoCode": "EGLL", "Name": "Heathrow", "Location": {"Loc": {"type": "Point", "coordinates": [-0.4614, 51.4775]}}},
    {"IcaoCode": "KJFK", "Name": "JFK", "Location": {"Loc": {"type": "Point", "coordinates": [-73.7789, 40.6397]}}},
    {"IcaoCode": "EGKK", "Name": "Gatwick", "Location": {"Loc": {"type": "Point", "coordinates": [-0.1821, 51.1537]}}},
]


def test_the_model_types_geojson_so_geo_length_of_a_path_needs_no_annotation():
    model = csdl.load(TRIPPIN)
    central_london = geog("Point(-0.1276 51.5072)")
    result = evaluate(f"$filter=geo.distance(Location/Loc,{central_london}) lt 50000&$select=IcaoCode",
                      AIRPORTS, model=model, entity_type="Trippin.Airport")
    assert [a["IcaoCode"] for a in result["value"]] == ["EGLL", "EGKK"]   # ~23 km and ~40 km; JFK ~5570 km
    # the model says geography, so a geometry literal is refused rather than measured in degrees
    with pytest.raises(EvaluationError, match="geography and geometry do not mix"):
        evaluate(f"$filter=geo.distance(Location/Loc,{geom('Point(0 51)')}) lt 1", AIRPORTS, model=model,
                 entity_type="Trippin.Airport")


SITES_MODEL = json.dumps({"$Version": "4.01", "Ns": {
    "Site": {"$Kind": "EntityType", "$Key": ["Id"], "Id": {"$Type": "Edm.Int32"},
             "Spot": {"$Type": "Edm.GeometryPoint", "$SRID": 3857},
             "Area": {"$Type": "Edm.GeometryPolygon", "$SRID": "variable", "$Nullable": True},
             "Stops": {"$Type": "Edm.GeometryPoint", "$Collection": True, "$SRID": 3857}},
    "Default": {"$Kind": "EntityContainer", "Sites": {"$Collection": True, "$Type": "Ns.Site"}}}})
SITES = [{"Id": 1, "Spot": {"type": "Point", "coordinates": [3, 4]}, "Stops": [{"type": "Point", "coordinates": [1, 1]}],
          "Area": {"type": "Polygon", "coordinates": [[[0, 0], [9, 0], [9, 9], [0, 0]]]}},
         {"Id": 2, "Spot": {"type": "Point", "coordinates": [30, 40]}, "Area": None, "Stops": []}]


def test_the_models_srid_facet_is_the_srid_of_geojson_without_a_crs():
    model = csdl.load(SITES_MODEL)

    def ids(query: str) -> list[int]:
        return [s["Id"] for s in evaluate(query, SITES, model=model, entity_type="Ns.Site")["value"]]

    assert ids(f"$filter=geo.distance(Spot,{geom('Point(0 0)', 3857)}) lt 10") == [1]        # SRID=3857 facet
    assert ids(f"$filter=geo.intersects({geom('Point(1 0)')},Area)") == [1]                 # 'variable': the default 0
    near = geom("Point(0 0)", 3857)
    assert ids(f"$filter=Stops/any(s:geo.distance(s,{near}) lt 2)") == [1]                  # a collection's facet
    with pytest.raises(EvaluationError, match="SRID 3857 and SRID 0"):
        ids(f"$filter=geo.distance(Spot,{geom('Point(0 0)')}) lt 10")


# -- properties: geometry against an independent formulation ----------------------------------
coordinate = st.integers(-6, 6)
position = st.tuples(coordinate, coordinate)


def wkt(points: list[tuple[int, int]]) -> str:
    return ",".join(f"{x} {y}" for x, y in points)


def side(o: tuple[int, int], a: tuple[int, int], b: tuple[int, int]) -> int:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


@given(point=position, triangle=st.lists(position, min_size=3, max_size=3, unique=True))
def test_point_in_a_triangle_agrees_with_the_sign_test(point, triangle):
    """A point is in a (non-degenerate) triangle, boundary included, exactly when it is on no
    strict outer side of its three edges: an independent formulation of §5.1.1.11.2."""
    a, b, c = triangle
    if side(a, b, c) == 0:
        return  # collinear: no triangle
    signs = [side(a, b, point), side(b, c, point), side(c, a, point)]
    expected = all(s >= 0 for s in signs) or all(s <= 0 for s in signs)
    polygon = geom(f"Polygon(({wkt([a, b, c, a])}))")
    assert value(f"geo.intersects({geom(f'Point({point[0]} {point[1]})')},{polygon})") is expected


@given(first=st.lists(position, min_size=2, max_size=4), second=st.lists(position, min_size=2, max_size=4))
def test_line_distance_is_symmetric_and_zero_exactly_when_they_meet(first, second):
    a, b = geom(f"LineString({wkt(first)})"), geom(f"LineString({wkt(second)})")
    there, back = value(f"geo.distance({a},{b})"), value(f"geo.distance({b},{a})")
    meet = value(f"geo.intersects({a},{b})")
    assert there == back
    assert (there == 0.0) is meet
    # never more than the distance between any two of their vertices
    assert all(there <= ((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2) ** 0.5 + 1e-12 for p in first for q in second)

