"""Tables of the query language, read by every stage that needs them (parser, serializer,
builder, strategies): canonical functions, operator precedence, system query options."""

from __future__ import annotations


from .. import edm

__all__ = [
    "FUNCTIONS", "canonical_function_name", "PRECEDENCE", "COMPARISON_OPERATORS",
    "ARITHMETIC_OPERATORS", "BINARY_OPERATORS", "SYSTEM_QUERY_OPTIONS", "OPTION_FIELDS",
    "OPTION_SPELLING", "MAX_DEPTH", "IDENTIFIER", "QUALIFIED_NAME",
]

#: Canonical functions (URL Conventions §5.1.1.4–5.1.1.11) → (fewest, most) arguments.
#: ``cast``, ``isof`` and ``case`` have syntax of their own and their own tree classes.
FUNCTIONS: dict[str, tuple[int, int]] = {
    # §5.1.1.5 string and collection functions
    "concat": (2, 2), "contains": (2, 2), "endswith": (2, 2), "indexof": (2, 2),
    "length": (1, 1), "startswith": (2, 2), "substring": (2, 3),
    # §5.1.1.6 collection functions
    "hassubset": (2, 2), "hassubsequence": (2, 2),
    # §5.1.1.7 string functions (matchesPattern is spelled so in the 4.01 ABNF)
    "matchesPattern": (2, 2), "tolower": (1, 1), "toupper": (1, 1), "trim": (1, 1),
    # §5.1.1.8 date and time functions
    "date": (1, 1), "day": (1, 1), "fractionalseconds": (1, 1), "hour": (1, 1),
    "maxdatetime": (0, 0), "mindatetime": (0, 0), "minute": (1, 1), "month": (1, 1),
    "now": (0, 0), "second": (1, 1), "time": (1, 1), "totaloffsetminutes": (1, 1),
    "totalseconds": (1, 1), "year": (1, 1),
    # §5.1.1.9 arithmetic functions
    "ceiling": (1, 1), "floor": (1, 1), "round": (1, 1),
    # §5.1.1.11 geo functions
    "geo.distance": (2, 2), "geo.intersects": (2, 2), "geo.length": (1, 1),
    # Data Aggregation §3: isdefinedExpr = "isdefined" OPEN BWS firstMemberExpr BWS CLOSE
    "isdefined": (1, 1),
}

_BY_LOWER = {name.lower(): name for name in FUNCTIONS}


def canonical_function_name(name: str) -> str | None:
    """The canonical spelling of a function name (4.01: names are case-insensitive), or None."""
    return _BY_LOWER.get(name.lower())


#: Binding strength, higher binds tighter (URL Conventions §5.1.1.17; the table wins over the
#: ABNF's flat ``commonExpr``). ``has`` and ``in`` are Primary, above the unary operators.
PRECEDENCE: dict[str, int] = {
    "or": 1,
    "and": 2,
    "eq": 3, "ne": 3,
    "gt": 4, "ge": 4, "lt": 4, "le": 4,
    "add": 5, "sub": 5,
    "mul": 6, "div": 6, "divby": 6, "mod": 6,
    "not": 7, "-": 7,
    "has": 8, "in": 8,
}
#: What atoms (literals, paths, calls, parenthesized expressions) bind with.
ATOM = 9

COMPARISON_OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le")
ARITHMETIC_OPERATORS = ("add", "sub", "mul", "div", "divby", "mod")
BINARY_OPERATORS = (*COMPARISON_OPERATORS, *ARITHMETIC_OPERATORS, "has")

#: System query options (URL Conventions §5.1), by name without ``$``, → the grammar start
#: rule that parses the value (None: the value is kept as text).
SYSTEM_QUERY_OPTIONS: dict[str, str | None] = {
    "filter": "filter_value",
    "search": "search_value",
    "expand": "expand_value",
    "select": "select_value",
    "orderby": "orderby_value",
    "top": "top_value",
    "skip": "top_value",
    "count": "count_value",
    "compute": "compute_value",
    "index": "index_value",
    "levels": "levels_value",
    "format": None,
    "skiptoken": None,
    "deltatoken": None,
    "schemaversion": None,
    "id": None,  # $id: the entity-id of GET $entity?$id=…
    # Temporal extension (odata-temporal-abnf: temporalOption), also nested in $expand
    "at": "temporal_value",
    "from": "temporal_value",
    "to": "temporal_value",
    "toinclusive": "temporal_value",
    # Data Aggregation extension (odata-aggregation-abnf: systemQueryOption =/ apply)
    "apply": "apply_value",
}

#: Option name → tree field, where they differ (``from`` is a Python keyword).
OPTION_FIELDS: dict[str, str] = {"from": "from_", "toinclusive": "to_inclusive"}
#: Option name → how the serializer spells it, where that is not the lower-case name.
OPTION_SPELLING: dict[str, str] = {"toinclusive": "toInclusive"}

#: Deepest tree the parser returns and the serializer prints; deeper input is refused with a
#: clear error instead of running Python's recursion out (10,000 nested parentheses around one
#: value make no depth and still parse).
MAX_DEPTH = 200

#: odataIdentifier and namespace-qualified names, for the Python code that checks names it did not
#: get from the lexer (their home is ``odatakit.edm``, tested against the grammar's terminals).
IDENTIFIER = edm.IDENTIFIER
QUALIFIED_NAME = edm.QUALIFIED_NAME
